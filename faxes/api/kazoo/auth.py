"""PUT /v2/user_auth, PUT /v2/api_auth, GET/DELETE /v2/token_auth."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from accounts import kazoo_auth, login_limits
from accounts.models import Account
from faxes import routing
from faxes.api.kazoo import envelope, errors
from faxes.api.kazoo.base import KazooView


def _login_data(account: Account, owner_id: str | None, method: str) -> dict:
    data = {
        "account_id": account.pk,
        "account_name": account.name,
        "apps": [],
        "language": "en-us",
        "is_reseller": account.children.exists(),
        "reseller_id": account.tree_path.split("/")[0] if account.parent_id else account.pk,
        "method": method,
    }
    if owner_id:
        data["owner_id"] = owner_id
    return data


class UserAuth(KazooView):
    auth_required = False

    def put(self, request: Request) -> Response:
        data = self.data
        check = errors.Validation()
        if "credentials" not in data:
            check.required("credentials")
        if not any(data.get(k) for k in ("account_name", "account_realm", "realm", "phone_number")):
            check.required("account_name")
        method = data.get("method", "md5")
        if method not in ("md5", "sha"):
            check.add("method", "enum", "Value not found in enumerated list of values",
                      target=["md5", "sha"], value=method)  # fmt: skip
        check.raise_if_any()
        # The browser login's limiter: per client IP and per account named.
        bucket = kazoo_auth.login_name(data, routing.account_owning)
        wait = login_limits.attempt(request, account=bucket)
        if wait:
            raise errors.too_many_requests(wait)
        try:
            issued = kazoo_auth.user_auth(data, routing.account_owning)
        except kazoo_auth.LoginRefused:
            raise errors.invalid_credentials() from None
        except kazoo_auth.AccountLocked:
            raise errors.locked() from None
        envelope.set_auth_token(request, issued.token)
        session = issued.session
        return self.ok(_login_data(session.account, session.user_id, "user_auth"), status=201)


class ApiAuth(KazooView):
    auth_required = False

    def put(self, request: Request) -> Response:
        api_key: str = self.data.get("api_key")  # type: ignore[assignment]  # checked below
        check = errors.Validation()
        if api_key is None:
            check.required("api_key")
        elif not isinstance(api_key, str):
            check.type("api_key", "string")
        elif len(api_key) != kazoo_auth.API_KEY_LENGTH:
            check.add(
                "api_key", "minLength" if len(api_key) < 64 else "maxLength",
                "String must be 64 characters", target=64,
            )  # fmt: skip
        check.raise_if_any()
        # A key names no account until it matches: the per-IP bucket is the limit.
        wait = login_limits.attempt(request)
        if wait:
            raise errors.too_many_requests(wait)
        try:
            issued = kazoo_auth.api_auth(api_key)
        except kazoo_auth.AccountLocked:
            raise errors.locked() from None
        if issued is None:
            raise errors.KazooError(404, "bad_identifier", {"message": "api key not found"})
        envelope.set_auth_token(request, issued.token)
        return self.ok(_login_data(issued.session.account, None, "api_auth"), status=201)


class TokenAuth(KazooView):
    def get(self, request: Request) -> Response:
        principal = self.principal
        data = _login_data(
            principal.account, principal.user.pk if principal.user else None,
            principal.session.method if principal.session else "api_token",
        )  # fmt: skip
        if principal.session is not None:
            data["exp"] = int(principal.session.expires_at.timestamp())
        return self.ok(data)

    def delete(self, request: Request) -> Response:
        if self.principal.session is None:
            # Portal API tokens are revoked by an account admin, not by themselves.
            raise errors.bad_request("only user_auth/api_auth tokens can be revoked here")
        kazoo_auth.revoke_session(self.principal.session)
        return self.ok({})
