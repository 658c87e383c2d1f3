"""The one retry backoff: doubling from a base delay, capped, with ±10 % jitter so that
retries of many faxes or deliveries that failed together do not come back together."""

from __future__ import annotations

import random
from datetime import timedelta


def backoff(attempts: int, base: float, cap: float, *, jitter: float = 0.1) -> timedelta:
    """The wait after ``attempts`` failed tries (1: ``base``, 2: twice that, …)."""
    delay = min(base * (2 ** max(0, attempts - 1)), cap)
    return timedelta(seconds=delay * random.uniform(1 - jitter, 1 + jitter))
