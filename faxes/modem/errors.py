"""Exceptions raised by the software modem wrapper.

Fax *protocol* failures (training failure, timeouts, dropped calls, ...) are not
exceptions: they are reported in :class:`faxes.modem.TransmissionResult` with
spandsp's T.30 completion code. Exceptions are reserved for "the modem cannot
run at all" (library missing or incompatible) and for caller mistakes.
"""

from __future__ import annotations


class ModemError(Exception):
    """Base class for every error raised by :mod:`faxes.modem`."""


class ModemUnavailable(ModemError):
    """libspandsp could not be found or loaded (not installed, bad path, not a
    shared object)."""


class ModemLibraryMismatch(ModemError):
    """A library was loaded but it is not ABI-compatible with spandsp 0.0.6
    (missing symbols, symbols from a newer/older API, different struct layout).

    Calling into it with our ctypes declarations could corrupt memory, so we
    refuse to use it.
    """


class ModemSetupError(ModemError):
    """spandsp refused to create or configure a modem state (e.g. ``fax_init``
    returned NULL). Not expected in practice; indicates resource exhaustion or
    an invalid option that slipped past validation."""
