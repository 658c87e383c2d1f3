"""Why a request's rate-limit buckets are counted in one step (``faxportal.counters``).

4 processes x 8 threads send 320 requests with one token from one IP; both buckets allow 200.
"per bucket" counts each bucket on its own with ``cache.add`` + ``cache.incr``, as
django-ratelimit's ``get_usage`` does (atomic per key on both caches); "one step" is
``faxportal.counters.count``. Prints how many requests passed in each trial:

    .venv/bin/python bench/ratelimit_buckets.py [--redis redis://127.0.0.1:6379/14] [--trials 5]

Per bucket, a request can be the 200th in one bucket and the 201st in the other while a
concurrent one is the reverse: both are refused, so fewer than 200 pass.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT, PROCESSES, THREADS, HITS = 200, 4, 8, 10

WORKER = """
import django, os, sys, threading, time
os.environ["DJANGO_SETTINGS_MODULE"] = "faxportal.settings"
django.setup()
from django.core.cache import caches
from faxportal import counters
mode, tag, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
cache, keys, passed = caches["default"], [f"bench:{tag}:ip", f"bench:{tag}:token"], []

def per_bucket(key):
    if cache.add(key, 1, 3600):
        return 1
    return cache.incr(key)

def hammer():
    for _ in range(HITS):
        used = counters.count(keys, 3600) if mode == "one" else [per_bucket(k) for k in keys]
        passed.append(all(n <= LIMIT for n in used))

threads = [threading.Thread(target=hammer) for _ in range(THREADS)]
time.sleep(max(0.0, start_at - time.time()))
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sum(passed))
"""


def trial(mode: str, redis_url: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAXPORTAL_", "DJANGO_"))}
    env.update(FAXPORTAL_DATA_DIR=tempfile.mkdtemp(), PYTHONPATH=str(ROOT))
    if redis_url:
        env["FAXPORTAL_CACHE_URL"] = redis_url
    script = WORKER.replace("HITS", str(HITS)).replace("THREADS", str(THREADS))
    script = script.replace("LIMIT", str(LIMIT))
    tag, start_at = os.urandom(6).hex(), str(time.time() + 4)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, mode, tag, start_at],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    return sum(int(w.communicate(timeout=120)[0]) for w in workers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", help="a Redis URL (default: the embedded SQLite cache)")
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    cache = "redis" if args.redis else "embedded sqlite"
    print(f"{PROCESSES * THREADS * HITS} requests, limit {LIMIT} per bucket, cache: {cache}")
    for mode, label in (("bucket", "per bucket"), ("one", "one step")):
        passed = [trial(mode, args.redis) for _ in range(args.trials)]
        print(f"{label:<11} passed: {passed}")


if __name__ == "__main__":
    main()
