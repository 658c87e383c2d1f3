"""Schemathesis fuzzes every operation of the live schema with a valid token: no answer may
be a 5xx, and every documented answer must match the schema (shape and content type).

Bounded for CI: a few examples per operation, no deadline, no example database.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from accounts.services import create_api_token
from faxes.services import webhooks
from tests.api_v1.conftest import inbound_fax, outbound_fax

EXAMPLES_PER_OPERATION = 6
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def v1_schema(db, settings, acme):
    settings.FAXPORTAL_API_RATE_LIMIT = 0  # the fuzzer sends far more than 100 requests
    settings.FAXPORTAL_API_RATE_LIMIT_IP = 0
    # Requests go straight through the WSGI handler, whose end-of-request hook would close
    # the test's database connection (its transaction with it); Django's test client
    # unhooks it the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(acme) -> dict[str, dict[str, str]]:
    """Real ids for the path parameters, so answers about real objects are checked too."""
    received = inbound_fax(acme.account)
    sent = outbound_fax(acme.account)
    endpoint, _ = webhooks.create_endpoint(acme.account, url="https://hooks.example.com/x")
    delivery = webhooks.record_status_change(
        fax_id=received.pk, account_id=acme.account.pk, from_status="", to_status="received"
    )[0]
    common = {
        "account_id": acme.account.pk,
        "faxbox_id": acme.account.faxboxes.first().pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
    }
    return {
        "/api/v1/faxes/sent/": {**common, "fax_id": sent.pk},
        "/api/v1/": {**common, "fax_id": received.pk},
    }


def _path_parameters(operation, known_ids) -> dict[str, str] | None:
    if "{" not in operation.path:
        return None
    prefix = next(p for p in known_ids if operation.path.startswith(p))
    ids = known_ids[prefix]
    return {name: value for name, value in ids.items() if "{" + name + "}" in operation.path}


@pytest.fixture
def auth_headers(acme) -> dict[str, str]:
    issued = create_api_token(
        acme.account, name="fuzz", scopes="fax:read,fax:send,fax:all:read,faxbox:manage"
    )
    return {"Authorization": f"Bearer {issued.secret}"}


def _fuzz(operation, mode: GenerationMode, headers: dict[str, str], path_parameters=None) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


# schemathesis' own pytest plugin (schema.parametrize) does not run on pytest 9 yet, so the
# operations are walked here, each with its own bounded Hypothesis run.
def test_no_server_errors_and_answers_match_the_schema(v1_schema, auth_headers, known_ids):
    failures = []
    operations = [result.ok() for result in v1_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        real = _path_parameters(operation, known_ids)
        runs = [(GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
        if real:
            runs.append((GenerationMode.POSITIVE, real))
        for mode, path_parameters in runs:
            try:
                _fuzz(operation, mode, auth_headers, path_parameters)
            except Exception as exc:  # every operation is tried; all failures are reported
                label = f"{operation.label} ({mode}{', real ids' if path_parameters else ''})"
                failures.append(f"{label}: {exc}")
    assert not failures, "\n\n".join(failures)
