"""Office and text documents to PDF, by LibreOffice headless, in a sandbox.

Each conversion runs ``soffice`` in its own process group with:

- a fresh, throw-away user profile whose settings forbid macros (``MacroSecurityLevel`` very
  high, ``DisableMacrosExecution``) and loading anything a document links to
  (``BlockUntrustedRefererLinks``; links never updated), a proxy that goes nowhere;
- no network at all where the kernel allows it (``unshare -rn``: a network namespace with
  nothing in it), so a linked image or remote template is never fetched;
- limits on address space, CPU time and file size (``setrlimit``), a wall-time limit after
  which the whole process group is killed, and at most ``FAXPORTAL_OFFICE_CONVERSIONS``
  conversions at once on a machine (slots are file locks, shared by every process);
- at most ``max_pages + 1`` pages exported (``PageRange``), so a huge spreadsheet cannot
  write thousands of pages before the page limit refuses it.

Every outcome but a PDF is a :class:`DocumentRejected` with its own code. The PDF made from
given bytes is kept (``ConversionCache``), so the preview, the submit and the worker convert a
document once. Settings are read at call time, as in :mod:`.limits`; outside a configured
Django process the defaults apply and nothing is cached.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from .containers import read_text
from .errors import DocumentRejected, RejectionCode, describe
from .faxspec import PaperSize
from .sniff import DocumentKind

log = logging.getLogger(__name__)

DEBIAN_PACKAGES = (
    "libreoffice-writer-nogui",
    "libreoffice-calc-nogui",
    "libreoffice-impress-nogui",
)
# Bumped when the conversion changes, so PDFs cached by an older one are not reused.
CONVERTER_VERSION = "1"
CACHE_FOLDER = "office-cache"

_EXPORT_FILTER = {
    DocumentKind.DOCX: "writer_pdf_Export",
    DocumentKind.DOC: "writer_pdf_Export",
    DocumentKind.ODT: "writer_pdf_Export",
    DocumentKind.RTF: "writer_pdf_Export",
    DocumentKind.TXT: "writer_pdf_Export",
    DocumentKind.XLSX: "calc_pdf_Export",
    DocumentKind.XLS: "calc_pdf_Export",
    DocumentKind.ODS: "calc_pdf_Export",
    DocumentKind.CSV: "calc_pdf_Export",
    DocumentKind.PPTX: "impress_pdf_Export",
    DocumentKind.PPT: "impress_pdf_Export",
    DocumentKind.ODP: "impress_pdf_Export",
}
_CSV_SEPARATOR = {",": 44, ";": 59, "\t": 9}

# The profile's settings (registrymodifications.xcu), written before LibreOffice starts.
_PROFILE_SETTINGS = {
    "/org.openoffice.Office.Common/Security/Scripting": {
        "MacroSecurityLevel": "3",  # very high: only trusted locations (there are none)
        "DisableMacrosExecution": "true",
        "BlockUntrustedRefererLinks": "true",  # no linked images, no remote anything
    },
    "/org.openoffice.Office.Common/Save/Document": {"CreateBackup": "false"},
    "/org.openoffice.Office.Writer/Content/Update": {"Link": "1"},  # never
    "/org.openoffice.Office.Calc/Content/Update": {"Link": "1"},  # never
    "/org.openoffice.Inet/Settings": {
        "ooInetProxyType": "1",  # manual, to the discard port of loopback
        "ooInetHTTPProxyName": "127.0.0.1",
        "ooInetHTTPProxyPort": "9",
        "ooInetHTTPSProxyName": "127.0.0.1",
        "ooInetHTTPSProxyPort": "9",
        "ooInetFTPProxyName": "127.0.0.1",
        "ooInetFTPProxyPort": "9",
        "ooInetNoProxy": "",
    },
}


def _registry_xml() -> str:
    items = []
    for path, props in _PROFILE_SETTINGS.items():
        for name, value in props.items():
            items.append(
                f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse">'
                f"<value>{value}</value></prop></item>"
            )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items '
        'xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        + "\n".join(items)
        + "\n</oor:items>\n"
    )


@dataclass(frozen=True)
class OfficeSettings:
    binary: str = "soffice"  # a name on PATH or a path
    conversions: int = 2  # at most this many at once on a machine
    timeout: int = 60  # wall-time seconds for one conversion
    memory_mb: int = 1024  # address space of the converter
    slots_dir: str = ""  # where the slot locks live ("" = the system's temporary folder)

    @classmethod
    def from_settings(cls) -> OfficeSettings:
        if not django_settings.configured:
            return cls()
        return cls(
            binary=str(getattr(django_settings, "FAXPORTAL_SOFFICE", cls.binary)),
            conversions=int(getattr(django_settings, "FAXPORTAL_OFFICE_CONVERSIONS", 2)),
            timeout=int(getattr(django_settings, "FAXPORTAL_OFFICE_TIMEOUT", 60)),
            memory_mb=int(getattr(django_settings, "FAXPORTAL_OFFICE_MEMORY_MB", 1024)),
            slots_dir=str(getattr(django_settings, "FAXPORTAL_OFFICE_SLOTS_DIR", "") or ""),
        )


# --- the cache ------------------------------------------------------------------------------


class ConversionCache(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def put(self, key: str, pdf: bytes) -> None: ...


class StorageCache:
    """Converted PDFs in a Django storage (the portal's own: encrypted at rest, shared by
    every host), under ``office-cache/``. ``faxes.services.retention`` prunes it."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @staticmethod
    def name(key: str) -> str:
        return f"{CACHE_FOLDER}/{key}.pdf"

    def get(self, key: str) -> bytes | None:
        try:
            with self.storage.open(self.name(key), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except Exception:  # unreadable (a key gone, a storage hiccup): convert again
            log.warning("could not read the cached conversion %s", key, exc_info=True)
            return None

    def put(self, key: str, pdf: bytes) -> None:
        name = self.name(key)
        try:
            if not self.storage.exists(name):
                self.storage.save(name, ContentFile(pdf))
        except Exception:  # a cache that cannot be written only costs a conversion later
            log.warning("could not cache the conversion %s", key, exc_info=True)


def default_cache() -> ConversionCache | None:
    """The portal's storage in a configured Django process; no cache elsewhere (a script)."""
    return StorageCache(default_storage) if django_settings.configured else None


def cache_key(
    data: bytes, kind: DocumentKind, max_pages: int, paper: PaperSize | None = None
) -> str:
    digest = hashlib.sha256(data).hexdigest()
    # The paper shapes what has no page size of its own (text, CSV, a document without one).
    on = f"-{PaperSize(paper).value}" if paper is not None else ""
    return f"{digest}-{kind.value}-{max_pages}{on}-v{CONVERTER_VERSION}"


# --- rejections -----------------------------------------------------------------------------


def converter_missing(filename: str) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.CONVERTER_MISSING,
        f"{describe(filename)} is an Office or text document, but LibreOffice is not installed "
        "on this server to convert it. Please send a PDF, or ask the administrator to install "
        f"the Debian packages {', '.join(DEBIAN_PACKAGES)}.",
        filename=filename,
    )


def _failed(filename: str) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.CONVERSION_FAILED,
        f"{describe(filename)} could not be converted for faxing: it seems to be damaged, or "
        "saved in a form LibreOffice cannot read. Please save it again (or as a PDF) and send it.",
        filename=filename,
    )


def _too_complex(filename: str, office: OfficeSettings) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.TOO_COMPLEX,
        f"{describe(filename)} is too large or complex to convert for faxing (within "
        f"{office.timeout} seconds and {office.memory_mb} MB). Please send only the pages "
        "needed, as a PDF.",
        filename=filename,
    )


def _busy(filename: str) -> DocumentRejected:
    return DocumentRejected(
        RejectionCode.CONVERTER_BUSY,
        f"The portal is converting too many documents at once to take {describe(filename)} "
        "now. Please try again in a minute.",
        filename=filename,
    )


# --- the sandbox ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def network_namespace() -> tuple[str, ...]:
    """The command prefix that runs a program without any network (``unshare -rn``), or ()
    where the kernel does not allow unprivileged namespaces (then the profile's settings
    alone keep the converter off the network)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        probe = subprocess.run(  # noqa: S603 - fixed arguments
            [unshare, "-rn", "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return (unshare, "-rn") if probe.returncode == 0 else ()


def find_binary(office: OfficeSettings) -> str | None:
    return shutil.which(office.binary)


@contextmanager
def _slot(office: OfficeSettings, filename: str) -> Iterator[None]:
    """One of ``office.conversions`` slots, shared by every process of this machine (a file
    lock each); waits up to four conversion times for one, then gives up (``converter_busy``)."""
    folder = Path(office.slots_dir or tempfile.gettempdir()) / f"faxportal-office-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    deadline = time.monotonic() + 4 * office.timeout
    while True:
        for number in range(max(1, office.conversions)):
            handle = open(folder / f"slot-{number}", "a+b")  # noqa: SIM115 - held while converting
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() > deadline:
            raise _busy(filename)
        time.sleep(0.1)


def _limit_resources(memory_mb: int, cpu_seconds: int):
    def apply() -> None:  # runs in the child between fork and exec: system calls only
        memory = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (512 * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _input_file(work: Path, data: bytes, kind: DocumentKind) -> tuple[Path, str]:
    """The file LibreOffice reads, and the import filter to read it with ('' = by content).
    Text is handed over as UTF-8 whatever it came in, with its CSV delimiter named."""
    infilter = ""
    if kind in (DocumentKind.TXT, DocumentKind.CSV):
        text = read_text(data)
        if text is None:  # pragma: no cover - sniffed as text a moment ago
            text_data = data
        else:
            text_data = text.text.encode("utf-8")
            if kind is DocumentKind.CSV:
                separator = _CSV_SEPARATOR[text.delimiter]
                infilter = f"Text - txt - csv (StarCalc):{separator},34,76,1"
        data = text_data
        if kind is DocumentKind.TXT:
            infilter = "Text (encoded):UTF8,LF,DejaVu Sans Mono,en-US,"
    path = work / f"document.{kind.value}"
    path.write_bytes(data)
    return path, infilter


def run_soffice(
    binary: str, data: bytes, kind: DocumentKind, *, office: OfficeSettings, max_pages: int,
    filename: str = "", paper: PaperSize | None = None,
) -> bytes:  # fmt: skip
    """Convert in a fresh sandbox; the PDF bytes (at most ``max_pages + 1`` pages)."""
    with tempfile.TemporaryDirectory(prefix="faxportal-office-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_registry_xml())
        source, infilter = _input_file(work, data, kind)
        out = work / "out"
        options = json.dumps({"PageRange": {"type": "string", "value": f"1-{max_pages + 1}"}})
        command = [
            *network_namespace(), binary, f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--invisible", "--nologo", "--nodefault", "--norestore",
            "--nolockcheck", "--nofirststartwizard",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to", f"pdf:{_EXPORT_FILTER[kind]}:{options}",
            "--outdir", str(out), str(source),
        ]  # fmt: skip
        environment = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(work),
            "TMPDIR": str(work),
            "LANG": "C.UTF-8",
            "SAL_USE_VCLPLUGIN": "svp",
            # Belt and braces with the profile's proxy: nothing leaves through a proxy either.
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
            "no_proxy": "",
        }
        if paper is not None:
            # LibreOffice takes its default paper from libpaper, which reads PAPERSIZE: the
            # page size of text and CSV, and of documents that set none.
            environment["PAPERSIZE"] = PaperSize(paper).value
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=work, env=environment, start_new_session=True,
            preexec_fn=_limit_resources(office.memory_mb, office.timeout),
        )  # fmt: skip
        try:
            _stdout, stderr = process.communicate(timeout=office.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise _too_complex(filename, office) from None
        finally:
            _kill_group(process)  # nothing it started outlives it
        result = out / f"{source.stem}.pdf"
        if process.returncode == 0 and result.is_file() and result.stat().st_size > 0:
            return result.read_bytes()
        elapsed = time.monotonic() - started
        # Killed for its CPU time or aborted for want of memory (std::bad_alloc), or near
        # the wall time: the document asked too much. Anything else: it could not be read.
        signals = (signal.SIGXCPU, signal.SIGKILL, signal.SIGABRT)
        resource_exit = process.returncode in {code for s in signals for code in (-s, 128 + s)}
        if resource_exit or b"bad_alloc" in stderr or elapsed >= office.timeout * 0.9:
            raise _too_complex(filename, office)
        raise _failed(filename)


def convert_to_pdf(
    data: bytes,
    kind: DocumentKind,
    *,
    filename: str = "",
    max_pages: int = 200,
    office: OfficeSettings | None = None,
    cache: ConversionCache | None = None,
    use_cache: bool = True,
    paper: PaperSize | None = None,
) -> bytes:
    """The PDF LibreOffice makes of an Office or text document (``kind.is_office``).

    Raises :class:`DocumentRejected`: ``converter_missing`` without LibreOffice,
    ``too_complex`` past the time or memory limit, ``conversion_failed`` when it cannot be
    read, ``converter_busy`` when no slot came free in time."""
    office = office or OfficeSettings.from_settings()
    if cache is None and use_cache:
        cache = default_cache()
    key = cache_key(data, kind, max_pages, paper)
    if cache is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    binary = find_binary(office)
    if binary is None:
        raise converter_missing(filename)
    with _slot(office, filename):
        pdf = run_soffice(
            binary, data, kind, office=office, max_pages=max_pages, filename=filename, paper=paper
        )
    if cache is not None:
        cache.put(key, pdf)
    return pdf


def prune_cache(storage: Storage, older_than: datetime) -> int:
    """Delete the cached conversions written before ``older_than`` (an aware datetime);
    how many were deleted."""
    try:
        _folders, names = storage.listdir(CACHE_FOLDER)
    except (FileNotFoundError, NotImplementedError, OSError):
        return 0
    deleted = 0
    for name in names:
        path = f"{CACHE_FOLDER}/{name}"
        try:
            if storage.get_modified_time(path) < older_than:
                storage.delete(path)
                deleted += 1
        except (FileNotFoundError, NotImplementedError, OSError):
            continue
    return deleted
