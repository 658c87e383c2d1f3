from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, ApiToken, Role, User
from accounts.tokens import find_token
from faxes.models import Faxbox, FaxNumber
from tests.conftest import ROOT, use_migrated_database


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_createaccount_creates_account_admin_and_faxbox():
    account_id = run(
        "createaccount",
        "Northside Clinic",
        "--email",
        "Admin@Northside.test",
        "--password",
        "a long passphrase",
        "--fax-number",
        "(202) 555-0142",
        "--timezone",
        "America/Chicago",
    )
    account = Account.objects.get(pk=account_id)
    assert len(account_id) == 32 and all(c in "0123456789abcdef" for c in account_id)
    assert account.name == "Northside Clinic" and account.timezone == "America/Chicago"
    admin = User.objects.get(account=account)
    assert admin.role == Role.ADMIN and admin.check_password("a long passphrase")
    faxbox = Faxbox.objects.get(account=account)
    assert FaxNumber.objects.get(faxbox=faxbox).number == "+12025550142"
    assert faxbox.caller_id == "+12025550142"


@pytest.mark.django_db
def test_createaccount_with_parent():
    parent_id = run(
        "createaccount", "Reseller", "--email", "r@x.test", "--password", "pw-long-enough"
    )
    child_id = run(
        "createaccount", "Child", "--email", "c@x.test", "--password", "pw-long-enough",
        "--parent", parent_id,
    )  # fmt: skip
    child = Account.objects.get(pk=child_id)
    assert child.parent_id == parent_id
    assert Account.objects.get(pk=parent_id).is_ancestor_of(child)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@x.test", "--password", "short"], "password"),
        (["--email", "not-an-email", "--password", "pw-long-enough"], "email"),
        (["--email", "x@x.test", "--password", "pw-long-enough", "--fax-number", "12"], "numbers"),
        (["--email", "x@x.test", "--password", "pw-long-enough", "--parent", "nope"], "parent"),
        (
            ["--email", "x@x.test", "--password", "pw-long-enough", "--timezone", "Mars/Base"],
            "timezone",
        ),
    ],
)
def test_createaccount_refuses_bad_input_and_writes_nothing(args, message):
    with pytest.raises(CommandError) as exc:
        run("createaccount", "Bad Input", *args)
    assert message in str(exc.value)
    assert not Account.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_createaccount_refuses_duplicate_name_and_taken_number():
    run("createaccount", "Dup", "--email", "a@x.test", "--password", "pw-long-enough",
        "--fax-number", "+12025550150")  # fmt: skip
    with pytest.raises(CommandError, match="already exists"):
        run("createaccount", "dup", "--email", "b@x.test", "--password", "pw-long-enough")
    with pytest.raises(CommandError, match="already belongs"):
        run("createaccount", "Other", "--email", "c@x.test", "--password", "pw-long-enough",
            "--fax-number", "+12025550150")  # fmt: skip
    assert Account.objects.count() == 1


@pytest.mark.django_db
def test_createapitoken_prints_usable_secret_once(acme):
    secret = run(
        "createapitoken", acme.account.pk, "--name", "EHR", "--scopes", "fax:read,fax:send"
    )
    token = find_token(secret)
    assert token is not None and token.account == acme.account
    assert token.scopes == ["fax:read", "fax:send"]
    assert ApiToken.objects.get().digest != secret


@pytest.mark.django_db
def test_createapitoken_with_expiry(acme):
    secret = run(
        "createapitoken", acme.account.pk, "--name", "t", "--scopes", "fax:read",
        "--expires-in-days", "30",
    )  # fmt: skip
    assert find_token(secret).expires_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "t", "--scopes", "fax:destroy"], "unknown scope"),
        (["--name", " ", "--scopes", "fax:read"], "name"),
        (["--name", "t", "--scopes", "fax:read", "--expires-in-days", "0"], "at least 1"),
    ],
)
def test_createapitoken_refuses_bad_input(acme, args, message):
    with pytest.raises(CommandError) as exc:
        run("createapitoken", acme.account.pk, *args)
    assert message in str(exc.value)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_createapitoken_unknown_account():
    with pytest.raises(CommandError, match="No account"):
        run("createapitoken", "0" * 32, "--name", "t", "--scopes", "fax:read")


def test_commands_exit_nonzero_without_traceback(tmp_path, migrated_database):
    """Through the real CLI: a clear message on stderr, exit status 1."""
    env = {**os.environ, "FAXPORTAL_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    use_migrated_database(migrated_database, tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "createaccount", "X", "--email", "x@x.test",
         "--password", "pw"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "password" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_seeddemo_is_idempotent():
    first = run("seeddemo")
    second = run("seeddemo")
    assert first == second
    assert "demo@example.com" in first
    assert Account.objects.count() == 2
    assert Faxbox.objects.filter(account__name="Demo Clinic").count() == 2
