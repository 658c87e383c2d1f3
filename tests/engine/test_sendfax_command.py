from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from faxes.models import Fax
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def test_sendfax_sends_and_waits(clinic, pharmacy, tmp_path):
    document = tmp_path / "a.pdf"
    document.write_bytes(text_pdf(1))
    out = StringIO()
    call_command("sendfax", str(document), "--faxbox", clinic.pk, "--to", "+12025550120",
                 "--wait", "5", stdout=out)  # fmt: skip
    fax_id, number, status, pages = out.getvalue().split()
    assert (number, status, pages) == ("+12025550120", "delivered", "pages=1")
    assert Fax.objects.get(pk=fax_id).faxbox == clinic


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faxbox", "nope", "--to", "+12025550120"], "No faxbox"),
        (["--to", "12"], "to: "),
    ],
)
def test_sendfax_refuses_bad_input(clinic, tmp_path, args, message):
    document = tmp_path / "a.pdf"
    document.write_bytes(text_pdf(1))
    if "--faxbox" not in args:
        args = ["--faxbox", clinic.pk, *args]
    with pytest.raises(CommandError, match=message):
        call_command("sendfax", str(document), *args)
    assert not Fax.objects.exists()


def test_sendfax_missing_file(clinic, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("sendfax", str(tmp_path / "missing.pdf"), "--faxbox", clinic.pk,
                     "--to", "+12025550120")  # fmt: skip
