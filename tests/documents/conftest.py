"""Documents shared by the document-pipeline tests (generated once per session)."""

from __future__ import annotations

import pytest

from faxes.documents import DocumentLimits

from . import factories


@pytest.fixture(scope="session")
def letter_pdf() -> bytes:
    return factories.text_pdf(3, factories.LETTER)


@pytest.fixture(scope="session")
def a4_pdf() -> bytes:
    return factories.text_pdf(2, factories.A4)


@pytest.fixture(scope="session")
def fax_tiff() -> bytes:
    return factories.multipage_tiff(3)


@pytest.fixture
def limits() -> DocumentLimits:
    """The production defaults, independent of the environment running the tests."""
    return DocumentLimits()


@pytest.fixture(scope="session")
def office_samples(tmp_path_factory) -> dict[str, bytes]:
    """One small document of every Office format: ODF and OOXML written by the tests
    (office_files), DOC, RTF, XLS, PPT and PPTX saved from them by LibreOffice itself."""
    import shutil
    import subprocess

    from . import office_files

    samples = {
        "odt": office_files.odt("First page", "Second page", page_breaks=True),
        "docx": office_files.docx("Dear Dr. Smith,", "the results are attached."),
        "ods": office_files.ods([["Drug", "Dose"], ["Aspirin", 100]]),
        "xlsx": office_files.xlsx([["Drug", "Dose"], ["Aspirin", 100]]),
        "odp": office_files.odp("One", "Two", "Three"),
        "txt": "Plain words, déjà vu.\nSecond line.\n".encode(),
        "csv": b"drug,dose,unit\naspirin,100,mg\nibuprofen,200,mg\n",
    }
    folder = tmp_path_factory.mktemp("office")
    for source, targets in {"odt": ("doc", "rtf"), "ods": ("xls",), "odp": ("ppt", "pptx")}.items():
        path = folder / f"sample.{source}"
        path.write_bytes(samples[source])
        for target in targets:
            profile = f"-env:UserInstallation={(folder / 'p').as_uri()}"
            subprocess.run(
                [shutil.which("soffice") or "soffice", profile, "--headless", "--norestore",
                 "--convert-to", target, "--outdir", str(folder / target), str(path)],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            samples[target] = (folder / target / f"sample.{target}").read_bytes()
    return samples
