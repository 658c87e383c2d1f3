import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/contacts/", "/api/v1/faxes", "/v2/user_auth", "/login/"])
def test_nul_in_query_string_is_400_everywhere(path):
    response = Client().get(path, {"q": "a\x00b"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_ordinary_query_strings_pass(acme):
    client = Client()
    client.force_login(acme.admin)
    assert client.get("/contacts/", {"q": "smith"}).status_code == 200


@pytest.mark.django_db
def test_apis_answer_in_their_own_error_shape():
    native = Client().get("/api/v1/faxes", {"q": "a\x00b"})
    assert native.json() == {"error": "bad_request", "message": native.json()["message"]}
    kazoo = Client().get("/v2/token_auth", {"q": "a\x00b"}).json()
    assert kazoo["status"] == "error" and kazoo["error"] == "400"
