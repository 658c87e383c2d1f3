from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation

from accounts.languages import remember_language


class DisabledAccountLogoutMiddleware:
    """Ends sessions whose user may no longer log in (account or user disabled).

    The auth backend already treats such a user as anonymous; flushing the
    session makes that final, so re-enabling the account does not revive it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session and not request.user.is_authenticated:
            request.session.flush()
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Users of an account that requires two-factor login and who have not set it up yet
    may only reach the set-up page (and log out) until they have: pages redirect there,
    and their session counts for nothing elsewhere (APIs answer as to a stranger).

    ``User.two_factor_enabled`` is on the user row the session already loaded, so this
    costs no query.
    """

    ALLOWED = (
        "two-factor",
        "two-factor-codes",
        "logout",
        "login",
        "login-otp",
        "set-language",
        "javascript-catalog",
    )
    UI_EXCLUDED = ("/api/", "/v2/", "/hooks/", "/admin/", "/static/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "account", None) is not None
            and user.account.require_two_factor
            and not user.two_factor_enabled
        ):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in self.ALLOWED:
                if request.path_info.startswith(self.UI_EXCLUDED):
                    request.user = AnonymousUser()
                else:
                    return redirect("two-factor")
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user's chosen language (``User.language``) wins over the browser's.

    Runs after authentication; LocaleMiddleware has already picked the cookie's or the
    browser's language. The choice is also kept in the language cookie, so the login
    page after logging out stays in it. Machine surfaces are left alone.
    """

    EXCLUDED = ("/api/", "/v2/", "/v1/", "/hooks/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(self.EXCLUDED):
            return self.get_response(request)
        user = request.user
        chosen = getattr(user, "language", "") if user.is_authenticated else ""
        if not chosen:
            return self.get_response(request)
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            remember_language(response, chosen)
        return response
