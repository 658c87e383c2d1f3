from __future__ import annotations

from pathlib import Path

import pytest

from faxes.modem import SpanDSP, load_spandsp, modem_available

from .helpers import make_fax_tiff


@pytest.fixture(scope="session")
def spandsp() -> SpanDSP:
    if not modem_available():
        pytest.skip("libspandsp 0.0.6 is not installed/loadable")
    return load_spandsp()


@pytest.fixture(scope="session")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Test documents, generated once: fine and standard, A4 and Letter."""
    root = tmp_path_factory.mktemp("fax-docs")
    return {
        "fine_a4": make_fax_tiff(root / "fine_a4.tif", pages=3, size="a4", resolution="fine"),
        "standard_letter": make_fax_tiff(
            root / "standard_letter.tif", pages=2, size="letter", resolution="standard"
        ),
        "fine_letter": make_fax_tiff(
            root / "fine_letter.tif", pages=1, size="letter", resolution="fine"
        ),
        "standard_a4_g3": make_fax_tiff(
            root / "standard_a4_g3.tif",
            pages=2,
            size="a4",
            resolution="standard",
            compression="group3",
        ),
        # One densely written page: about 40 s on the line at 14,400 bit/s, so
        # impairments can be aimed at the middle of the image transfer.
        "dense": make_fax_tiff(root / "dense.tif", pages=1, lines=60),
    }
