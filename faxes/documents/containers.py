"""What an Office or text document is, from its bytes: ZIP packages (OOXML, OpenDocument),
OLE2 compound files (Word/Excel/PowerPoint 97-2003), RTF, plain text and CSV.

Only the structure is read here, never the content: enough to name the format, to refuse a
password-protected file, an archive that unpacks to far more than it weighs (a zip bomb) or
an OLE file that is no document (an Outlook message), before LibreOffice sees anything.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass

import olefile

from .errors import DocumentRejected, RejectionCode, describe

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Most members a package may have, and how much it may unpack to (a 10 MB spreadsheet of
# plain XML unpacks to about 150 MB; anything far beyond is a bomb, not a document).
MAX_MEMBERS = 10_000
DEFAULT_MAX_UNPACKED = 200 * 1024 * 1024
_TEXT_SAMPLE = 64 * 1024

_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.text-template": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
    b"application/vnd.oasis.opendocument.presentation-template": "odp",
}
# The main part of each OOXML package (macro-enabled and template variants included: the
# converter never runs their macros).
_OOXML = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}


@dataclass(frozen=True)
class TextDocument:
    """A plain-text or CSV file, decoded (LibreOffice gets it as UTF-8)."""

    text: str
    delimiter: str = ""  # CSV only


def _protected(filename: str) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.PASSWORD_PROTECTED,
        f"{describe(filename)} is protected by a password, so it cannot be opened for "
        "faxing. Please save it without the password (or as a PDF) and send it again.",
        filename=filename,
    )


def _broken(filename: str) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.CORRUPT,
        f"{describe(filename)} could not be read: the file seems to be damaged or incomplete.",
        filename=filename,
    )


def _unsupported(filename: str, what: str) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.UNSUPPORTED_TYPE,
        f"{describe(filename)} is not a file type we can fax. It looks like {what}.",
        filename=filename,
    )


# --- ZIP packages ---------------------------------------------------------------------------


def _check_unpacked(package: zipfile.ZipFile, filename: str, max_unpacked: int) -> None:
    """Refuse a package that unpacks to more than ``max_unpacked`` bytes: the declared sizes
    first (cheap), then by actually inflating every member (sizes can lie; CRCs are checked)."""
    too_large = DocumentRejected(
        RejectionCode.TOO_LARGE,
        f"{describe(filename)} unpacks to more than {max_unpacked // (1024 * 1024)} MB; "
        "files can be at most that large once unpacked.",
        filename=filename,
    )
    infos = package.infolist()
    if len(infos) > MAX_MEMBERS or sum(info.file_size for info in infos) > max_unpacked:
        raise too_large
    total = 0
    for info in infos:
        with package.open(info) as member:
            while chunk := member.read(1 << 20):
                total += len(chunk)
                if total > max_unpacked:
                    raise too_large


def _zip_kind(data: bytes, filename: str, max_unpacked: int) -> str | None:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        # Unreadable (cut short, say): damaged if its first member names an Office package,
        # else nothing we can tell apart from any broken archive.
        first = data[30 : 30 + int.from_bytes(data[26:28], "little")]
        if first in (b"[Content_Types].xml", b"mimetype", b"_rels/.rels"):
            raise _broken(filename) from None
        return None
    with package:
        names = set(package.namelist())
        kind = None
        if "[Content_Types].xml" in names:
            kind = next((k for part, k in _OOXML.items() if part in names), None)
            if kind is None:
                raise _unsupported(filename, "an Office package of a kind we cannot fax")
        elif "mimetype" in names:
            try:
                media = package.read("mimetype")[:100].strip()
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
                raise _broken(filename) from None
            kind = _ODF.get(media)
            if kind is None:
                raise _unsupported(filename, "an OpenDocument file of a kind we cannot fax")
        if kind is None:
            return None  # a plain ZIP archive
        if any(info.flag_bits & 0x1 for info in package.infolist()):
            raise _protected(filename)  # ZIP-level encryption
        try:
            _check_unpacked(package, filename, max_unpacked)
            if kind in ("odt", "ods", "odp") and "META-INF/manifest.xml" in names:
                manifest = package.read("META-INF/manifest.xml")
                if b"encryption-data" in manifest:
                    raise _protected(filename)  # OpenDocument's own encryption
        except DocumentRejected:
            raise
        except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, RuntimeError) as exc:
            raise _broken(filename) from exc
    return kind


# --- OLE2 compound files --------------------------------------------------------------------


def _word_encrypted(stream: bytes) -> bool:
    # FIB: wIdent, nFib, unused, lid, pnNext, then the flags word; fEncrypted is bit 8.
    return len(stream) >= 12 and bool(int.from_bytes(stream[10:12], "little") & 0x0100)


def _excel_encrypted(stream: bytes) -> bool:
    # A FILEPASS record (0x002F) among the first records of the workbook globals.
    position = 0
    for _ in range(64):
        if position + 4 > len(stream):
            return False
        record = int.from_bytes(stream[position : position + 2], "little")
        size = int.from_bytes(stream[position + 2 : position + 4], "little")
        if record == 0x002F:
            return True
        if record == 0x000A:  # EOF of the globals
            return False
        position += 4 + size
    return False


def _ole_kind(data: bytes, filename: str) -> str:
    try:
        with olefile.OleFileIO(data) as ole:
            streams = {"/".join(path).lower() for path in ole.listdir(streams=True)}
            if {"encryptioninfo", "encryptedpackage"} <= streams:
                raise _protected(filename)  # an encrypted DOCX/XLSX/PPTX
            if "worddocument" in streams:
                if _word_encrypted(ole.openstream("WordDocument").read(64)):
                    raise _protected(filename)
                return "doc"
            for name in ("workbook", "book"):
                if name in streams:
                    if _excel_encrypted(ole.openstream(name).read(1 << 16)):
                        raise _protected(filename)
                    return "xls"
            if "powerpoint document" in streams:
                if "encryptedsummary" in streams:
                    raise _protected(filename)
                return "ppt"
    except DocumentRejected:
        raise
    except Exception as exc:  # olefile raises OSError and friends on damaged files
        raise _broken(filename) from exc
    if any(name.startswith("__substg1.0_") for name in streams):
        raise _unsupported(filename, "an Outlook e-mail message")
    raise _unsupported(filename, "a Microsoft Office (97-2003) file of a kind we cannot fax")


# --- text -----------------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:_TEXT_SAMPLE]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # what Windows' Notepad and Excel long wrote
    except UnicodeDecodeError:
        return None


def _looks_like_text(text: str) -> bool:
    sample = text[:_TEXT_SAMPLE]
    if not sample.strip():
        return False
    head = sample.lstrip().lower()
    if head.startswith(("<!doctype", "<html", "<?xml", "<svg", "%!ps", "{\\rtf")):
        return False  # markup, PostScript, RTF: not to be faxed as their source text
    return all(ch.isprintable() or ch in "\r\n\t\f" for ch in sample)


def _csv_delimiter(text: str) -> str:
    """The delimiter when ``text`` is a table: at least two rows, every row of the sample
    with the same number (two or more) of fields."""
    lines = [line for line in text[:_TEXT_SAMPLE].splitlines() if line.strip()][:50]
    if len(lines) < 2:
        return ""
    if not text.endswith(("\n", "\r")) and len(text) > _TEXT_SAMPLE:
        lines = lines[:-1]  # the sample may cut the last row
    for delimiter in (",", ";", "\t"):
        try:
            widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(widths) != 1 or widths.pop() < 2:
            continue
        if delimiter == ",":
            # Prose has a space after its commas; a table's cells seldom start with one.
            later = [cell for row in csv.reader(lines) for cell in row[1:]]
            if sum(cell.startswith(" ") for cell in later) * 2 > len(later):
                continue
        return delimiter
    return ""


def read_text(data: bytes) -> TextDocument | None:
    """The decoded text (and its CSV delimiter) when ``data`` is plain text, else None."""
    text = _decode(data)
    if text is None or not _looks_like_text(text):
        return None
    return TextDocument(text=text, delimiter=_csv_delimiter(text))


# --- all together -----------------------------------------------------------------------------


def office_kind(
    data: bytes, *, filename: str = "", max_unpacked: int = DEFAULT_MAX_UNPACKED
) -> str | None:
    """``docx``, ``doc``, ``odt``, ``rtf``, ``xlsx``, ``xls``, ``ods``, ``pptx``, ``ppt``,
    ``odp``, ``txt`` or ``csv`` for an Office or text document; None for anything else.
    Raises :class:`DocumentRejected` for one that must not be converted."""
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data, filename, max_unpacked)
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data, filename)
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    text = read_text(data)
    if text is not None:
        return "csv" if text.delimiter else "txt"
    return None
