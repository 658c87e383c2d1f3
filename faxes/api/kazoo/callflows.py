"""/v2/accounts/{A}/callflows: the subset that gives a faxbox its numbers.

Only ``flow.module: "faxbox"`` is served (``flow.data.faxbox_id``, or Kazoo's
``flow.data.id``): enough for clients that route numbers to faxboxes the way Kazoo
does. Validation and errors follow ``cb_callflows``: at least one number, numbers
unique (``numbers.unique`` naming the callflow that has one), the rest of the
document kept as sent.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from faxes.api.kazoo import errors
from faxes.api.kazoo.base import KazooView
from faxes.api.kazoo.faxboxes import _merge
from faxes.models import Callflow, Faxbox
from faxes.phone import normalize_e164
from faxes.services import callflows

MODULES = ["faxbox"]
READ_ONLY = {"id", "metadata", "_read_only"}


def _numbers(value: Any, check: errors.Validation) -> list[str]:
    if not isinstance(value, list):
        check.add("numbers", "type", "Value did not match type: array", target="array",
                  value=value)  # fmt: skip
        return []
    normalized: list[str] = []
    for item in value:
        if not isinstance(item, str) or not 1 <= len(item) <= 36:
            check.add("numbers", "type", "Each number must be a string of 1 to 36 characters",
                      target="string")  # fmt: skip
            return []
        try:
            number = normalize_e164(item)
        except ValidationError:
            check.add("numbers", "format", f"{item} is not a phone number a fax can reach",
                      cause=item)  # fmt: skip
            return []
        if number not in normalized:  # "2025550120" and "+12025550120" are one number
            normalized.append(number)
    return normalized


def _faxbox(flow: Any, account, check: errors.Validation) -> Faxbox | None:
    if not isinstance(flow, dict):
        if flow is None:
            check.required("flow")
        else:
            check.type("flow", "object")
        return None
    module = flow.get("module")
    if module is None:
        check.required("flow.module")
    elif module not in MODULES:
        check.add("flow.module", "enum", "Value not found in enumerated list of values",
                  target=MODULES, value=module)  # fmt: skip
    data = flow.get("data")
    if not isinstance(data, dict):
        if data is None:
            check.required("flow.data")
        else:
            check.type("flow.data", "object")
        return None
    faxbox_id = data.get("faxbox_id", data.get("id"))
    if not isinstance(faxbox_id, str) or not faxbox_id:
        check.required("flow.data.faxbox_id")
        return None
    faxbox = Faxbox.objects.for_account(account).live().filter(pk=faxbox_id).first()
    if faxbox is None:
        check.add("flow.data.faxbox_id", "not_found", "faxbox_id is not a faxbox of this account",
                  cause=faxbox_id)  # fmt: skip
    return faxbox


def validate(doc: dict[str, Any], account) -> dict[str, Any]:
    """A full callflow document checked like cb_callflows; the arguments of save_callflow."""
    check = errors.Validation()
    patterns = doc.get("patterns") or []
    if patterns:
        check.add("patterns", "not_supported", "patterns are not served here; give numbers")
    numbers = doc.get("numbers")
    if numbers in (None, []):
        check.add("numbers", "required",
                  "Callflows must be assigned at least one number or pattern")  # fmt: skip
        numbers = []
    else:
        numbers = _numbers(numbers, check)
    name = doc.get("name", "")
    if not isinstance(name, str):
        check.type("name", "string")
    elif len(name) > 128:
        check.add("name", "maxLength", "String must not be more than 128 characters", target=128)
    faxbox = _faxbox(doc.get("flow"), account, check)
    check.raise_if_any()
    known = {"name", "numbers", "patterns", "flow"}
    extra = {k: v for k, v in doc.items() if k not in known and k not in READ_ONLY}
    return {"faxbox": faxbox, "numbers": numbers, "name": name, "flow": doc["flow"],
            "extra": extra}  # fmt: skip


def callflow_doc(callflow: Callflow) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(callflow.extra or {})
    doc.update({"id": callflow.pk, "name": callflow.name, "numbers": callflows.numbers_of(callflow),
                "patterns": [], "flow": callflow.flow})  # fmt: skip
    return doc


def _row(callflow: Callflow) -> dict[str, Any]:
    return {"id": callflow.pk, "name": callflow.name, "numbers": callflows.numbers_of(callflow),
            "patterns": [], "modules": MODULES, "featurecode": False}  # fmt: skip


class CallflowsView(KazooView):
    scopes = {"get": "fax:read", "put": "faxbox:manage", "post": "faxbox:manage",
              "patch": "faxbox:manage", "delete": "faxbox:manage"}  # fmt: skip

    def one(self, callflow_id: str) -> Callflow:
        callflow = Callflow.objects.for_account(self.account).filter(pk=callflow_id).first()
        if callflow is None:
            raise errors.bad_identifier(callflow_id)
        return callflow

    def save(self, doc: dict[str, Any], callflow: Callflow | None = None) -> Callflow:
        fields = validate(doc, self.account)
        try:
            return callflows.save_callflow(self.account, callflow=callflow, **fields)
        except callflows.NumbersTaken as exc:
            number, message = next(iter(exc.conflicts.items()))
            unique = {"unique": {"message": message, "cause": number}}
            raise errors.KazooError(400, "validation error", {"numbers": unique}) from None


class CallflowCollection(CallflowsView):
    def get(self, request: Request) -> Response:
        queryset = Callflow.objects.for_account(self.account).prefetch_related("fax_numbers")
        return self.page(queryset, _row, db_fields={"name": "name"})

    def put(self, request: Request) -> Response:
        callflow = self.save(self.data)
        response = self.ok(callflow_doc(callflow), status=201)
        response["Location"] = f"{request.path.rstrip('/')}/{callflow.pk}"
        return response


class CallflowItem(CallflowsView):
    def get(self, request: Request, callflow_id: str) -> Response:
        callflow = self.one(callflow_id)
        doc = callflow_doc(callflow)
        # As cb_callflows does: what the ids in the flow point at.
        doc["metadata"] = {callflow.faxbox_id: {"name": callflow.faxbox.name, "pvt_type": "faxbox"}}
        return self.ok(doc)

    def post(self, request: Request, callflow_id: str) -> Response:
        callflow = self.one(callflow_id)
        return self.ok(callflow_doc(self.save(self.data, callflow)))

    def patch(self, request: Request, callflow_id: str) -> Response:
        callflow = self.one(callflow_id)
        merged = _merge(callflow_doc(callflow), self.data)
        return self.ok(callflow_doc(self.save(merged, callflow)))

    def delete(self, request: Request, callflow_id: str) -> Response:
        callflow = self.one(callflow_id)
        doc = callflow_doc(callflow)
        callflows.delete_callflow(callflow)
        doc["_read_only"] = {"deleted": True}
        return self.ok(doc)
