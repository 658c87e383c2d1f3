"""Endpoints cloud carriers call: signed status and inbound callbacks (``/hooks/<carrier>/…``)
and the expiring media links they fetch outbound documents from (``/hooks/media/…``)."""
