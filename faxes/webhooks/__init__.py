"""Outgoing webhooks: events about faxes, signed and delivered to accounts' endpoints.

- ``events``: the event catalogue and which status change raises which event.
- ``payloads``: the JSON body of each event.
- ``signing``: secrets and the Standard-Webhooks HMAC-SHA256 signature.
- ``http``: one SSRF-safe POST (the same address rules as document URLs).
- ``receivers`` / ``tasks``: the signal hook and the Celery tasks.

The domain operations (register endpoints, create and deliver deliveries,
retries) are in ``faxes.services.webhooks``.
"""
