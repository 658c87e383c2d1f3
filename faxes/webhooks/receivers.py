"""Turns fax status changes into webhook deliveries (connected in FaxesConfig.ready)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def on_fax_status_changed(
    sender, *, fax_id: str, account_id: str, from_status: str, to_status: str, **kwargs
) -> None:
    """Create the deliveries for this change. Never raises: the signal is sent from the
    send engine's commit hook, and a webhook problem must not disturb a fax."""
    from faxes.services import webhooks

    try:
        webhooks.record_status_change(
            fax_id=fax_id, account_id=account_id, from_status=from_status, to_status=to_status
        )
    except Exception:
        log.exception("could not record webhook deliveries for fax %s", fax_id)
