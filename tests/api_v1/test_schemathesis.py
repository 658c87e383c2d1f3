"""A schemathesis run over every operation of the live schema, as its CLI does (examples,
coverage, fuzzing and stateful phases; every check), with a valid token, against a real
HTTP server: 0 failures. Another, per-operation run checks answers about real objects.

Bounded for CI: a few examples per operation, one worker, no example database.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import create_api_token
from faxes.services import webhooks
from tests.api_v1.conftest import inbound_fax, outbound_fax

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_PER_OPERATION = 3
SCHEMA_PATH = "/api/v1/schema/?format=json"


@pytest.fixture
def server(live_server, settings) -> str:
    settings.FAXPORTAL_API_RATE_LIMIT = 0  # the fuzzer sends far more than 100 requests
    settings.FAXPORTAL_API_RATE_LIMIT_IP = 0
    return live_server.url


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


@pytest.fixture
def auth_headers(acme) -> dict[str, str]:
    issued = create_api_token(
        acme.account, name="fuzz", scopes="fax:read,fax:send,fax:all:read,faxbox:manage"
    )
    # One connection per case: Django's threaded test server (not the portal's gunicorn
    # worker) can leave bytes of an odd fuzzed request on a kept-alive connection, and
    # the next case would then read the test server's own error page as its answer.
    return {"Authorization": f"Bearer {issued.secret}", "Connection": "close"}


def _schema(base_url: str, headers: dict[str, str]):
    config = SchemathesisConfig.from_path(str(ROOT / "schemathesis.toml"))
    schema = schemathesis.openapi.from_url(base_url + SCHEMA_PATH, config=config)
    schema.config.update(base_url=base_url, headers=headers, workers=1)
    schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION)
    return schema


def _failures(recorder) -> list[str]:
    found = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            interaction = recorder.interactions.get(case_id)
            request = (
                f"{interaction.request.method} {interaction.request.uri}" if interaction else ""
            )
            answer = (
                interaction.response.status_code if interaction and interaction.response else ""
            )
            failure = check.failure_info.failure
            found.append(f"{recorder.label}: {check.name}: {request} -> {answer}: {failure.title}\n"
                         f"{failure.message[:500]}")  # fmt: skip
    return found


def test_a_full_schemathesis_run_reports_no_failures(server, auth_headers, known_ids, capsys):
    started = time.monotonic()
    cases, failures, operations = 0, [], set()
    for event in from_schema(_schema(server, auth_headers)).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            operations.add(event.recorder.label)
            failures += _failures(event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"{getattr(event, 'label', '')}: error: {event.value!r}")
    with capsys.disabled():
        print(f"\nschemathesis: {cases} cases over {len(operations) - 1} operations "
              f"and stateful sequences, {len(failures)} failures, "
              f"{time.monotonic() - started:.0f} s")  # fmt: skip
    assert len(operations) >= 20
    assert not failures, "\n\n".join(dict.fromkeys(failures))


def _path_parameters(operation, known_ids) -> dict[str, str] | None:
    if "{" not in operation.path:
        return None
    prefix = next(p for p in known_ids if operation.path.startswith(p))
    ids = known_ids[prefix]
    return {name: value for name, value in ids.items() if "{" + name + "}" in operation.path}


def test_answers_about_real_objects_match_the_schema(server, auth_headers, known_ids):
    schema = schemathesis.openapi.from_url(server + SCHEMA_PATH)
    checks = [status_code_conformance, response_schema_conformance, content_type_conformance]
    failures = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        real = _path_parameters(operation, known_ids)
        if not real:
            continue
        strategy = operation.as_strategy(
            generation_mode=GenerationMode.POSITIVE, path_parameters=real
        )

        @given(case=strategy)
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  derandomize=True, suppress_health_check=list(HealthCheck))  # fmt: skip
        def run(case) -> None:
            case.call_and_validate(base_url=server, headers=auth_headers, checks=checks)

        try:
            run()
        except Exception as exc:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label} (real ids): {exc}")
    assert not failures, "\n\n".join(failures)
