"""Cost of the request-buffering web worker against gunicorn's plain gthread worker.

    .venv/bin/python bench/web_worker.py [--seconds S] [--concurrency C]

Starts gunicorn twice on the embedded defaults (2 workers x 8 threads), once with each worker
class, and prints per class: requests per second and p50/p99 latency of ``GET /healthz``
(``bench/loadgen.py``), then how long ``/healthz`` takes while 20 clients hold uploads open
(plain gthread: until one of its threads is free, at most the 10 s this waits).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = {
    "gthread": "gthread",
    "buffering": "faxportal.web_worker.BufferingThreadWorker",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthz(port: int, timeout: float) -> float:
    started = time.perf_counter()
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout).read()
    except OSError:
        return float("inf")
    return time.perf_counter() - started


def _measure(worker: str, seconds: float, concurrency: int) -> dict:
    port = _free_port()
    data = tempfile.mkdtemp(prefix="bench-web-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAXPORTAL_", "DATABASE"))}
    env["FAXPORTAL_DATA_DIR"] = data
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "faxportal.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", "--worker-class", worker,
         "--keep-alive", "5"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _healthz(port, 1) == float("inf"):
            if time.monotonic() > deadline:
                raise SystemExit(f"{worker}: gunicorn did not start")
            time.sleep(0.3)
        load = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "loadgen.py"),
             f"http://127.0.0.1:{port}/healthz", "-", str(concurrency), str(seconds)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = json.loads(load.stdout)
        slow = []
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 99\r\n\r\n")
            slow.append(sock)
        time.sleep(1)
        result["healthz_with_20_slow_uploads_s"] = round(_healthz(port, 10), 3)
        for sock in slow:
            sock.close()
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    for name, worker in WORKERS.items():
        print(name, json.dumps(_measure(worker, args.seconds, args.concurrency)))


if __name__ == "__main__":
    main()
