"""Audit trail: who (user or API token) did what to which fax, from where."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Account
from faxes.models import AuditEvent, Fax


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind a proxy, configure it to set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    account: Account,
    fax: Fax | None = None,
    principal: Any = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    """Write one audit event. ``principal`` is a User or an ApiTokenPrincipal."""
    from accounts.authentication import ApiTokenPrincipal
    from accounts.models import User

    user = principal if isinstance(principal, User) else None
    token = principal.token if isinstance(principal, ApiTokenPrincipal) else None
    return AuditEvent.objects.create(
        account=account,
        fax=fax,
        user=user,
        token=token,
        action=action,
        ip_address=client_ip(request),
        details=details,
    )


def record_security_event(sender, *, action, user, actor=None, request=None, details=None, **_):
    """Audit the accounts app's security events (``accounts.signals.security_event``)."""
    if user.account_id is None:
        return  # platform operators belong to no account's trail
    record(
        action, account=user.account, principal=actor, request=request, user=user.pk,
        username=user.get_username(), **(details or {}),
    )  # fmt: skip
