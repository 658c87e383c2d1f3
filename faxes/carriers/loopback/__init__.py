"""Loopback: on-net delivery between faxboxes of this portal (no callbacks, no URLs)."""
