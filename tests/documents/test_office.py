"""Office and text documents: sniffed from their bytes, converted by a sandboxed LibreOffice
(no network, no macros, time and memory limits, a few at once), refused with their own codes
when hostile or broken, converted once for the same bytes."""

from __future__ import annotations

import http.server
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pypdf import PdfReader

from faxes.documents import (
    DocumentKind,
    DocumentLimits,
    DocumentRejected,
    PaperSize,
    RejectionCode,
    accept_document,
    combine_documents,
    office,
    sniff,
)
from faxes.documents.containers import read_text
from faxes.failures import for_exception, lookup

from . import office_files

pytestmark = pytest.mark.django_db  # the converted PDFs are cached in the (test's) storage


def rejection(data: bytes, filename: str = "letter.docx", **limits) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        accept_document(data, filename=filename, limits=DocumentLimits(**limits))
    exc = caught.value
    # Every refusal finds its table entry by code and by the message the engine stores.
    assert for_exception(exc).rejection == exc.code
    assert lookup(None, exc.message).rejection == exc.code
    return exc


@pytest.fixture
def soffice_runs(monkeypatch) -> list[str]:
    """The conversions LibreOffice actually ran (by kind)."""
    return office_files.count_conversions(monkeypatch)


# --- sniffing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["odt", "docx", "ods", "xlsx", "odp", "txt", "csv", "doc", "rtf", "xls", "ppt", "pptx"]
)
def test_each_format_is_told_by_its_bytes_not_its_name(office_samples, kind):
    assert sniff(office_samples[kind], filename="scan.pdf") is DocumentKind(kind)


def test_text_is_read_in_any_common_encoding_and_a_table_is_a_csv():
    assert read_text("Grüße\r\n".encode("cp1252")).text == "Grüße\r\n"
    assert read_text("Grüße".encode("utf-16")).text == "Grüße"
    assert read_text(b"\xef\xbb\xbfhello").text == "hello"
    assert read_text(b"a;b\n1;2\n").delimiter == ";"
    assert read_text(b"a\tb\n1\t2\n").delimiter == "\t"
    # Prose with commas is text, not a table.
    assert read_text(b"Dear Sir, thank you.\nYours, Ann\nPS: call, please, today\n").delimiter == ""
    for not_text in (b"\x00\x01binary", b"<!DOCTYPE html><p>x</p>", b"%!PS-Adobe-3.0\n", b"  \n"):
        assert read_text(not_text) is None


# --- converting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "pages"),
    [("odt", 2), ("docx", 1), ("doc", 2), ("rtf", 2), ("ods", 1), ("xlsx", 1), ("xls", 1),
     ("odp", 3), ("pptx", 3), ("ppt", 3), ("txt", 1), ("csv", 1)],
)  # fmt: skip
def test_every_format_becomes_a_pdf_that_is_faxed_like_any(office_samples, kind, pages):
    document = accept_document(office_samples[kind], filename=f"file.{kind}")
    assert document.kind is DocumentKind(kind) and document.page_count == pages
    assert document.data == office_samples[kind]  # what is stored is what was sent
    assert len(PdfReader(_io(document.pdf)).pages) == pages
    combined = combine_documents([document])
    assert combined.page_count == pages


def test_the_text_of_a_document_reaches_the_pdf(office_samples):
    document = accept_document(office_samples["docx"], filename="letter.docx")
    text = "".join(page.extract_text() for page in PdfReader(_io(document.pdf)).pages)
    assert "Dear Dr. Smith," in text


def _io(data: bytes):
    import io

    return io.BytesIO(data)


def test_the_same_bytes_are_converted_once(office_samples, soffice_runs):
    first = accept_document(office_samples["odt"], filename="a.odt")
    second = accept_document(office_samples["odt"], filename="renamed.odt")
    assert soffice_runs == ["odt"]
    assert second.pdf == first.pdf and second.page_count == 2


# --- hostile and broken files ---------------------------------------------------------------


def test_a_password_protected_office_file_has_its_own_code():
    assert rejection(office_files.encrypted_ooxml()).code == RejectionCode.PASSWORD_PROTECTED
    assert rejection(office_files.word97(encrypted=True), "a.doc").code == "password_protected"
    encrypted_odt = office_files.zip_of(
        {"mimetype": b"application/vnd.oasis.opendocument.text",
         "META-INF/manifest.xml": b"<manifest:encryption-data/>", "content.xml": b"\x93\x12"}
    )  # fmt: skip
    assert rejection(encrypted_odt, "a.odt").code == RejectionCode.PASSWORD_PROTECTED


def test_a_broken_zip_is_corrupt():
    docx = office_files.docx("Hello")
    assert rejection(docx[: len(docx) // 2]).code == RejectionCode.CORRUPT


def test_a_package_that_unpacks_to_too_much_is_refused_before_libreoffice(soffice_runs):
    bomb = office_files._ooxml(
        "word/document.xml", "application/xml", {"word/document.xml": " " * (3 * 1024 * 1024)}
    )
    assert len(bomb) < 20_000
    exc = rejection(bomb, max_unpacked=2 * 1024 * 1024)
    assert exc.code == RejectionCode.TOO_LARGE and "unpacks to more than 2 MB" in exc.message
    assert soffice_runs == []


def test_other_ole_files_and_archives_are_not_faxed():
    message = rejection(office_files.outlook_message(), "note.msg")
    assert message.code == RejectionCode.UNSUPPORTED_TYPE
    assert "Outlook e-mail message" in message.message
    unknown = rejection(office_files.compound_file({"Contents": b"x"}), "thing.bin")
    assert unknown.code == RejectionCode.UNSUPPORTED_TYPE
    archive = rejection(office_files.zip_of({"a.txt": b"hi"}), "files.zip")
    assert archive.code == RejectionCode.UNSUPPORTED_TYPE and "ZIP archive" in archive.message


@pytest.mark.parametrize(
    "make",
    [
        lambda: office_files._ooxml(
            "word/document.xml", "application/xml", {"word/document.xml": "<<<not xml"}
        ),
        lambda: office_files.compound_file({"Workbook": b"\x09\x08\x10\x00garbage"}),
    ],
    ids=["docx", "xls"],
)
def test_a_file_libreoffice_cannot_read_is_conversion_failed(make):
    exc = rejection(make(), "broken")
    assert exc.code == RejectionCode.CONVERSION_FAILED
    assert "could not be converted for faxing" in exc.message


def test_a_macro_never_runs(tmp_path):
    marker = tmp_path / "macro-ran"
    document = accept_document(office_files.macro_odt(str(marker)), filename="macro.odt")
    assert document.page_count == 1
    assert not marker.exists()


@contextmanager
def request_log() -> Iterator[tuple[str, list[str]]]:
    """A loopback web server that records every request it gets."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def handle_one_request(self):
            super().handle_one_request()
            if self.requestline:
                seen.append(self.requestline)

        def do_GET(self):
            self.send_response(404)
            self.end_headers()

        do_HEAD = do_OPTIONS = do_PROPFIND = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()


@pytest.mark.parametrize("namespace", [True, False], ids=["own-network", "profile-only"])
@pytest.mark.parametrize("make", [office_files.odt, office_files.docx], ids=["odt", "docx"])
def test_linked_images_are_never_fetched(monkeypatch, namespace, make):
    if not namespace:  # the profile's settings alone keep LibreOffice off the network
        monkeypatch.setattr(office, "network_namespace", lambda: ())
    with request_log() as (url, seen):
        document = accept_document(make("Logo below", image_url=f"{url}/logo.png"), filename="x")
        assert document.page_count == 1
    assert seen == []


def test_the_control_a_linked_image_is_fetched_without_the_sandbox(tmp_path):
    """Shows the test above would notice: plain LibreOffice does fetch a linked image."""
    import subprocess

    with request_log() as (url, seen):
        source = tmp_path / "linked.odt"
        source.write_bytes(office_files.odt("Logo", image_url=f"{url}/logo.png"))
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    assert any("/logo.png" in line for line in seen)


def test_a_huge_spreadsheet_past_the_time_limit_is_too_complex(settings, soffice_runs):
    settings.FAXPORTAL_OFFICE_TIMEOUT = 2
    sheet = office_files.ods([[n, f"row {n}", n * 2] for n in range(150_000)])
    exc = rejection(sheet, "huge.ods")
    assert exc.code == RejectionCode.TOO_COMPLEX and "within 2 seconds" in exc.message
    assert soffice_runs == ["ods"]


def test_a_conversion_past_the_memory_limit_is_too_complex(settings, office_samples):
    settings.FAXPORTAL_OFFICE_MEMORY_MB = 200  # LibreOffice cannot even start in this
    exc = rejection(office_samples["odt"], "a.odt")
    assert exc.code == RejectionCode.TOO_COMPLEX and "200 MB" in exc.message


def test_a_spreadsheet_of_too_many_pages_stops_one_page_past_the_limit(office_samples):
    rows = [[f"line {n}"] for n in range(400)]  # about 8 pages
    exc = rejection(office_files.ods(rows), "long.ods", max_pages=3)
    assert exc.code == RejectionCode.TOO_MANY_PAGES and "more than 3 pages" in exc.message


def test_without_libreoffice_office_files_are_refused_naming_what_to_install(settings):
    settings.FAXPORTAL_SOFFICE = "/nonexistent/soffice"
    exc = rejection(office_files.docx("Hi"))
    assert exc.code == RejectionCode.CONVERTER_MISSING
    for package in (
        "libreoffice-writer-nogui",
        "libreoffice-calc-nogui",
        "libreoffice-impress-nogui",
    ):
        assert package in exc.message


# --- at most N at once ---------------------------------------------------------------------


def test_conversion_slots_are_shared_through_file_locks(tmp_path):
    settings = office.OfficeSettings(conversions=2, timeout=1, slots_dir=str(tmp_path))
    held, release = threading.Event(), threading.Event()

    def hold():
        with office._slot(settings, "a"):
            held.set()
            release.wait(10)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for thread in holders:
        thread.start()
        assert held.wait(5)
        held.clear()
    try:
        # Both slots taken (each lock a separate open file, as another process's would be).
        with pytest.raises(DocumentRejected) as caught, office._slot(settings, "c.docx"):
            pass
        assert caught.value.code == RejectionCode.CONVERTER_BUSY
        assert for_exception(caught.value).retryable  # the worker tries a queued fax again
    finally:
        release.set()
        for thread in holders:
            thread.join()
    with office._slot(settings, "d"):  # free again
        assert sorted(p.name for p in Path(tmp_path).glob("*/slot-*")) == ["slot-0", "slot-1"]


def test_the_profile_forbids_macros_and_remote_content():
    xml = office._registry_xml()
    for setting in ('"MacroSecurityLevel" oor:op="fuse"><value>3<',
                    '"DisableMacrosExecution" oor:op="fuse"><value>true<',
                    '"BlockUntrustedRefererLinks" oor:op="fuse"><value>true<'):  # fmt: skip
        assert setting in xml


def test_old_conversions_are_pruned(office_samples):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    accept_document(office_samples["txt"], filename="a.txt")
    assert len(default_storage.listdir(office.CACHE_FOLDER)[1]) == 1
    assert office.prune_cache(default_storage, timezone.now() - timedelta(hours=1)) == 0
    assert office.prune_cache(default_storage, timezone.now() + timedelta(seconds=1)) == 1
    assert default_storage.listdir(office.CACHE_FOLDER)[1] == []


def test_a_zip_member_with_a_bad_checksum_is_corrupt():
    docx = bytearray(office_files.docx("Hello world, hello world, hello world"))
    info = zipfile.ZipFile(_io(bytes(docx))).getinfo("word/document.xml")
    docx[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF  # inside the deflated data
    assert rejection(bytes(docx)).code == RejectionCode.CORRUPT


def test_a_received_fax_is_never_an_office_document(tmp_path):
    from faxes.documents import convert_inbound

    with pytest.raises(DocumentRejected) as caught:
        convert_inbound(office_files.docx("Hi"), tmp_path / "in.tiff", filename="rx")
    assert caught.value.code == RejectionCode.UNSUPPORTED_TYPE
    assert lookup(None, caught.value.message).rejection == "unsupported_type"


@pytest.mark.parametrize(
    ("paper", "size_in"),
    [("letter", (8.5, 11.0)), ("a4", (8.27, 11.69)), ("legal", (8.5, 14.0))],
)
def test_text_and_csv_are_laid_out_on_the_faxs_paper(paper, size_in, soffice_runs):
    for data, name in ((b"Dear Dr. Smith,\nplease call.\n", "note.txt"), (b"a,b\n1,2\n", "t.csv")):
        document = accept_document(data, filename=name, paper=PaperSize(paper))
        box = PdfReader(_io(document.pdf)).pages[0].mediabox
        assert (round(float(box.width) / 72, 2), round(float(box.height) / 72, 2)) == size_in


def test_the_paper_is_part_of_what_is_converted_once(soffice_runs):
    note = b"Dear Dr. Smith,\nplease call.\n"
    accept_document(note, filename="note.txt", paper=PaperSize.A4)
    accept_document(note, filename="note.txt", paper=PaperSize.A4)
    accept_document(note, filename="note.txt", paper=PaperSize.LETTER)
    assert soffice_runs == ["txt", "txt"]
