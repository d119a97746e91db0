"""`woo3d deliveries list|show|replay` from the shell."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import WOOCOMMERCE_FIXTURES
from tests.recorded import RIG_SECRET
from woo3d.cli import main


@pytest.fixture
def env(redis_url: str, tmp_path) -> dict[str, str]:
    return {"WOO3D_REDIS_URL": redis_url, "WC_WEBHOOK_SECRET": RIG_SECRET, "WOO3D_LOG_FORMAT": "console"}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Exit code and standard output (logs go to standard error)."""
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_replay_a_saved_file_then_list_show_and_force_replay_it(env: dict[str, str]) -> None:
    path = WOOCOMMERCE_FIXTURES / "webhooks" / "product_created__publish_with_media_ids.json"
    code, output = run(env, "deliveries", "replay", "--file", str(path))
    assert code == 0, output
    answer = json.loads(output)
    assert (answer["http_status"], answer["status"]) == (202, "queued")

    code, output = run(env, "deliveries", "list")
    assert code == 0 and answer["delivery_id"] in output and "queued" in output and "(1 of 1 stored)" in output

    code, output = run(env, "deliveries", "show", answer["delivery_id"])
    assert code == 0 and json.loads(output)["product_id"] == 14

    code, output = run(env, "deliveries", "replay", answer["delivery_id"])
    assert code == 0 and "duplicate delivery" in output
    code, output = run(env, "deliveries", "replay", answer["delivery_id"], "--force")
    assert code == 0 and json.loads(output)["status"] == "queued"


def test_replay_with_a_changed_secret_fails_with_the_reason(env: dict[str, str]) -> None:
    path = WOOCOMMERCE_FIXTURES / "webhooks" / "product_created__publish_with_media_ids.json"
    delivery_id = json.loads(run(env, "deliveries", "replay", "--file", str(path))[1])["delivery_id"]
    code, output = run({**env, "WC_WEBHOOK_SECRET": "rotated"}, "deliveries", "replay", delivery_id)
    assert code == 1 and "secret changed" in output


def test_missing_secret_is_a_clear_start_up_error(env: dict[str, str]) -> None:
    code, output = run({**env, "WC_WEBHOOK_SECRET": ""}, "deliveries", "list")
    assert code == 1 and "WC_WEBHOOK_SECRET is not set" in output


def test_unknown_delivery_and_bad_usage(env: dict[str, str]) -> None:
    assert "no stored delivery" in run(env, "deliveries", "show", "nope")[1]
    code, output = run(env, "deliveries", "replay")
    assert code == 2 and "either a DELIVERY_ID or --file" in output
