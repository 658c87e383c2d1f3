"""Which faxbox a user sends from: their chosen default, else the one they last used,
else the first they may use."""

from __future__ import annotations

from collections.abc import Sequence

from accounts.models import User
from faxes.models import Faxbox, SenderPreference


def _preference(user: User) -> SenderPreference | None:
    return SenderPreference.objects.filter(user=user).first()


def sending_faxbox(user: User, faxboxes: Sequence[Faxbox]) -> Faxbox | None:
    """The faxbox the send and forward forms start on (one of ``faxboxes``)."""
    by_id = {fb.pk: fb for fb in faxboxes}
    preference = _preference(user)
    if preference is not None:
        for choice in (preference.default_faxbox_id, preference.last_faxbox_id):
            if choice in by_id:
                return by_id[choice]
    return faxboxes[0] if faxboxes else None


def default_faxbox_id(user: User) -> str | None:
    preference = _preference(user)
    return preference.default_faxbox_id if preference else None


def _save(user: User, **fields) -> None:
    assert user.account_id is not None  # only tenant users send (superusers have no account)
    SenderPreference.objects.update_or_create(
        user=user, defaults={"account_id": user.account_id, **fields}
    )


def remember_sent_from(user: User, faxbox: Faxbox | None) -> None:
    if faxbox is not None and faxbox.account_id == user.account_id:
        _save(user, last_faxbox=faxbox)


def set_default_faxbox(user: User, faxbox: Faxbox | None) -> None:
    """``None`` clears the default (the last-used faxbox applies again)."""
    if faxbox is not None and faxbox.account_id != user.account_id:
        raise ValueError("faxbox of another account")
    _save(user, default_faxbox=faxbox)
