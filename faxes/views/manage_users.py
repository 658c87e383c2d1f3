"""Account admin: users and their roles."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from accounts import two_factor
from accounts.models import Role, User
from accounts.password_reset import send_reset_link
from faxes.forms import RoleForm, UserCreateForm
from faxes.services import accounts_admin, form_keys
from faxes.views.common import (
    MANAGE,
    PortalRequest,
    add_service_errors,
    audit,
    confirm_first,
    portal_page,
    require,
)

ROLE_QUESTION = {
    Role.ADMIN: gettext_lazy("Make %(name)s admin?"),
    Role.STAFF: gettext_lazy("Make %(name)s staff?"),
    Role.VIEWER: gettext_lazy("Make %(name)s viewer?"),
}
ROLE_EFFECT = {
    Role.ADMIN: gettext_lazy(
        "Admins manage users, faxboxes, API tokens, webhooks and the audit log."
    ),
    Role.STAFF: gettext_lazy("Staff read and send faxes but manage nothing."),
    Role.VIEWER: gettext_lazy(
        "Viewers can only read faxes: they can no longer send or change anything."
    ),
}


def _user_or_404(request: PortalRequest, user_id: str) -> User:
    try:
        return User.objects.get(pk=user_id, account_id=request.account.pk)
    except User.DoesNotExist:
        raise Http404("No such user.") from None


@portal_page(MANAGE)
def user_list(request: PortalRequest) -> HttpResponse:
    users = User.objects.filter(account_id=request.account.pk).order_by("username")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            user = accounts_admin.create_user(request.account, **form.cleaned_data)
            audit(request, "user.created", user=user.pk, username=user.username, role=user.role)
            messages.success(
                request,
                gettext("Created %(name)s (%(role)s).")
                % {"name": user.username, "role": user.get_role_display()},
            )
            return reverse("manage-users")

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
            return redirect(url)
    return render(
        request,
        "manage/users.html",
        {
            "users": users,
            "form": form,
            "nav": "users",
            "roles": RoleForm(),
            "account": request.account,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@portal_page()
def user_role(request: PortalRequest, user_id: str) -> HttpResponse:
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(gettext("Choose admin, staff or viewer."))
        before = user.role
        new_role = form.cleaned_data["role"]
        if new_role == before:
            return redirect("manage-users")
        ask = confirm_first(
            request,
            title=gettext("Change role"),
            question=str(ROLE_QUESTION[new_role]) % {"name": user.username},
            consequence=ROLE_EFFECT[new_role],
            confirm_label=gettext("Change role"),
            back=reverse("manage-users"),
            nav="users",
            fields={"role": new_role},
        )
        if ask is not None:
            return ask
        accounts_admin.change_role(user, form.cleaned_data["role"], acting=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit(
            request,
            "user.role_changed",
            user=user.pk,
            username=user.username,
            before=before,
            after=user.role,
        )
        messages.success(
            request,
            gettext("%(name)s is now %(role)s.")
            % {"name": user.username, "role": user.get_role_display()},
        )
    return redirect("manage-users")


@require_POST
@portal_page()
def user_active(request: PortalRequest, user_id: str) -> HttpResponse:
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    active = request.POST.get("active") == "1"
    if not active:
        ask = confirm_first(
            request,
            title=gettext("Disable user"),
            question=gettext("Disable %(name)s?") % {"name": user.username},
            consequence=gettext(
                "They are logged out and can no longer log in until enabled again."
            ),
            confirm_label=gettext("Disable user"),
            back=reverse("manage-users"),
            nav="users",
            fields={"active": "0"},
        )
        if ask is not None:
            return ask
    try:
        accounts_admin.set_active(user, active, acting=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit(
            request,
            "user.enabled" if active else "user.disabled",
            user=user.pk,
            username=user.username,
        )
        messages.success(
            request,
            (
                gettext("%(name)s can log in.")
                if active
                else gettext("%(name)s can no longer log in.")
            )
            % {"name": user.username},
        )
    return redirect("manage-users")


@require_POST
@portal_page()
def user_reset_link(request: PortalRequest, user_id: str) -> HttpResponse:
    """E-mail the user a link to choose a new password (Django's reset token and page)."""
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    try:
        address = send_reset_link(user, sent_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit(request, "user.password_reset_sent", user=user.pk, username=user.username, to=address)
        messages.success(
            request,
            gettext("A link to choose a new password was sent to %(address)s.")
            % {"address": address},
        )
    return redirect("manage-users")


@require_POST
@portal_page()
def user_two_factor_reset(request: PortalRequest, user_id: str) -> HttpResponse:
    """Turn another user's two-factor login off (a lost phone and lost recovery codes)."""
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    if user.pk == request.user.pk:
        messages.error(
            request, gettext("Manage your own two-factor login on the Sign-in security page.")
        )
    elif two_factor.remove(user):
        audit(request, "user.two_factor_removed", user=user.pk, username=user.username)
        if request.account.require_two_factor:
            text = gettext(
                "Two-factor login of %(name)s is off until they set it up again at their "
                "next login."
            )
        else:
            text = gettext("Two-factor login of %(name)s is off.")
        messages.success(request, text % {"name": user.username})
    return redirect("manage-users")


@require_POST
@portal_page(MANAGE)
def two_factor_required(request: PortalRequest) -> HttpResponse:
    required = request.POST.get("required") == "1"
    try:
        accounts_admin.set_two_factor_required(request.account, required, acting=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit(request, "account.two_factor_required" if required else "account.two_factor_optional")
        messages.success(
            request,
            gettext("Two-factor login is now required for every user of the account.")
            if required
            else gettext("Two-factor login is now optional."),
        )
    return redirect("manage-users")
