"""Login, the landing page (the inbox) and the account overview pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import login_limits
from accounts.models import Account
from accounts.security_views import begin_second_step
from accounts.tenancy import resolve_account_or_404
from faxes.models import Faxbox
from faxes.views.lists import inbox


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


def _account_page(request: HttpRequest, account: Account) -> HttpResponse:
    faxboxes = Faxbox.objects.for_account(account).live().prefetch_related("numbers")
    children = account.children.order_by("name") if request.user.is_account_admin else []
    with timezone.override(request.user.account.timezone):
        return render(
            request,
            "accounts/home.html",
            {"account": account, "faxboxes": faxboxes, "children": children, "nav": "account"},
        )


# The landing page is the inbox (also at /inbox/). Its decorator handles login and
# sends platform operators (no tenant; their place is Django admin) a 404.
home = inbox


@login_required
def account_detail(request: HttpRequest, account_id: str) -> HttpResponse:
    """A descendant account's page, for admins of a reseller account."""
    acting = request.user.account
    if acting is None or (not request.user.is_account_admin and account_id != acting.pk):
        raise Http404("Not found")
    return _account_page(request, resolve_account_or_404(acting, account_id))
