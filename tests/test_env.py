from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from faxportal.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_secret,
    env_str,
    env_url,
)


def test_str_default_and_blank_means_unset():
    assert env_str("X", "dflt", environ={}) == "dflt"
    assert env_str("X", "dflt", environ={"X": "  "}) == "dflt"
    assert env_str("X", "dflt", environ={"X": " value "}) == "value"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("yes", True), ("ON", True), ("0", False), ("false", False), ("No", False)],
)
def test_bool_values(raw, expected):
    assert env_bool("B", not expected, environ={"B": raw}) is expected


def test_bool_refuses_garbage_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env_bool("DJANGO_DEBUG", False, environ={"DJANGO_DEBUG": "maybe"})


def test_int_parses_and_checks_bounds():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "42"}) == 42
    with pytest.raises(ImproperlyConfigured, match="N must be an integer, got '4x'"):
        env_int("N", 5, environ={"N": "4x"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 5, minimum=1, environ={"N": "0"})
    with pytest.raises(ImproperlyConfigured, match="at most 10"):
        env_int("N", 5, maximum=10, environ={"N": "11"})


def test_list_splits_on_commas():
    assert env_list("L", ["a"], environ={}) == ["a"]
    assert env_list("L", environ={"L": "a, b,,c "}) == ["a", "b", "c"]


def test_choice():
    assert env_choice("C", "x", ["x", "y"], environ={"C": "y"}) == "y"
    with pytest.raises(ImproperlyConfigured, match="one of"):
        env_choice("C", "x", ["x", "y"], environ={"C": "z"})


def test_path_is_resolved(tmp_path):
    assert env_path("P", Path("/d"), environ={}) == Path("/d")
    assert env_path("P", Path("/d"), environ={"P": str(tmp_path / "a/../b")}) == tmp_path / "b"


def test_url_scheme_is_checked():
    assert env_url("U", "sqlite://", ("sqlite", "postgres"), environ={}) == "sqlite://"
    assert env_url("U", "", ("postgres",), environ={"U": "postgres://h/db"}) == "postgres://h/db"
    with pytest.raises(ImproperlyConfigured, match="U must be a URL"):
        env_url("U", "", ("postgres",), environ={"U": "mysql://h/db"})
    with pytest.raises(ImproperlyConfigured):
        env_url("U", "", ("postgres",), environ={"U": "localhost:5432"})


def test_secret_from_file(tmp_path):
    secret_file = tmp_path / "s"
    secret_file.write_text("from-file\n")
    assert env_secret("S", environ={"S_FILE": str(secret_file), "S": "plain"}) == "from-file"
    assert env_secret("S", environ={"S": "plain"}) == "plain"
    with pytest.raises(ImproperlyConfigured, match="S_FILE"):
        env_secret("S", environ={"S_FILE": str(tmp_path / "missing")})


def test_seconds_map():
    from faxportal.env import env_seconds_map

    assert env_seconds_map("D", environ={}) == {}
    assert env_seconds_map("D", environ={"D": "converting=3, sending=1.5"}) == {
        "converting": 3.0,
        "sending": 1.5,
    }
    for bad in ("converting", "=3", "sending=-1", "sending=soon"):
        with pytest.raises(ImproperlyConfigured, match="D must look like"):
            env_seconds_map("D", environ={"D": bad})
