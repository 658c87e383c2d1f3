"""Load from a second process: ``wrk`` when installed, else Python threads.

    .venv/bin/python bench/loadgen.py URL TOKEN CONCURRENCY SECONDS

prints ``{"requests", "errors", "rps", "p50", "p99", "mean"}`` (milliseconds) as JSON.
The Python generator opens a connection per request (gunicorn's sync workers close them
anyway); wrk costs the shared CPU much less, so it is preferred.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time


def load(url: str, token: str, concurrency: int, duration: float) -> dict:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            if ok:
                mine.append(elapsed)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / wall,
        "p50": pct(0.50) if latencies else 0.0,
        "p99": pct(0.99) if latencies else 0.0,
        "mean": statistics.fmean(latencies) * 1000 if latencies else 0.0,
    }


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, token: str, concurrency: int, duration: float) -> dict:
    """The same measurement with wrk (C, two threads), when it is installed."""
    out = subprocess.run(
        ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{duration:g}s", "--latency",
         "-H", f"Authorization: Bearer {token}", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "requests": requests,
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1)),
        "mean": _ms(re.search(r"^\s+Latency\s+([\d.]+\w+)\s", out, re.M).group(1)),
    }


def measure(url: str, token: str, concurrency: int, duration: float) -> dict:
    """One scenario from a second process: wrk if installed, else the Python generator."""
    if shutil.which("wrk"):
        wrk(url, token, concurrency, 2)  # warm-up
        return wrk(url, token, concurrency, duration)
    run = [sys.executable, __file__, url, token, str(concurrency)]
    subprocess.run([*run, "2"], check=True, capture_output=True)  # warm-up
    out = subprocess.run([*run, str(duration)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


if __name__ == "__main__":
    url, token, concurrency, seconds = sys.argv[1:5]
    print(json.dumps(load(url, token, int(concurrency), float(seconds))))
