"""Crossbar's error envelope cases, as exceptions views raise."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import APIException


class KazooError(APIException):
    """One Crossbar error answer: HTTP status, ``message`` and the ``data`` object.

    A DRF exception, so it travels through DRF's dispatch (raised by parsers,
    authentication, throttles or views) to ``exceptions.exception_handler``."""

    def __init__(
        self, status: int, message: str, data: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = self.status_code = status
        self.message = message
        self.data = data if data is not None else {"message": message}
        self.headers = headers or {}

    def __str__(self) -> str:
        return self.message


def bad_identifier(cause: str) -> KazooError:
    return KazooError(404, "bad_identifier", {"message": "bad identifier", "cause": cause})


def invalid_credentials() -> KazooError:
    return KazooError(401, "invalid_credentials", {"message": "invalid credentials"})


def forbidden() -> KazooError:
    return KazooError(403, "forbidden", {"message": "forbidden"})


def locked() -> KazooError:
    return KazooError(423, "locked", {"message": "account is disabled"})


def too_many_requests(retry_after: int) -> KazooError:
    return KazooError(
        429, "too_many_requests",
        {"message": f"rate limit exceeded; retry in {retry_after} seconds"},
        headers={"Retry-After": str(retry_after)},
    )  # fmt: skip


def method_not_allowed(method: str) -> KazooError:
    return KazooError(405, "method_not_allowed", {"message": f"{method} is not allowed here"})


def unsupported_media(content_type: str) -> KazooError:
    return KazooError(
        415, "unsupported_media_type", {"message": f"content type {content_type} is not supported"}
    )


def invalid_json(detail: str) -> KazooError:
    return KazooError(
        400, "invalid request envelope",
        {"json": {"invalid": {"message": detail, "target": "body"}}},
    )  # fmt: skip


def bad_request(message: str) -> KazooError:
    return KazooError(400, message, {"message": message})


class Validation:
    """Collects Crossbar per-field validation errors: ``{path: {rule: {message, …}}}``."""

    def __init__(self) -> None:
        self.errors: dict[str, dict[str, dict[str, Any]]] = {}

    def add(self, path: str, rule: str, message: str, **extras: Any) -> None:
        self.errors.setdefault(path, {})[rule] = {"message": message, **extras}

    def required(self, path: str) -> None:
        self.add(path, "required", "Field is required but missing")

    def type(self, path: str, target: str) -> None:
        self.add(path, "type", f"Value did not match type(s): {target}", target=target)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise KazooError(400, "validation error", self.errors)
