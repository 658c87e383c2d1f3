"""What every staff page shows: the unread count in the title and the sidebar."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from faxes.services.reading import UNREAD_CAP, unread_ids


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "account_id", None):
        return {}

    def count() -> str:
        unread = len(unread_ids(user.account, user))
        return f"{UNREAD_CAP - 1}+" if unread >= UNREAD_CAP else (str(unread) if unread else "")

    return {
        # Counted once, and only when a page shows it.
        "unread_count": SimpleLazyObject(count),
        "unread_poll_seconds": settings.FAXPORTAL_UI_POLL_SECONDS * 3,
    }
