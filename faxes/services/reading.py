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
