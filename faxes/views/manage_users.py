"""Account admin: users and their roles."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from faxes.forms import RoleForm, UserCreateForm
from faxes.services import accounts_admin
from faxes.views.common import MANAGE, add_service_errors, audit, portal_page, require


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
        try:
            user = accounts_admin.create_user(request.account, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            audit(request, "user.created", user=user.pk, username=user.username, role=user.role)
            messages.success(request, f"Created {user.username} ({user.get_role_display()}).")
            return redirect("manage-users")
    return render(
        request,
        "manage/users.html",
        {"users": users, "form": form, "nav": "users", "roles": RoleForm()},
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
