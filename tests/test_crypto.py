import pytest
from django.db import connection

from faxportal import crypto


def test_round_trip_and_rotation(settings):
    settings.FAXPORTAL_ENCRYPTION_KEYS = ["old key"]
    token = crypto.encrypt("whsec_123")
    assert "whsec_123" not in token
    assert crypto.decrypt(token) == "whsec_123"
    settings.FAXPORTAL_ENCRYPTION_KEYS = ["new key", "old key"]
    assert crypto.decrypt(token) == "whsec_123"  # old values still readable
    assert crypto.decrypt(crypto.encrypt("x")) == "x"
    settings.FAXPORTAL_ENCRYPTION_KEYS = ["unrelated"]
    with pytest.raises(ValueError, match="cannot decrypt"):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_encrypted_field_is_ciphertext_in_the_database(acme):
    from faxes.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        account=acme.account, url="https://hooks.example.com/fax", events=["fax.received"],
        secret="whsec_topsecret",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM faxes_webhookendpoint WHERE id = %s", [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert "topsecret" not in stored
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "whsec_topsecret"
