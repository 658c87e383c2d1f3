"""DRF pieces both APIs (native ``/api/v1`` and Kazoo ``/v2``) build their base views on.

What the two contracts share is set here; what they do not (renderers, parsers,
authentication, error shapes) each API sets on its own base view, never in the
project-wide ``REST_FRAMEWORK`` settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView


class OneRenderer(DefaultContentNegotiation):
    """Always the view's first renderer, whatever ``Accept`` says: an odd ``Accept`` is
    no 406, and ``?format=`` is the download endpoints' own parameter (original or tiff
    in v1, tiff in Kazoo), not DRF's renderer override."""

    def select_renderer(
        self, request: Any, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class CountedFirst(APIView):
    """DRF's ``initial`` with the throttles first: the rate limit counts the request
    before authentication (by the credential presented, so bad tokens are counted
    too and cannot be tried faster than the limit), then authentication and
    permissions as DRF does."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request
        )
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        self.check_throttles(request)
        self.perform_authentication(request)
        self.check_permissions(request)
