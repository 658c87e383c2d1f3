"""Reading JSON request bodies with a bound on nesting, for every API.

``json.loads`` recurses once per level: a 10 KB body of 5,000 nested arrays
raises RecursionError (a 500), and a few hundred levels that do parse would
still overflow later code that walks the value (copies, serializers, the
database's JSON type). No request the portal understands nests deeper than a
handful of levels (a long Kazoo callflow a few dozen), so anything past
``MAX_DEPTH`` is refused as malformed.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 100


class TooDeep(ValueError):
    """Raised for JSON nested deeper than ``MAX_DEPTH`` (a ValueError, as json's own errors)."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_DEPTH} levels")


def loads(raw: bytes | str) -> Any:
    """``json.loads(raw)``; TooDeep past ``MAX_DEPTH`` levels of arrays and objects."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise TooDeep() from None
    check_depth(value)
    return value


def check_depth(value: Any) -> None:
    """TooDeep when ``value`` nests deeper than ``MAX_DEPTH`` (walked level by level,
    without recursion)."""
    level: list[Any] = [value]
    depth = 0
    while True:
        containers = [item for item in level if isinstance(item, dict | list)]
        if not containers:
            return
        depth += 1
        if depth > MAX_DEPTH:
            raise TooDeep()
        level = [
            child
            for item in containers
            for child in (item.values() if isinstance(item, dict) else item)
        ]
