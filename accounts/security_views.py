"""Sign-in security pages: the second login step (authenticator code or recovery code),
two-factor set-up and recovery codes, changing one's password, and the password-reset
pages a reset link opens."""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import login_limits, two_factor
from accounts.forms import CodeForm, PasswordConfirmForm
from accounts.models import User
from accounts.requests import AuthenticatedRequest
from accounts.signals import announce

PENDING_KEY = "login_pending"  # a password checked, the second factor still to come
PENDING_SECONDS = 300
NEW_CODES_KEY = "two_factor_new_codes"  # recovery codes to show once, after a redirect


def _wait_text(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes: wait %(seconds)d second, then try again.",
        "Too many wrong codes: wait %(seconds)d seconds, then try again.",
        seconds,
    ) % {"seconds": seconds}


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- the second login step -----------------------------------------------------------------


def begin_second_step(request: HttpRequest, user: User, redirect_to: str) -> HttpResponse:
    """The password was right and the user has two-factor login: remember who, not log in."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "at": int(time.time()),
        "next": redirect_to,
    }
    return redirect("login-otp")


def _pending(request: HttpRequest) -> tuple[User, dict] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.select_related("account").filter(pk=pending.get("user")).first()
    if user is None or not user.is_active or not user.two_factor_enabled:
        return None
    return user, pending


def login_otp(request: HttpRequest) -> HttpResponse:
    found = _pending(request)
    if found is None:
        messages.error(request, gettext("Log in again: the sign-in took too long."))
        return redirect("login")
    user, pending = found
    form = CodeForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        if login_limits.attempt_in(request, "login-otp", user=str(user.pk)):
            context["rate_limited"] = True
            return _no_store(render(request, "accounts/login_otp.html", context, status=429))
        wait = two_factor.seconds_locked(user)
        valid = form.is_valid() and not wait
        device = two_factor.verify(user, form.cleaned_data["code"]) if valid else None
        if device is None:
            form.errors.pop("code", None)
            form.add_error(
                "code",
                _wait_text(wait)
                if wait
                else gettext("That code is not right (or was used already)."),
            )
            return _no_store(render(request, "accounts/login_otp.html", context, status=400))
        del request.session[PENDING_KEY]
        auth_login(request, user, backend=pending["backend"])
        django_otp.login(request, device)
        if isinstance(device, StaticDevice):
            left = two_factor.recovery_codes_left(user)
            announce("user.recovery_code_used", user=user, actor=user, request=request, left=left)
            messages.warning(
                request,
                gettext(
                    "You used a recovery code; %(left)s left. Make new ones on the sign-in "
                    "security page if you are running low."
                )
                % {"left": left},
            )
        return redirect(pending.get("next") or settings.LOGIN_REDIRECT_URL)
    return _no_store(render(request, "accounts/login_otp.html", context))


# --- two-factor set-up -------------------------------------------------------------------------


def _security_page(request: AuthenticatedRequest, *, form=None, password_form=None, status=200):
    user = request.user
    context: dict[str, Any] = {
        "nav": "security",
        "required": bool(user.account is not None and user.account.require_two_factor),
        "password_form": password_form or PasswordConfirmForm(),
    }
    if user.two_factor_enabled:
        context["codes_left"] = two_factor.recovery_codes_left(user)
    else:
        device = two_factor.pending_device(user)
        context.update(
            form=form or CodeForm(),
            secret=two_factor.secret_of(device),
            otpauth_uri=device.config_url,
            qr_svg=two_factor.qr_svg(device),
        )
    return _no_store(render(request, "accounts/two_factor.html", context, status=status))


@login_required
def two_factor_page(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if request.method != "POST":
        with timezone.override(user.account.timezone if user.account is not None else None):
            return _security_page(request)
    action = request.POST.get("action")
    if action == "confirm" and not user.two_factor_enabled:
        form = CodeForm(request.POST)
        if login_limits.attempt_in(request, "two-factor", ip=False, user=str(user.pk)):
            form.add_error(None, gettext("Too many attempts. Wait a minute and try again."))
            return _security_page(request, form=form, status=429)
        wait = two_factor.seconds_locked(user, confirmed=False)
        valid = form.is_valid() and not wait
        confirmed = two_factor.confirm(user, form.cleaned_data["code"]) if valid else None
        if confirmed is None:
            form.errors.pop("code", None)
            form.add_error(
                "code",
                _wait_text(wait)
                if wait
                else gettext("That code is not right. Type the six digits the app shows now."),
            )
            return _security_page(request, form=form, status=400)
        device, codes = confirmed
        django_otp.login(request, device)
        update_session_auth_hash(request, user)  # this session stays; the others end
        announce("user.two_factor_enrolled", user=user, actor=user, request=request)
        request.session[NEW_CODES_KEY] = codes
        return redirect("two-factor-codes")
    if action == "codes" and user.two_factor_enabled:
        request.session[NEW_CODES_KEY] = two_factor.new_recovery_codes(user)
        announce("user.recovery_codes_renewed", user=user, actor=user, request=request)
        return redirect("two-factor-codes")
    if action == "disable" and user.two_factor_enabled:
        if user.account is not None and user.account.require_two_factor:
            messages.error(request, gettext("Your account requires two-factor login; it stays on."))
            return redirect("two-factor")
        password_form = PasswordConfirmForm(request.POST)
        if not password_form.is_valid() or not user.check_password(
            password_form.cleaned_data["password"]
        ):
            password_form.errors.pop("password", None)
            password_form.add_error("password", gettext("That is not your password."))
            return _security_page(request, password_form=password_form, status=400)
        two_factor.remove(user)
        update_session_auth_hash(request, user)
        announce("user.two_factor_removed", user=user, actor=user, request=request)
        messages.success(
            request, gettext("Two-factor login is off: your password alone logs you in.")
        )
        return redirect("two-factor")
    messages.error(request, gettext("Nothing to do."))
    return redirect("two-factor")


@login_required
def two_factor_codes(request: AuthenticatedRequest) -> HttpResponse:
    """The recovery codes just made, shown once (reloading the page does not show them)."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("two-factor")
    context = {"codes": codes, "nav": "security"}
    return _no_store(render(request, "accounts/two_factor_codes.html", context))


# --- passwords ---------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view: the old password, the new one twice; this session stays logged in."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("two-factor")
    extra_context = {"nav": "security"}

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        announce("user.password_changed", user=user, actor=user, request=self.request)
        messages.success(self.request, gettext("Your password was changed."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view, opened by the link an admin sent; the link works once."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        announce("user.password_reset", user=form.user, actor=form.user, request=self.request)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
