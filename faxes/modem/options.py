"""Typed options and results for loopback fax transmissions."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from pathlib import Path

from .codes import error_code_for
from .linetime import LineBudget

# T30_MAX_IDENT_LEN in spandsp 0.0.6; longer idents are silently truncated by
# spandsp, so we reject them up front instead.
MAX_IDENT_LEN = 20


class Mode(enum.StrEnum):
    """How the two endpoints are connected."""

    AUDIO = "audio"  # linear 16-bit PCM, 8 kHz
    G711_ALAW = "g711_alaw"  # PCM squeezed through A-law each 20 ms frame
    G711_ULAW = "g711_ulaw"  # PCM squeezed through mu-law each 20 ms frame
    T38 = "t38"  # IFP packets between two T.38 terminals


class Modem(enum.IntFlag):
    """Image-phase modems (``T30_SUPPORT_*`` bits of spandsp 0.0.6)."""

    V27TER = 0x01  # 2400/4800 bit/s
    V29 = 0x02  # 7200/9600 bit/s
    V17 = 0x04  # 7200..14400 bit/s


class Compression(enum.IntFlag):
    """Image compressions (``T30_SUPPORT_*_COMPRESSION`` bits of 0.0.6)."""

    T4_1D = 0x02  # MH
    T4_2D = 0x04  # MR
    T6 = 0x08  # MMR (ECM only, per T.30)


class Resolution(enum.IntFlag):
    """Bilevel resolutions (``T30_SUPPORT_*_RESOLUTION`` bits of 0.0.6)."""

    STANDARD = 0x01  # 204 x 98
    FINE = 0x02  # 204 x 196
    SUPERFINE = 0x04  # 204 x 391


class ImageSize(enum.IntFlag):
    """Scan-line widths and page lengths (``T30_SUPPORT_*`` size bits of 0.0.6).

    At R8 the widths are 1728 (215 mm: A4, Letter, Legal), 2048 (255 mm: B4) and 2432
    (303 mm: A3) dots. spandsp 0.0.6 refuses a page wider than the far end's DIS allows
    (NOSIZESUPPORT, 12) and marks the length it sends in the DCS: unlimited if both sides
    take it, else B4 if both do, else A4 (which a US Letter page fits).
    """

    WIDTH_215MM = 0x01
    WIDTH_255MM = 0x02
    WIDTH_303MM = 0x04
    UNLIMITED_LENGTH = 0x10000
    A4_LENGTH = 0x20000
    B4_LENGTH = 0x40000
    LETTER_LENGTH = 0x80000
    LEGAL_LENGTH = 0x100000


ALL_MODEMS = Modem.V27TER | Modem.V29 | Modem.V17
ALL_COMPRESSIONS = Compression.T4_1D | Compression.T4_2D | Compression.T6
ALL_IMAGE_SIZES = (
    ImageSize.WIDTH_215MM | ImageSize.WIDTH_255MM | ImageSize.WIDTH_303MM
    | ImageSize.UNLIMITED_LENGTH | ImageSize.A4_LENGTH | ImageSize.B4_LENGTH
    | ImageSize.LETTER_LENGTH | ImageSize.LEGAL_LENGTH
)  # fmt: skip
_WIDTHS = ImageSize.WIDTH_215MM | ImageSize.WIDTH_255MM | ImageSize.WIDTH_303MM

# t4_encoding_to_str() of 0.0.6: T4_COMPRESSION_ITU_T4_1D = 1, _T4_2D = 2, _T6 = 3; 0 before
# any page. t30_stats_t.encoding holds one of these.
_ENCODINGS = {1: Compression.T4_1D, 2: Compression.T4_2D, 3: Compression.T6}


# Short names of the three codings (what the portal records on an attempt).
COMPRESSION_NAMES = {Compression.T4_1D: "mh", Compression.T4_2D: "mr", Compression.T6: "mmr"}


def compression_of(encoding: int) -> Compression | None:
    """The compression a ``t30_stats_t.encoding`` value names (None: no page coded yet)."""
    return _ENCODINGS.get(encoding)


def _check_ident(name: str, value: str) -> None:
    if len(value) > MAX_IDENT_LEN:
        raise ValueError(f"{name} is longer than {MAX_IDENT_LEN} characters")
    # T.30 idents are digits, '+' and space; spandsp passes any printable ASCII.
    if not all(" " <= ch <= "~" for ch in value):
        raise ValueError(f"{name} must be printable ASCII")


@dataclass(frozen=True, slots=True)
class FaxOptions:
    """Protocol options applied to both endpoints.

    ``max_line_seconds`` caps *simulated* line time: every exchange loop stops
    there even if T.30 is still running (with enough noise it never finishes).
    The default hour fits ~100 typed A4 pages at 14,400 bit/s (measured ~31 s
    of line time per page, plus ~15 s of call set-up); callers sending long
    documents or restricting modems to V.27ter should scale it with the page
    count. ``budget`` replaces it with a cap sized like a real call's: what the
    call carries at the bit rate the line is actually using (re-evaluated as the
    sender falls back to slower modems), with a floor; see :mod:`.linetime`.
    """

    tx_ident: str = ""  # TSI sent by the transmitting side
    rx_ident: str = ""  # CSI sent by the receiving side
    ecm: bool = True
    modems: Modem = ALL_MODEMS
    compressions: Compression = ALL_COMPRESSIONS
    max_line_seconds: float = 3600.0
    use_tep: bool = False  # talker echo protection tone before training
    log_level: int = 0  # spandsp SPAN_LOG_* severity routed to Python logging
    # Resolutions the *receiving* side accepts; None = all. A receiver that
    # lacks the document's resolution makes T.30 fail with NORESSUPPORT (11).
    receiver_resolutions: Resolution | None = None
    # What the *receiving* side offers in its DIS, when it is not what the sender has (a far
    # end without ECM, or with MH only): None = the same as ``ecm`` / ``compressions``.
    # T.6 needs ECM on both sides; spandsp then codes T.6, else T.4 2-D, else 1-D.
    receiver_ecm: bool | None = None
    receiver_compressions: Compression | None = None
    # Widths and lengths each side takes (the sender's follow the paper it sends).
    image_sizes: ImageSize = ALL_IMAGE_SIZES
    receiver_image_sizes: ImageSize | None = None
    # What the document's pages need: its scan line and page length (Legal and B4 pages
    # are longer than T.30's A4 length and need its B4 or unlimited length). When the far
    # end's DIS offers less and ``fallback_tiff`` is given, the sender sends that instead:
    # the document fitted to the 215 mm line and A4 length (not refused, not cut).
    document_size: ImageSize = ImageSize.WIDTH_215MM | ImageSize.A4_LENGTH
    fallback_tiff: str = ""
    budget: LineBudget | None = None

    def side(self, *, transmitter: bool) -> tuple[bool, Compression, ImageSize]:
        """(ECM, compressions, image sizes) one side offers."""
        if transmitter:
            return self.ecm, self.compressions, self.image_sizes
        ecm = self.ecm if self.receiver_ecm is None else self.receiver_ecm
        compressions = self.receiver_compressions or self.compressions
        return ecm, compressions, self.receiver_image_sizes or ALL_IMAGE_SIZES

    def __post_init__(self) -> None:
        _check_ident("tx_ident", self.tx_ident)
        _check_ident("rx_ident", self.rx_ident)
        if not Modem(self.modems) or self.modems & ~ALL_MODEMS:
            raise ValueError("modems must be a non-empty combination of Modem flags")
        if not Compression(self.compressions) or self.compressions & ~ALL_COMPRESSIONS:
            raise ValueError("compressions must be a non-empty combination of Compression flags")
        if not (math.isfinite(self.max_line_seconds) and self.max_line_seconds > 0):
            raise ValueError("max_line_seconds must be a positive number")
        if self.receiver_compressions is not None and (
            not Compression(self.receiver_compressions)
            or int(self.receiver_compressions) & ~int(ALL_COMPRESSIONS)
        ):
            raise ValueError("receiver_compressions must be a combination of Compression flags")
        for name in ("image_sizes", "receiver_image_sizes"):
            sizes = getattr(self, name)
            if sizes is not None and (not sizes & _WIDTHS or int(sizes) & ~int(ALL_IMAGE_SIZES)):
                raise ValueError(f"{name} must name at least one width (ImageSize flags)")
        if self.receiver_resolutions is not None and not Resolution(self.receiver_resolutions):
            raise ValueError("receiver_resolutions must name at least one Resolution")
        if not 0 <= self.log_level <= 10:
            raise ValueError("log_level must be a SPAN_LOG_* severity (0..10)")


@dataclass(frozen=True, slots=True)
class Impairments:
    """Simulated line faults, applied independently to both directions.

    * ``noise_dbm0``: white Gaussian noise level added to the audio (spandsp
      ``awgn``); rejected in T.38 mode, which has no audio. Note spandsp's
      carrier detectors switch on at about -45.5 dBm0, so noise above that
      looks like a permanent carrier and breaks the call in odd ways.
    * ``drop_rate``: probability that a 20 ms audio frame / a T.38 packet is lost.
    * ``drop_between``: ``(start, end)`` simulated seconds during which *every*
      frame/packet is lost (a burst outage, e.g. mid-page).
    * ``seed``: makes noise and random drops reproducible.

    Lost audio frames are reported to the receiver with ``fax_rx_fillin`` (what
    a jitter buffer does for a missing RTP packet); lost T.38 packets leave a
    sequence-number gap the receiving T.38 core notices.
    """

    noise_dbm0: float | None = None
    drop_rate: float = 0.0
    drop_between: tuple[float, float] | None = None
    # The line goes dead once the sender has sent this many pages (a call
    # dropped mid-document, whatever the pages' line time).
    drop_after_pages: int | None = None
    # The receiver never gets the sender's training (see endpoint.TrainingFault): T.30
    # fails in phase B, the same way every time.
    garble_training: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.noise_dbm0 is not None and not -100.0 <= self.noise_dbm0 <= 10.0:
            raise ValueError("noise_dbm0 must be between -100 and +10 dBm0")
        if self.drop_after_pages is not None and self.drop_after_pages < 1:
            raise ValueError("drop_after_pages must be at least 1")
        if not 0.0 <= self.drop_rate <= 1.0:
            raise ValueError("drop_rate must be a probability")
        if self.drop_between is not None:
            start, end = self.drop_between
            if not 0.0 <= start < end:
                raise ValueError("drop_between must be (start, end) with 0 <= start < end")

    @property
    def active(self) -> bool:
        return bool(
            self.noise_dbm0 is not None
            or self.drop_rate
            or self.drop_between
            or self.garble_training
        )


@dataclass(frozen=True, slots=True)
class TransmissionResult:
    """Outcome of one loopback transmission.

    ``completion_code`` is spandsp's T.30 phase E code (0 = OK): the sender's
    code, or the receiver's when the sender reported OK. ``tx_remote_ident`` is
    the CSI as seen by the sender; ``rx_remote_ident`` is the TSI as seen by the
    receiver. ``bad_rows`` (rows T.4 could not decode) and ``missing_rows``
    (received page shorter than the sent one) are summed over received pages:
    without ECM a call can succeed with damaged pages, see :attr:`damaged`.
    ``received_tiff`` is owned by the caller (None when no page arrived).
    """

    mode: Mode
    success: bool
    completion_code: int
    completion_text: str
    tx_completion_code: int
    rx_completion_code: int
    timed_out: bool
    pages_in_file: int
    pages_sent: int
    pages_received: int
    bit_rate: int
    ecm_used: bool
    # What the pages were coded with on the line (None: no page was sent).
    compression: Compression | None
    # The image format the sender's DCS announced: scan line (mm) and page length
    # ("a4", "b4", "unlimited"); None when no DCS was sent.
    scan_width_mm: int | None
    page_length: str | None
    fell_back: bool  # the sender sent FaxOptions.fallback_tiff (the far end took less)
    bad_rows: int
    missing_rows: int  # rows lost off the end of received pages (non-ECM drops)
    tx_remote_ident: str
    rx_remote_ident: str
    line_seconds: float
    received_tiff: Path | None
    lost_units: int  # audio frames or T.38 packets dropped by impairments

    @property
    def damaged(self) -> bool:
        """True if some received page is known to differ from what was sent."""
        return self.bad_rows > 0 or self.missing_rows > 0

    @property
    def error_code(self) -> int | None:
        """Voxtelesys-style fax error code (5100 + completion code), None on success."""
        return error_code_for(self.completion_code)
