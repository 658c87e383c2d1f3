"""Per-user read/unread state of received faxes (the inbox's bold rows)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from faxes.models import Fax, FaxRead


def with_read_state(faxes: QuerySet[Fax], user: User) -> QuerySet[Fax]:
    """Annotate ``is_read`` in the same query (no query per row)."""
    return faxes.annotate(
        is_read=Exists(FaxRead.objects.filter(fax_id=OuterRef("pk"), user_id=user.pk))
    )


def unread_only(faxes: QuerySet[Fax], user: User) -> QuerySet[Fax]:
    return faxes.exclude(Exists(FaxRead.objects.filter(fax_id=OuterRef("pk"), user_id=user.pk)))


def is_read(fax: Fax, user: User) -> bool:
    return FaxRead.objects.filter(fax=fax, user=user).exists()


def mark_read(fax: Fax, user: User) -> bool:
    """Record that ``user`` opened ``fax``; True when it was unread before."""
    if FaxRead.objects.filter(fax=fax, user=user).exists():
        return False
    try:
        with transaction.atomic():
            FaxRead.objects.create(fax=fax, user=user, account_id=fax.account_id)
    except IntegrityError:
        return False  # a second tab opened it at the same moment
    return True


def mark_unread(fax: Fax, user: User) -> bool:
    deleted, _ = FaxRead.objects.filter(fax=fax, user=user).delete()
    return bool(deleted)


UNREAD_CAP = 100  # the count stops there ("99+"): it is read on every page


def unread_inbox(account, user: User) -> QuerySet[Fax]:
    """The received faxes of the account that ``user`` has not opened (the inbox's)."""
    faxes = Fax.objects.for_account(account).live().inbound().filter(status="received")
    return unread_only(faxes, user)


def unread_ids(account, user: User) -> list[str]:
    """The ids of the unread faxes, newest first, at most ``UNREAD_CAP`` (one indexed
    range read, never a COUNT over the whole inbox)."""
    faxes = unread_inbox(account, user).order_by("-created_at", "-id")
    return list(faxes.values_list("pk", flat=True)[:UNREAD_CAP])


def newest_unread(account, user: User) -> tuple[int, Fax | None]:
    """How many unread (capped at ``UNREAD_CAP``), and the newest of them."""
    ids = unread_ids(account, user)
    if not ids:
        return 0, None
    return len(ids), Fax.objects.filter(pk=ids[0]).first()
