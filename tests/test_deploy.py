"""deploy/: the env example documents every setting and loads as is; compose and systemd run real commands."""

from __future__ import annotations

import configparser
import importlib
import os
import re
import runpy
import shlex
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from woo3d.cli import main
from woo3d.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SOURCES = ("woo3d/settings.py", "pipeline/huggingface_config.py", "woo3d/gunicorn_conf.py")
NAME = re.compile(r'"((?:WOO3D|WC|WP|TRIPO|HF|HUGGINGFACE|PIPELINE|PROMETHEUS)_[A-Z0-9_]+)"')


def test_env_example_documents_every_setting_the_code_reads() -> None:
    read = {name for source in SOURCES for name in NAME.findall((ROOT / source).read_text())}
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    assert read - documented == set()
    assert {"WOO3D_SWEEP_MINUTES", "WOO3D_PUBLIC_URL", "TRIPO_API_KEY", "HUGGINGFACE_API_TOKEN"} <= documented


def test_env_example_copied_as_is_gives_valid_default_settings() -> None:
    values = {k: v or "" for k, v in dotenv_values(DEPLOY / "env.example").items()}
    assert "PROMETHEUS_MULTIPROC_DIR" not in values  # merely present, it switches prometheus-client's mode
    settings = Settings.from_env(values)
    assert settings.sweep_minutes == 10 and settings.redis_url is None and not settings.store.configured


def woo3d_commands(argv: list[str]) -> None:
    """Fails unless `woo3d …` names a real command and its options."""
    assert argv[0].endswith("woo3d"), argv
    command = main.get_command(None, argv[1])  # type: ignore[arg-type]
    assert command is not None, argv
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    assert {a for a in argv[2:] if a.startswith("-")} <= options, argv


def test_compose_services_run_the_web_the_workers_and_share_redis_and_metrics() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"redis", "web", "worker", "rq-dashboard"}
    assert services["web"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "woo3d.wsgi:app"]
    woo3d_commands(services["worker"]["command"])
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert environment["WOO3D_REDIS_URL"] == "redis://redis:6379/0"
        assert "metrics:/run/woo3d-metrics" in services[name]["volumes"]
        assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/run/woo3d-metrics"
    assert services["rq-dashboard"]["profiles"] == ["dashboard"]
    assert all(p.startswith("127.0.0.1:") for p in services["rq-dashboard"]["ports"])
    build = services["web"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve().is_file()


def test_systemd_units_start_real_commands_with_the_shared_metrics_directory() -> None:
    for unit in ("woo3d-web.service", "woo3d-worker@.service"):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(DEPLOY / "systemd" / unit)
        service = parser["Service"]
        argv = shlex.split(service["ExecStart"])
        if argv[0].endswith("gunicorn"):
            assert argv[1:] == ["-c", "deploy/gunicorn.conf.py", "woo3d.wsgi:app"]
        else:
            woo3d_commands(argv)
        assert service["Environment"] == "PROMETHEUS_MULTIPROC_DIR=/run/woo3d-metrics"
        assert service["EnvironmentFile"] == "/etc/woo3d/woo3d.env"
    assert "d /run/woo3d-metrics" in (DEPLOY / "systemd" / "woo3d.tmpfiles").read_text()


def test_gunicorn_defaults_are_what_env_example_and_the_readme_say(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """env.example copied as is (empty WOO3D_WEB_WORKERS included) gives the documented defaults."""
    for name, value in dotenv_values(DEPLOY / "env.example").items():
        monkeypatch.setenv(name, value or "")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    # Imported here, not at the top: without PROMETHEUS_MULTIPROC_DIR it would set one for the whole test run.
    gunicorn_conf = importlib.reload(importlib.import_module("woo3d.gunicorn_conf"))  # read under this environment
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))  # what compose, systemd and run.sh load
    assert {name: conf[name] for name in gunicorn_conf.__all__} == {n: getattr(gunicorn_conf, n) for n in gunicorn_conf.__all__}
    assert (conf["workers"], conf["threads"], conf["accesslog"]) == (2 * (os.cpu_count() or 1), 4, None)
    assert conf["control_socket_disable"] is True  # else gunicorn writes ~/.gunicorn/gunicorn.ctl
    readme = (ROOT / "README.md").read_text()
    assert "| `WOO3D_BIND`, `WOO3D_WEB_WORKERS`, `WOO3D_WEB_THREADS` | `0.0.0.0:8000`, 2 × cores, `4` |" in readme
    assert "| `WOO3D_ACCESS_LOG` | `false` |" in readme
