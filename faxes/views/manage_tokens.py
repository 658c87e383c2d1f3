"""Account admin: API tokens (the secret is shown once, on creation)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.models import ApiToken
from accounts.tenancy import get_for_account_or_404
from faxes.forms import TokenForm
from faxes.services import accounts_admin, form_keys
from faxes.views.common import (
    MANAGE,
    PortalRequest,
    add_service_errors,
    audit,
    confirm_first,
    portal_page,
    require,
    secret_page,
    stash_secret,
    take_secret,
)


@portal_page(MANAGE)
def token_list(request: PortalRequest) -> HttpResponse:
    tokens = ApiToken.objects.for_account(request.account).select_related("created_by")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            issued = accounts_admin.issue_token(
                request.account,
                name=data["name"],
                scopes=data["scopes"],
                expires_in_days=data.get("expires_in_days"),
                created_by=request.user,
            )
            audit(
                request,
                "token.created",
                token=issued.token.pk,
                name=issued.token.name,
                scopes=issued.token.scopes,
            )
            stash_secret(request, "token", {"name": issued.token.name, "secret": issued.secret})
            return reverse("manage-tokens")

        try:
            url, _ = form_keys.once(
                account=request.account,
                user=request.user,
                key=request.POST.get(form_keys.FIELD, ""),
                create=create,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Post/redirect/get: reloading the page that shows the secret creates nothing.
            return redirect(url)
    issued = take_secret(request, "token") if request.method == "GET" else None
    return secret_page(
        request,
        "manage/tokens.html",
        {"tokens": tokens, "form": form, "issued": issued, "nav": "tokens"},
    )


@require_POST
@portal_page()
def token_revoke(request: PortalRequest, token_id: str) -> HttpResponse:
    token = get_for_account_or_404(ApiToken, request.account, pk=token_id)
    require(request, MANAGE)
    ask = confirm_first(
        request,
        title=gettext("Revoke token"),
        question=gettext("Revoke the token “%(name)s”?") % {"name": token.name},
        consequence=gettext("Integrations using it stop working at once. This cannot be undone."),
        confirm_label=gettext("Revoke token"),
        back=reverse("manage-tokens"),
        nav="tokens",
    )
    if ask is not None:
        return ask
    if accounts_admin.revoke_token(token):
        audit(request, "token.revoked", token=token.pk, name=token.name)
        messages.success(request, gettext("Revoked %(name)s.") % {"name": token.name})
    return redirect("manage-tokens")
