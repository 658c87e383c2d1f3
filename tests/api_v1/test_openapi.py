"""The OpenAPI schema (/api/v1/schema/) and the interactive docs (/api/v1/docs/)."""

from __future__ import annotations

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

CONTRACT = [
    ("/api/v1/faxes", "get"),
    ("/api/v1/faxes/{fax_id}", "get"),
    ("/api/v1/faxes/{fax_id}/download", "get"),
    ("/api/v1/faxes/{fax_id}/downloaded", "patch"),
    ("/api/v1/faxes/{fax_id}/downloaded", "delete"),
    ("/api/v1/faxes/send", "post"),
    ("/api/v1/faxes/sent", "get"),
]


@pytest.fixture
def schema() -> dict:
    response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_schema_serves_yaml_without_auth():
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Fax portal API"


def test_every_contract_route_is_documented_with_its_errors(schema):
    for path, method in CONTRACT:
        operation = schema["paths"][path][method]
        responses = operation["responses"]
        for code in ("401", "403", "429"):
            assert code in responses, (path, method, code)
            assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith(
                "/Error"
            )
        assert operation["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    list_params = {p["name"] for p in schema["paths"]["/api/v1/faxes"]["get"]["parameters"]}
    assert list_params == {
        "page",
        "limit",
        "cursor",
        "from",
        "status",
        "date_from",
        "date_to",
        "downloaded",
    }
    sent_params = {p["name"] for p in schema["paths"]["/api/v1/faxes/sent"]["get"]["parameters"]}
    assert {"to", "status", "date_from", "date_to", "page", "limit"} <= sent_params
    send_bodies = schema["paths"]["/api/v1/faxes/send"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(send_bodies)
    download = schema["paths"]["/api/v1/faxes/{fax_id}/download"]["get"]["responses"]["200"]
    assert set(download["content"]) == {"application/pdf", "image/tiff"}


def test_field_names_follow_the_contract(schema):
    components = schema["components"]["schemas"]
    assert "from" in components["ReceivedFax"]["properties"]
    assert components["ReceivedFax"]["properties"]["pages"]["type"] == "string"
    assert {"sid", "to", "media_url", "status"} <= set(components["SentSummary"]["properties"])


def test_only_the_native_api_without_aliases(schema):
    paths = list(schema["paths"])
    assert all(p.startswith("/api/v1/") and not p.endswith("/") for p in paths)
    assert "/api/v1/webhooks" in paths and "/api/v1/faxes/sent/{fax_id}/receipt" in paths


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/docs/redoc/"])
def test_docs_pages_use_local_assets(url):
    response = Client().get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/schema/" in page
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_the_schema_states_the_bounds_and_codes_the_api_enforces(schema):
    def params(path):
        return {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}

    listed = params("/api/v1/faxes")
    assert listed["page"] == {"type": "integer", "minimum": 1, "maximum": 10_000_000}
    assert listed["limit"]["minimum"] == 1
    assert listed["from"]["maxLength"] == 32
    assert listed["downloaded"]["type"] == "boolean"
    assert params("/api/v1/faxes/sent")["to"]["maxLength"] == 32
    error = schema["components"]["schemas"]["Error"]["properties"]["error"]
    ref = error.get("$ref") or error["allOf"][0]["$ref"]
    codes = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["enum"]
    assert {"method_not_allowed", "unsupported_media_type", "unprocessable_entity"} <= set(codes)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            answers = set(operation["responses"])
            assert {"405", "414", "500"} <= answers, (path, method)
            if "requestBody" in operation:
                assert {"413", "415"} <= answers, (path, method)
    send = schema["paths"]["/api/v1/faxes/send"]["post"]
    assert "422" in send["responses"]
    fields = schema["components"]["schemas"]["SendJson"]["properties"]
    assert fields["from_name"]["maxLength"] == 64
    assert fields["cover_message"]["maxLength"] == 4000
    assert fields["media_url"]["maxLength"] == 2000


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["1", "0", "yes", "TRUE"])
def test_downloaded_takes_only_booleans(acme, value):
    from tests.conftest import token_client

    response = token_client(acme.account).get(f"/api/v1/faxes?downloaded={value}")
    assert response.status_code == 400
    assert response.json() == {
        "error": "bad_request",
        "message": "downloaded must be true or false.",
    }
