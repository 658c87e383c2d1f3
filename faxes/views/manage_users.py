"""Account admin: users and their roles."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import two_factor
from accounts.models import Role, User
from accounts.password_reset import send_reset_link
from faxes.forms import RoleForm, UserCreateForm
from faxes.services import accounts_admin, form_keys
from faxes.views.common import (
    MANAGE,
    add_service_errors,
    audit,
    confirm_first,
    portal_page,
    require,
)

ROLE_EFFECT = {
    Role.ADMIN: "Admins manage users, faxboxes, API tokens, webhooks and the audit log.",
    Role.STAFF: "Staff read and send faxes but manage nothing.",
    Role.VIEWER: "Viewers can only read faxes: they can no longer send or change anything.",
}


def _user_or_404(request: HttpRequest, user_id: str) -> User:
    try:
        return User.objects.get(pk=user_id, account_id=request.account.pk)
    except User.DoesNotExist:
        raise Http404("No such user.") from None


@portal_page(MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.filter(account_id=request.account.pk).order_by("username")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            user = accounts_admin.create_user(request.account, **form.cleaned_data)
            audit(request, "user.created", user=user.pk, username=user.username, role=user.role)
            messages.success(request, f"Created {user.username} ({user.get_role_display()}).")
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
def user_role(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose admin, staff or viewer.")
        before = user.role
        new_role = form.cleaned_data["role"]
        if new_role == before:
            return redirect("manage-users")
        ask = confirm_first(
            request,
            title="Change role",
            question=f"Make {user.username} {Role(new_role).label.lower()}?",
            consequence=ROLE_EFFECT[new_role],
            confirm_label="Change role",
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
        messages.success(request, f"{user.username} is now {user.get_role_display()}.")
    return redirect("manage-users")


@require_POST
@portal_page()
def user_active(request: HttpRequest, user_id: str) -> HttpResponse:
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    active = request.POST.get("active") == "1"
    if not active:
        ask = confirm_first(
            request,
            title="Disable user",
            question=f"Disable {user.username}?",
            consequence="They are logged out and can no longer log in until enabled again.",
            confirm_label="Disable user",
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
        messages.success(request, f"{user.username} {'can' if active else 'can no longer'} log in.")
    return redirect("manage-users")


@require_POST
@portal_page()
def user_reset_link(request: HttpRequest, user_id: str) -> HttpResponse:
    """E-mail the user a link to choose a new password (Django's reset token and page)."""
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    try:
        address = send_reset_link(user, sent_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit(request, "user.password_reset_sent", user=user.pk, username=user.username, to=address)
        messages.success(request, f"A link to choose a new password was sent to {address}.")
    return redirect("manage-users")


@require_POST
@portal_page()
def user_two_factor_reset(request: HttpRequest, user_id: str) -> HttpResponse:
    """Turn another user's two-factor login off (a lost phone and lost recovery codes)."""
    user = _user_or_404(request, user_id)
    require(request, MANAGE)
    if user.pk == request.user.pk:
        messages.error(request, "Manage your own two-factor login on the Sign-in security page.")
    elif two_factor.remove(user):
        audit(request, "user.two_factor_removed", user=user.pk, username=user.username)
        later = " until they set it up again at their next login"
        messages.success(
            request,
            f"Two-factor login of {user.username} is off"
            f"{later if request.account.require_two_factor else ''}.",
        )
    return redirect("manage-users")


@require_POST
@portal_page(MANAGE)
def two_factor_required(request: HttpRequest) -> HttpResponse:
    required = request.POST.get("required") == "1"
    try:
        accounts_admin.set_two_factor_required(request.account, required, acting=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit(request, "account.two_factor_required" if required else "account.two_factor_optional")
        messages.success(
            request,
            "Two-factor login is now required for every user of the account."
            if required
            else "Two-factor login is now optional.",
        )
    return redirect("manage-users")
