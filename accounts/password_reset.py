"""Password-reset links, sent by an account admin to one of the account's users.

Django's own machinery: the token is ``default_token_generator``'s (it dies once the
password changes, after a successful login, or after ``PASSWORD_RESET_TIMEOUT``), the page
it opens is ``PasswordResetConfirmView``, the mail goes through the configured backend.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.languages import language_for
from accounts.models import User


def reset_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password-reset-confirm", kwargs={"uidb64": uid, "token": token})
    return settings.FAXPORTAL_BASE_URL.rstrip("/") + path


def send_reset_link(user: User, *, sent_by: User) -> str:
    """E-mail ``user`` a link to choose a new password; returns the address it went to."""
    address = user.email or (user.username if "@" in user.username else "")
    if not address:
        raise ValidationError(_("This user has no e-mail address to send the link to."))
    if not user.is_active:
        raise ValidationError(_("This login is disabled; enable it before sending a link."))
    context = {
        "user": user,
        "sent_by": sent_by,
        "url": reset_url(user),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    with translation.override(language_for(user)):  # the reader's language, not the admin's
        subject = render_to_string("accounts/password_reset_subject.txt", context).strip()
        body = render_to_string("accounts/password_reset_email.txt", context)
    send_mail(subject, body, None, [address])
    return address
