"""Signals of the accounts app. Its security events (password changed, reset link sent,
two-factor turned on or off) are audited by whoever listens: the audit trail lives with
the faxes app, which accounts never imports."""

from django.dispatch import Signal

# kwargs: action (e.g. "user.password_changed"), user (whose login it is), actor (who did
# it: the user, an admin, or None), request (or None), details (dict)
security_event = Signal()


def announce(action: str, *, user, actor=None, request=None, **details) -> None:
    security_event.send(
        sender=user.__class__, action=action, user=user, actor=actor, request=request,
        details=details,
    )  # fmt: skip
