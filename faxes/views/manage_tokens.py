"""Account admin: API tokens (the secret is shown once, on creation)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import ApiToken
from faxes.forms import TokenForm
from faxes.services import accounts_admin
from faxes.views.common import MANAGE, audit, portal_page, require


@portal_page(MANAGE)
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = ApiToken.objects.for_account(request.account).select_related("created_by")
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = accounts_admin.issue_token(
                request.account,
                name=data["name"],
                scopes=data["scopes"],
                expires_in_days=data.get("expires_in_days"),
                created_by=request.user,
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            audit(
                request,
                "token.created",
                token=issued.token.pk,
                name=issued.token.name,
                scopes=issued.token.scopes,
            )
            form = TokenForm()
    response = render(
        request,
        "manage/tokens.html",
        {"tokens": tokens, "form": form, "issued": issued, "nav": "tokens"},
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the page may carry a secret
    return response


@require_POST
@portal_page()
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    try:
        token = ApiToken.objects.for_account(request.account).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    require(request, MANAGE)
    if accounts_admin.revoke_token(token):
        audit(request, "token.revoked", token=token.pk, name=token.name)
        messages.success(request, f"Revoked {token.name}.")
    return redirect("manage-tokens")
