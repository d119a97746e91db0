"""Replaying deliveries for debugging: a stored one by id, or a saved one from a JSON file."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from webhooks import signature
from webhooks.deliveries import DeliveryStore, Headers
from webhooks.intake import Intake, Outcome


class ReplayError(Exception):
    """A delivery that cannot be replayed, with the reason a person needs."""


def replay_stored(intake: Intake, store: DeliveryStore, record_id: str, *, force: bool = False) -> Outcome:
    """Run a stored delivery through the live code path again.

    Raises ReplayError when it is unknown, was rejected (its body was never kept), or its
    signature no longer verifies because WC_WEBHOOK_SECRET changed since it was received.
    """
    delivery = intake.find(record_id)
    if delivery is None:
        raise ReplayError(f"no stored delivery {record_id!r} (it may be older than the retention window)")
    if delivery.body is None:
        raise ReplayError(f"{record_id} was not a verified delivery ({delivery.reason}); its body was not kept")
    if delivery.signature_valid and not signature.verify(
        intake.config.webhook_secret or "", delivery.body, delivery.header("X-WC-Webhook-Signature")
    ):
        raise ReplayError(
            f"delivery {record_id} verified when it arrived but not with the current WC_WEBHOOK_SECRET: "
            "the secret changed since; replay it with the old secret"
        )
    return intake.receive(delivery.headers, delivery.body, source="replay", force=force, replay_of=delivery.id)


def load_saved_delivery(path: Path) -> tuple[Headers, bytes]:
    """Headers and exact body of a saved delivery (the JSON shape of the recorded fixtures).

    Raises ReplayError for a file that is not such a delivery.
    """
    try:
        saved = json.loads(Path(path).read_text())
        request = saved["request"]
        headers = tuple((str(name), str(value)) for name, value in request["headers"])
        body = base64.b64decode(request["body_base64"]) if request.get("body_base64") else request["body_text"].encode()
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ReplayError(f"{path} is not a saved delivery ({error.__class__.__name__}: {error})") from error
    return headers, body


def replay_file(intake: Intake, path: Path, *, force: bool = False, sign: bool = False) -> Outcome:
    """Run a saved delivery; `sign` first signs its body with the current secret (for samples and
    hand-made deliveries, which carry no valid signature)."""
    headers, body = load_saved_delivery(path)
    if sign:
        signed = signature.sign(intake.config.webhook_secret or "", body)
        headers = tuple((k, v) for k, v in headers if k.lower() != "x-wc-webhook-signature")
        headers += (("X-WC-Webhook-Signature", signed),)
    return intake.receive(headers, body, source="replay", force=force, replay_of=str(path))
