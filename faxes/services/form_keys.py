"""One result per browser form: each form that creates something carries a one-time
key; the same key again (a double click, a resent POST) answers with where the first
submission's result is instead of creating a second one.

Sending and forwarding a fax go through the fax documents' own idempotency key
(``submit_fax``); this covers the other things the UI creates.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from django.db import IntegrityError, transaction

from accounts.models import Account, User
from faxes.models import FormSubmission

FIELD = "form_key"
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_key() -> str:
    return secrets.token_urlsafe(24)


def is_key(value: str) -> bool:
    return bool(value) and bool(_SHAPE.match(value))


def _earlier(user: User, key: str) -> FormSubmission | None:
    return FormSubmission.objects.filter(user=user, key=key).first()


def once(*, account: Account, user: User, key: str, create: Callable[[], str]) -> tuple[str, bool]:
    """Run ``create`` (which returns the URL of what it made) once per key.

    Returns ``(url, replayed)``. The key is claimed in the same transaction as the
    creation, so a concurrent duplicate waits for the first and then finds its
    result; an error in ``create`` rolls the claim back, so a corrected form can be
    sent again with the same key. Without a (well-formed) key ``create`` just runs.
    """
    if not is_key(key):
        return create(), False
    earlier = _earlier(user, key)
    if earlier is not None:
        return earlier.result_url, True
    try:
        with transaction.atomic():
            mark = FormSubmission.objects.create(account=account, user=user, key=key)
            url = create()
            mark.result_url = url[:500]
            mark.save(update_fields=["result_url"])
            return url, False
    except IntegrityError:
        earlier = _earlier(user, key)
        if earlier is None:
            raise
        return earlier.result_url, True
