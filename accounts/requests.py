"""Request types for type checkers: what a view may assume about ``request``."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real ``User``."""

    user: User  # type: ignore[assignment]
