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
