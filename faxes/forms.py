"""Forms of the staff UI. Domain validation (numbers, documents, schedules) stays in the
services; these forms only shape and type what the browser sends."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import scopes as scope_names
from accounts.models import MAX_RETENTION_DAYS, Role
from faxes.models import FAXBOX_PAPER_CHOICES, FaxStatus, MailBody, PaperSize, Resolution
from faxes.phone import normalize_e164

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SPLIT = re.compile(r"[,;\n]+")


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC")
    return [(name, name.replace("_", " ")) for name in names]


def split_list(text: str) -> list[str]:
    """Comma-, semicolon- or line-separated values (numbers, e-mail addresses)."""
    return [item.strip() for item in SPLIT.split(text or "") if item.strip()]


def _start_of(day: date, zone) -> datetime | None:
    """Midnight of ``day`` in ``zone``; None at the ends of the calendar (0001-01-01,
    9999-12-31), where there is nothing beyond to bound."""
    try:
        start = datetime.combine(day, time.min, tzinfo=zone)
        start.astimezone(UTC)  # the database compares in UTC: this must exist too
        return start
    except OverflowError:
        return None


def day_range(date_from, date_to) -> tuple[datetime | None, datetime | None]:
    """Aware bounds [start of date_from, start of the day after date_to) in the active zone."""
    zone = timezone.get_current_timezone()
    start = _start_of(date_from, zone) if date_from else None
    end = None
    if date_to and date_to < date.max:
        end = _start_of(date_to + timedelta(days=1), zone)
    return start, end


def _choice(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's own copy of its choice field ``name``, typed as one."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class DateInput(forms.DateInput):
    input_type = "date"


class WallClockField(forms.DateTimeField):
    """A date and time as typed, without a zone: the sender picks the zone beside it
    (submit_fax reads it there and refuses a time a DST jump skips)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        return forms.fields.BaseTemporalField.to_python(self, str(value).strip())


def _faxbox_choices(faxboxes, empty: StrOrPromise | None) -> list[tuple[str, StrOrPromise]]:
    head = [("", empty)] if empty is not None else []
    return head + [(fb.pk, fb.name) for fb in faxboxes]


class ListFilterForm(forms.Form):
    """Filters shared by the inbox and the outbox (all optional, GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    faxbox = forms.ChoiceField(label=_("Faxbox"), required=False)
    date_from = forms.DateField(label=_("From date"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To date"), required=False, widget=DateInput)

    def __init__(self, *args, faxboxes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "faxbox").choices = _faxbox_choices(faxboxes, _("All faxboxes"))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class InboxFilterForm(ListFilterForm):
    sender = forms.CharField(label=_("Sender number"), required=False, max_length=32)
    unread = forms.BooleanField(label=_("Unread only"), required=False)


STATUS_GROUPS = {
    "": (_("All statuses"), None),
    "active": (
        _("In progress"),
        [FaxStatus.QUEUED, FaxStatus.CONVERTING, FaxStatus.SENDING, FaxStatus.RETRYING],
    ),
    "scheduled": (_("Scheduled"), [FaxStatus.SCHEDULED]),
    "delivered": (_("Delivered"), [FaxStatus.DELIVERED]),
    "failed": (_("Failed"), [FaxStatus.FAILED]),
    "cancelled": (_("Cancelled"), [FaxStatus.CANCELLED]),
}


class OutboxFilterForm(ListFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(key, label) for key, (label, _statuses) in STATUS_GROUPS.items()],
    )


class SendForm(forms.Form):
    faxbox = forms.ChoiceField(label=_("From faxbox"))
    make_default = forms.BooleanField(label=_("Make this my default faxbox"), required=False)
    # One per form shown: the same key twice sends once (a double click, a resent POST).
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    to = forms.CharField(
        label=_("Recipients"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_("Fax numbers, separated by commas or new lines. One fax is sent to each."),
    )
    to_name = forms.CharField(label=_("Recipient name (cover page)"), required=False, max_length=64)
    cover = forms.BooleanField(label=_("Add a cover page"), required=False)
    cover_subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    cover_message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=Resolution.choices,
        initial=Resolution.FINE,
        widget=forms.RadioSelect,
    )
    paper_size = forms.ChoiceField(
        label=_("Paper size"),
        choices=[("", _("The faxbox's")), *PaperSize.choices],
        required=False,
    )
    retries = forms.TypedChoiceField(
        label=_("Attempts"), coerce=int, required=False, empty_value=None
    )
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("now", _("Send now")), ("later", _("Schedule"))],
        initial="now",
        widget=forms.RadioSelect,
    )
    scheduled_at = WallClockField(
        label=_("Date and time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), required=False)

    def __init__(self, *args, faxboxes=(), default_timezone: str = "UTC", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "faxbox").choices = _faxbox_choices(faxboxes, None)
        _choice(self, "timezone").choices = timezone_choices()
        self.fields["timezone"].initial = default_timezone
        attempts = range(1, settings.FAXPORTAL_MAX_RETRIES + 1)
        _choice(self, "retries").choices = [("", _("Faxbox default"))] + [
            (n, ngettext("%(count)d attempt", "%(count)d attempts", n) % {"count": n})
            for n in attempts
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("when") == "later":
            if not data.get("scheduled_at"):
                self.add_error("scheduled_at", _("Choose the date and time to send at."))
            if not data.get("timezone"):
                self.add_error("timezone", _("Choose the time zone of that time."))
        if data.get("cover") and not (data.get("cover_subject") or data.get("cover_message")):
            self.add_error("cover_subject", _("Give the cover page a subject or a message."))
        return data

    @property
    def recipients(self) -> list[str]:
        return split_list(self.cleaned_data.get("to", ""))

    @property
    def naive_schedule(self) -> datetime | None:
        """The wall-clock time typed in, read in the chosen zone by submit_fax."""
        if self.cleaned_data.get("when") != "later":
            return None
        return self.cleaned_data.get("scheduled_at")


class ForwardForm(forms.Form):
    to = forms.CharField(label=_("Forward to number"), max_length=32)
    faxbox = forms.ChoiceField(label=_("From faxbox"))
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, faxboxes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "faxbox").choices = _faxbox_choices(faxboxes, None)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=128)
    fax_number = forms.CharField(label=_("Fax number"), max_length=32)
    organization = forms.CharField(label=_("Organisation"), required=False, max_length=128)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FaxboxForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=128)
    numbers = forms.CharField(
        label=_("Fax numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.164 numbers this faxbox receives on, one per line."),
    )
    caller_id = forms.CharField(
        label=_("Caller ID number"),
        required=False,
        max_length=32,
        help_text=_("Sent as the sender number; defaults to the first fax number."),
    )
    caller_name = forms.CharField(label=_("Caller name"), required=False, max_length=64)
    fax_header = forms.CharField(
        label=_("Header line text"),
        required=False,
        max_length=64,
        help_text=_("Printed at the top of every page sent."),
    )
    fax_identity = forms.CharField(
        label=_("Station ID (TSI)"),
        required=False,
        max_length=20,
        # T.30 carries the station id as digits, "+" and spaces only.
        validators=[
            RegexValidator(
                r"^[0-9+ ]*$",
                _("Use only digits, + and spaces (a fax machine shows nothing else)."),
            )
        ],
        help_text=_("Up to 20 digits, + and spaces, shown on the receiving fax machine."),
    )
    fax_timezone = forms.ChoiceField(label=_("Time zone"))
    paper_size = forms.ChoiceField(
        label=_("Paper size"),
        choices=FAXBOX_PAPER_CHOICES,
        initial="auto",
        required=False,  # left out: automatic
        help_text=_(
            "What faxes are laid out for: cover page, images and page length. B4 goes "
            "2048 dots wide to machines that take it, fitted to A4 for the others."
        ),
    )
    retries = forms.IntegerField(label=_("Attempts per fax"), min_value=0)
    mail_body = forms.ChoiceField(
        label=_("E-mail body"),
        choices=MailBody.choices,
        initial=MailBody.COVER,
        required=False,  # left out: as it is (a new faxbox: a cover page)
        help_text=_(
            "What the text of an e-mail sent to this faxbox becomes. With a cover or a text "
            "page, an e-mail without attachments is faxed as that one page."
        ),
    )
    retention_days = forms.IntegerField(
        label=_("Keep files (days)"),
        required=False,
        min_value=0,
        max_value=MAX_RETENTION_DAYS,
        help_text=_(
            "Files of finished faxes are purged this many days after the fax (the record "
            "stays); 0 keeps them; empty follows the account's setting."
        ),
    )
    notify_inbound_emails = forms.CharField(
        label=_("E-mail on received faxes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notify_outbound_emails = forms.CharField(
        label=_("E-mail on sent faxes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "fax_timezone").choices = timezone_choices()
        # The limit is a setting, so it is applied per form rather than at class creation.
        limit = settings.FAXPORTAL_MAX_RETRIES
        self.fields["retries"].validators.append(MaxValueValidator(limit))
        self.fields["retries"].widget.attrs["max"] = limit

    # Staff type numbers and addresses loosely; the faxbox service stores them exact.
    def clean_numbers(self) -> list[str]:
        return split_list(self.cleaned_data["numbers"])

    def clean_caller_id(self) -> str:
        value = self.cleaned_data["caller_id"].strip()
        return normalize_e164(value) if value else ""

    def clean_notify_inbound_emails(self) -> list[str]:
        return split_list(self.cleaned_data["notify_inbound_emails"])

    def clean_notify_outbound_emails(self) -> list[str]:
        return split_list(self.cleaned_data["notify_outbound_emails"])


class UserCreateForm(forms.Form):
    email = forms.EmailField(label=_("E-mail (login)"))
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; give it to the person and let them change it."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=list(scope_names.ALL_SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Leave empty for a token that does not expire."),
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    user = forms.ChoiceField(label=_("User"), required=False)
    fax = forms.CharField(label=_("Fax id"), required=False, max_length=32)
    date_from = forms.DateField(label=_("From date"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To date"), required=False, widget=DateInput)

    def __init__(self, *args, actions=(), users=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "action").choices = [("", _("All actions")), *actions]
        _choice(self, "user").choices = [("", _("Everyone"))] + [
            (u.pk, u.get_username()) for u in users
        ]


class RetentionForm(forms.Form):
    retention_days = forms.IntegerField(
        label=_("Keep fax files (days)"),
        required=False,
        min_value=0,
        max_value=MAX_RETENTION_DAYS,
        help_text=_(
            "Files of finished faxes are purged this many days after the fax (the record "
            "stays); 0 keeps them; empty follows the portal's setting. A faxbox may set its own."
        ),
    )
