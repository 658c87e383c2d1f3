"""Identifiers shaped like Kazoo's: 32 lowercase hex characters."""

import uuid


def new_id() -> str:
    return uuid.uuid4().hex
