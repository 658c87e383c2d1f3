"""The example answers of the Pharmique API reference (000_aeef4a9d7aab13db.txt), verbatim,
and a check that an answer has the same shape: every key, with a value of the same JSON type
(where the example shows null, a string is allowed too)."""

from __future__ import annotations

from typing import Any

FAX_LIST = {
    "data": {
        "faxes": [
            {
                "id": "ac62b6e2-2acc-474c-9f5c-ad6f712130e8",
                "from": "+18772333839",
                "to": "+14079747020",
                "pages": "1",
                "status": "received",
                "remote_station_id": "877-233-3839",
                "received_at": "2026-02-10T08:13:48.308Z",
                "file_size": 8952,
                "has_tiff": True,
                "tiff_file_size": 12480,
                "downloaded": False,
                "downloaded_at": None,
            }
        ]
    },
    "pagination": {"page": 1, "limit": 10, "total": 42, "total_pages": 5},
}

FAX_DETAIL = {
    "data": {
        "id": "ac62b6e2-2acc-474c-9f5c-ad6f712130e8",
        "from": "+18772333839",
        "to": "+14079747020",
        "pages": "1",
        "status": "received",
        "remote_station_id": "877-233-3839",
        "received_at": "2026-02-10T08:13:48.308Z",
        "media_url": "https://files.signalwire.com/...",
        "file_size": 8952,
        "filename": "fax_+18772333839_2026-02-10T08-13-47-802Z.pdf",
        "has_tiff": True,
        "tiff_filename": "fax_+18772333839_2026-02-10T08-13-47-802Z.tiff",
        "tiff_converted_at": "2026-02-10T08:14:02.000Z",
        "tiff_file_size": 12480,
        "downloaded": False,
        "downloaded_at": None,
    }
}

MARKED = {
    "data": {
        "id": "ac62b6e2-2acc-474c-9f5c-ad6f712130e8",
        "downloaded": True,
        "downloaded_at": "2026-02-15T12:00:00",
    }
}

UNMARKED = {
    "data": {
        "id": "ac62b6e2-2acc-474c-9f5c-ad6f712130e8",
        "downloaded": False,
        "downloaded_at": None,
    }
}

SEND = {
    "success": True,
    "fax": {
        "sid": "FX1234567890abcdef",
        "to": "+14155551234",
        "media_url": "https://example.com/document.pdf",
        "status": "queued",
    },
}

SENT_LIST = {
    "data": {
        "faxes": [
            {
                "sid": "FX1234567890abcdef",
                "to": "+14155551234",
                "media_url": "https://fax.pharmique.net/uploads/abc123",
                "original_filename": "invoice.pdf",
                "status": "delivered",
                "pages": "2",
                "error_code": None,
                "error_message": None,
                "sent_at": "2026-02-10T15:30:00.000Z",
                "updated_at": "2026-02-10T15:32:00.000Z",
            }
        ]
    },
    "pagination": {"page": 1, "limit": 10, "total": 5, "total_pages": 1},
}

ERROR = {"error": "unauthorized", "message": "Bearer token required in Authorization header"}

# What a null in the example may be instead (error_code is a number when set).
_NULL_MAY_BE = {"error_code": (int,)}


def assert_shape(actual: Any, example: Any, where: str = "") -> None:
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in example.items():
            assert key in actual, f"{where}.{key} is missing"
            if value is None:
                allowed = _NULL_MAY_BE.get(key, (str,))
                got = actual[key]
                assert got is None or isinstance(got, allowed), f"{where}.{key}: {got!r}"
            else:
                assert_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), f"{where}: expected a list"
        for item in actual:
            assert_shape(item, example[0], f"{where}[]")
    elif isinstance(example, bool):
        assert isinstance(actual, bool), f"{where}: expected a boolean, got {actual!r}"
    elif isinstance(example, int):
        assert isinstance(actual, int) and not isinstance(actual, bool), f"{where}: {actual!r}"
    else:
        assert isinstance(actual, str), f"{where}: expected a string, got {actual!r}"
