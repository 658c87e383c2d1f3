"""Choosing the language of the portal: the preferences page and the switcher in the top bar."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import LanguageForm
from accounts.languages import is_supported, remember_language
from accounts.requests import AuthenticatedRequest


def _choose(request: HttpRequest, code: str, response: HttpResponse) -> HttpResponse:
    """Save ``code`` ("" = the browser's) for the user, keep it in the cookie, use it now."""
    if request.user.is_authenticated and request.user.language != code:
        request.user.language = code
        request.user.save(update_fields=["language"])
    remember_language(response, code)
    translation.activate(code or translation.get_language_from_request(request))
    return response


@login_required
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["language"]
        response = redirect("preferences")
        _choose(request, code, response)
        messages.success(request, _("Language saved."))
        return response
    return render(request, "accounts/preferences.html", {"form": form, "nav": "preferences"})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The top bar's switcher (also on the login page): any supported language, or "" for
    the browser's; back to the page it was used on."""
    code = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    if code and not is_supported(code):
        return response
    return _choose(request, code, response)
