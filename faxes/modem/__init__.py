"""Software fax modem: libspandsp 0.0.6 through ctypes.

Pure library (no Django imports). Typical use::

    from faxes.modem import FaxOptions, Mode, transmit

    result = transmit("doc.tif", mode=Mode.T38, options=FaxOptions(tx_ident="+15551234"))
    if not result.success:
        print(result.error_code, result.completion_text)
"""

from .codes import CompletionCode, error_code_for, error_description_for
from .errors import ModemError, ModemLibraryMismatch, ModemSetupError, ModemUnavailable
from .library import SpanDSP, load_spandsp, modem_available
from .linetime import LineBudget, call_seconds, page_seconds, tiff_page_bytes
from .loopback import transmit
from .options import (
    ALL_COMPRESSIONS,
    ALL_IMAGE_SIZES,
    ALL_MODEMS,
    COMPRESSION_NAMES,
    Compression,
    FaxOptions,
    ImageSize,
    Impairments,
    Mode,
    Modem,
    Resolution,
    TransmissionResult,
)

__all__ = [
    "ALL_COMPRESSIONS",
    "ALL_IMAGE_SIZES",
    "ALL_MODEMS",
    "COMPRESSION_NAMES",
    "CompletionCode",
    "Compression",
    "FaxOptions",
    "ImageSize",
    "Impairments",
    "LineBudget",
    "Mode",
    "Modem",
    "ModemError",
    "ModemLibraryMismatch",
    "ModemSetupError",
    "ModemUnavailable",
    "Resolution",
    "SpanDSP",
    "TransmissionResult",
    "call_seconds",
    "error_code_for",
    "error_description_for",
    "load_spandsp",
    "modem_available",
    "page_seconds",
    "tiff_page_bytes",
    "transmit",
]
