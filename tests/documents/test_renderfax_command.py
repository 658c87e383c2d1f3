"""``manage.py renderfax`` for support staff."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from faxes.documents import DocumentRejected, accept_document

from . import factories
from .helpers import ink, tiff_pages, tiff_tags


@pytest.fixture
def files(tmp_path, letter_pdf: bytes):
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(letter_pdf)
    png = tmp_path / "scan.png"
    png.write_bytes(factories.image_bytes("PNG"))
    return pdf, png


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("renderfax", *args, stdout=out)
    return out.getvalue()


def test_renders_what_would_be_sent(files, tmp_path) -> None:
    pdf, png = files
    out = tmp_path / "fax.tiff"
    output = run(
        str(pdf),
        str(png),
        "--out",
        str(out),
        "--cover-subject",
        "Results",
        "--cover-message",
        "See attached",
        "--header",
        "ACME CLINIC",
        "--from-number",
        "+15551230000",
    )
    assert output.startswith("5 pages written to")
    pages = list(tiff_pages(out.read_bytes()))
    assert len(pages) == 5  # cover + 3 + 1
    assert all(ink(page, (0, 0, 700, 40)) > 0.02 for page in pages)  # header line
    assert float(tiff_tags(out.read_bytes())[0][283]) == 196.0


def test_standard_resolution_g3_without_cover(files, tmp_path) -> None:
    pdf, _ = files
    out = tmp_path / "fax.tiff"
    output = run(str(pdf), "--out", str(out), "--resolution", "standard", "--compression", "g3")
    assert output.startswith("3 pages written")
    tags = tiff_tags(out.read_bytes())
    assert [(float(t[283]), t[259]) for t in tags] == [(98.0, 3)] * 3


def test_rejected_file_prints_the_api_message_and_fails(tmp_path) -> None:
    bad = tmp_path / "secret.pdf"
    bad.write_bytes(factories.encrypted_pdf())
    with pytest.raises(DocumentRejected) as api:
        accept_document(bad.read_bytes(), filename="secret.pdf")
    with pytest.raises(CommandError) as cli:
        run(str(bad), "--out", str(tmp_path / "x.tiff"))
    assert str(cli.value) == api.value.message
    assert not (tmp_path / "x.tiff").exists()


def test_too_many_pages_together(files, tmp_path, settings) -> None:
    settings.FAXPORTAL_MAX_DOCUMENT_PAGES = 3
    pdf, png = files
    with pytest.raises(CommandError, match="at most 3 pages"):
        run(str(pdf), str(png), "--out", str(tmp_path / "x.tiff"))


def test_missing_file(tmp_path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "nope.pdf"), "--out", str(tmp_path / "x.tiff"))


def test_command_line_exit_status(files, tmp_path) -> None:
    """Run as support staff would: no traceback, non-zero exit, message on stderr."""
    import subprocess
    import sys
    from pathlib import Path

    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    root = Path(__file__).resolve().parents[2]
    run_ = subprocess.run(
        [sys.executable, "manage.py", "renderfax", str(bad), "--out", str(tmp_path / "x.tiff")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run_.returncode != 0
    assert "Traceback" not in run_.stderr
    assert "is not a file type we can fax" in run_.stderr
