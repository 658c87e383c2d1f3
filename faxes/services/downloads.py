"""Per-token download tracking (the native API's ``downloaded`` flag).

Each API token has its own marks: token A downloading a fax never changes
what token B sees, so every integrator can poll ``downloaded=false`` for
its own unprocessed faxes.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import DateTimeField, Exists, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone

from accounts.models import ApiToken
from faxes.models import DownloadMark, Fax


def mark_downloaded(fax: Fax, token: ApiToken, when: datetime | None = None) -> DownloadMark:
    """Record that ``token`` has the fax. A repeated mark (or download) keeps the first
    time: ``downloaded_at`` says since when the integrator has had it."""
    mark, _created = DownloadMark.objects.get_or_create(
        token=token,
        fax=fax,
        defaults={"downloaded_at": when or timezone.now(), "account_id": fax.account_id},
    )
    return mark


def clear_downloaded(fax: Fax, token: ApiToken) -> None:
    """Forget ``token``'s mark, so the fax shows up in ``downloaded=false`` again."""
    DownloadMark.objects.filter(token=token, fax=fax).delete()


def marks_for(token: ApiToken | None, fax_ids: list[str]) -> dict[str, datetime]:
    """``token``'s download times of these faxes (one query; none without a token).

    Lists use this for the page they show rather than annotating the query: the
    database would evaluate an annotation for every row an OFFSET skips.
    """
    if token is None or not fax_ids:
        return {}
    marks = DownloadMark.objects.filter(token_id=token.pk, fax_id__in=fax_ids)
    return dict(marks.values_list("fax_id", "downloaded_at"))


def _marks(token: ApiToken) -> QuerySet[DownloadMark]:
    return DownloadMark.objects.filter(token_id=token.pk, fax_id=OuterRef("pk"))


def with_download_state(faxes: QuerySet[Fax], token: ApiToken | None) -> QuerySet[Fax]:
    """Annotate ``token_downloaded_at`` (None when ``token`` has no mark) in the same query.

    Without a token (a browser session) nothing is tracked and every fax reads
    as not downloaded.
    """
    if token is None:
        return faxes.annotate(token_downloaded_at=Value(None, output_field=DateTimeField()))
    return faxes.annotate(token_downloaded_at=Subquery(_marks(token).values("downloaded_at")[:1]))


def filter_downloaded(
    faxes: QuerySet[Fax], token: ApiToken | None, downloaded: bool
) -> QuerySet[Fax]:
    """Only faxes ``token`` has (``downloaded=True``) or has not yet (False) downloaded."""
    if token is None:
        return faxes if not downloaded else faxes.none()
    marked = Exists(_marks(token))
    return faxes.filter(marked) if downloaded else faxes.filter(~marked)
