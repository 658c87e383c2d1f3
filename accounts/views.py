"""Login, the landing page (the inbox) and the account overview pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import login_limits
from accounts.security_views import begin_second_step


class RateLimitedLoginView(auth_views.LoginView):
    """Django's login view, refusing bursts of attempts per IP and per username."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if login_limits.attempt(request, username=request.POST.get("username", "")):
            form = self.get_form()
            form.is_bound = True
            form._errors = {}  # type: ignore[attr-defined]
            context = self.get_context_data(form=form, rate_limited=True)
            return render(request, self.template_name, context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if user.two_factor_enabled:
            # Not logged in yet: the authenticator or a recovery code comes first.
            return begin_second_step(self.request, user, self.get_success_url())
        # Logged in; if the account requires two-factor login, the set-up page is next.
        return super().form_valid(form)
