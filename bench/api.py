"""Requests per second and latency of GET /api/v1/faxes under concurrent load.

Fills its own PostgreSQL database (``faxportal_bench_api``, dropped afterwards) with
1,000,000 inbound faxes across 100 accounts (COPY, about a minute), starts gunicorn with
several workers on 127.0.0.1, and drives it from a second process (Python threads opening a
connection per request, as gunicorn's sync workers close them; or ``wrk`` when it is
installed, which costs the shared CPU much less) for each scenario:

- first page:        /api/v1/faxes?limit=50
- page 1000:         /api/v1/faxes?limit=50&page=1000      (offset 49,950)
- downloaded=false:  /api/v1/faxes?limit=50&downloaded=false
- cursor (deep):     /api/v1/faxes?limit=50&cursor=…       (the same depth as page 1000)

The measured account holds 10 % of all faxes (100,000, so page 1000 exists); the other 99
share the rest. Half of its faxes are marked downloaded by the benchmark's token. Rate
limiting stays on (counted in Redis when it is up) with a limit too high to trip.

    .venv/bin/python bench/api.py [--faxes 1000000] [--accounts 100] [--workers 4]
        [--concurrency 8] [--duration 15] [--proposed-index] [--explain]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchdb import bench_database
from loadgen import measure

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "faxportal_bench_api"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/14"
PORT = 8791


# --- database ------------------------------------------------------------------------------


def fax_rows(account_ids, faxbox_ids, counts, now):
    """Every column of faxes_fax for one inbound fax at a time (COPY wants them all)."""
    from accounts.ids import new_id

    year = 365 * 24 * 3600
    for account_id, faxbox_id, count in zip(account_ids, faxbox_ids, counts, strict=True):
        for _ in range(count):
            created = now - timedelta(seconds=random.random() * year)
            yield (
                new_id(),
                account_id,
                faxbox_id,
                "inbound",
                "received",
                f"+1202{random.randrange(10**7):07d}",
                "",
                "+12025550100",
                "",
                "",
                "fine",
                random.randint(1, 9),
                3,
                0,
                "",
                f"STATION {random.randrange(1000)}",
                "bench/fax.pdf",
                "bench/fax.tiff",
                "",
                "{}",
                "{}",
                "[]",
                "loopback",
                "",
                "",
                created,
                created,
                created,
                created,
            )


FAX_COLUMNS = (
    "id, account_id, faxbox_id, direction, status, from_number, from_name, to_number, "
    "to_name, subject, resolution, pages, max_attempts, attempt_count, error_message, "
    "remote_station_id, document, tiff, thumbnail, rx_result, extra, notify_emails, "
    "transport, carrier_fax_id, claim_token, created_at, updated_at, completed_at, "
    "status_changed_at"
)


def seed(total: int, accounts: int) -> tuple[str, str]:
    """Accounts, faxboxes, faxes and marks; returns (token secret, measured account id)."""
    from django.db import connection

    from accounts.models import Account
    from accounts.services import create_api_token
    from faxes.models import Fax, Faxbox

    made = [Account(name=f"Bench {n}", realm=f"bench-{n}.fax.test") for n in range(accounts)]
    for account in made:
        account.save()
    boxes = [Faxbox.objects.create(account=a, name=f"Inbox {a.name}") for a in made]
    big = total // 10
    rest = total - big
    counts = [big] + [
        rest // (accounts - 1) + (1 if n < rest % (accounts - 1) else 0)
        for n in range(accounts - 1)
    ]
    started = time.monotonic()
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg, pg.copy(f"COPY faxes_fax ({FAX_COLUMNS}) FROM STDIN") as copy:
            for row in fax_rows([a.pk for a in made], [b.pk for b in boxes], counts, now):
                copy.write_row(row)
    print(f"  {total:,} faxes copied in {time.monotonic() - started:.0f} s", flush=True)
    issued = create_api_token(made[0], name="bench", scopes="fax:read")
    marked = Fax.objects.filter(account=made[0]).values_list("pk", flat=True)[::2]
    with connection.cursor() as cursor:
        raw = cursor.connection
        copy_sql = (
            "COPY faxes_downloadmark (fax_id, token_id, account_id, downloaded_at) FROM STDIN"
        )
        with raw.cursor() as pg, pg.copy(copy_sql) as copy:
            for fax_id in marked:
                copy.write_row((fax_id, issued.token.pk, made[0].pk, now))
    return issued.secret, made[0].pk


# The index the benchmark suggests (not in the migrations): the lists' order, only live
# faxes, so counts and deep pages become index-only scans.
PROPOSED_INDEX = (
    "CREATE INDEX bench_fax_live_by_account ON faxes_fax "
    "(account_id, direction, created_at DESC, id DESC) WHERE deleted_at IS NULL"
)


def settle(proposed_index: bool) -> None:
    """Optionally add the proposed index; then VACUUM ANALYZE, as autovacuum would have done
    on a database that grew over months (right after COPY no page is all-visible yet)."""
    import psycopg

    with psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True) as conn:
        if proposed_index:
            conn.execute(PROPOSED_INDEX)
        conn.execute("VACUUM ANALYZE")


# --- server and report --------------------------------------------------------------------


def start_gunicorn(env: dict[str, str], workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "faxportal.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def explain(token_secret: str) -> None:
    """The plans of the list queries the view makes, to see which index each one uses."""
    from accounts.tokens import find_token
    from faxes.api.v1 import lookups, pagination
    from faxes.api.v1.received import LIST_FIELDS
    from faxes.services import downloads

    token = find_token(token_secret)
    faxes = lookups.inbound(token.account).only(*LIST_FIELDS)
    newest = faxes.order_by("-created_at", "-pk")
    not_downloaded = downloads.filter_downloaded(faxes, token, False)
    last_of_999 = newest[49949]
    cases = {
        "first page": newest[:51],
        "page 1000 (ids; rows are fetched by id after)": newest.values_list("pk")[49950:50001],
        "count": faxes.order_by(),
        "downloaded=false page": not_downloaded.order_by("-created_at", "-pk")[:51],
        "downloaded=false count": not_downloaded.order_by(),
        "cursor at page 1000": pagination.older_than(
            newest, last_of_999.created_at, last_of_999.pk
        )[:51],
    }
    for name, queryset in cases.items():
        if "count" in name:
            queryset = queryset.values("pk").annotate()  # explain() of what count() runs
        print(f"\n--- {name}\n{queryset.explain(analyze=True)}")


def scenarios(secret: str) -> dict[str, str]:
    base = f"http://127.0.0.1:{PORT}/api/v1/faxes?limit=50"
    request = urllib.request.Request(  # noqa: S310 - a fixed http URL
        f"{base}&page=1000", headers={"Authorization": f"Bearer {secret}"}
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        cursor = json.loads(answer.read())["pagination"]["next_cursor"]
    urls = {
        "first page": base,
        "page 1000": f"{base}&page=1000",
        "downloaded=false": f"{base}&downloaded=false",
    }
    if cursor:  # (with few faxes there is no page 1000)
        urls["cursor at page 1000"] = f"{base}&cursor={cursor}"
    return urls


def report(args: argparse.Namespace, results: dict[str, dict]) -> None:
    print(
        f"\nGET /api/v1/faxes, {args.faxes:,} faxes / {args.accounts} accounts "
        f"(measured account: {args.faxes // 10:,}), "
        f"{'with' if args.proposed_index else 'without'} the proposed index, "
        f"gunicorn {args.workers} sync workers, {args.concurrency} concurrent connections "
        f"({'wrk' if shutil.which('wrk') else 'Python threads'}), {args.duration:g} s each\n"
    )
    print(
        f"{'scenario':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}"
        f"{'requests':>10}{'errors':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<22}{r['rps']:>8.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['mean']:>9.1f}"
            f"{r['requests']:>10}{r['errors']:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faxes", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--proposed-index", action="store_true", help="add the index the benchmark suggests"
    )
    args = parser.parse_args()

    media = Path(tempfile.mkdtemp(prefix="fax-bench-api-media-"))
    (media / "bench").mkdir()
    (media / "bench" / "fax.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 9000)
    (media / "bench" / "fax.tiff").write_bytes(b"II*\x00" + b"0" * 12000)
    extra = {
        "FAXPORTAL_MEDIA_ROOT": str(media),
        "DJANGO_SECRET_KEY": "bench-secret-key-" + "x" * 40,
        "FAXPORTAL_PLAIN_STATIC": "true",
        # Counted (in Redis when it is up) but never reached.
        "FAXPORTAL_API_RATE_LIMIT": "1000000000",
        "FAXPORTAL_API_RATE_LIMIT_IP": "1000000000",
    }
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
        extra["FAXPORTAL_CACHE_URL"] = REDIS
    except Exception:
        print("Redis is not reachable: rate limits count in the file cache")

    print(f"Creating {DB_NAME} and {args.faxes:,} faxes in {args.accounts} accounts…", flush=True)
    with bench_database(f"{PG}/{DB_NAME}", **extra) as env:
        secret, _account_id = seed(args.faxes, args.accounts)
        settle(args.proposed_index)
        if args.explain:
            explain(secret)
        from django.db import connections

        connections.close_all()
        gunicorn = start_gunicorn(env, args.workers)
        try:
            results = {}
            for name, url in scenarios(secret).items():
                results[name] = measure(url, secret, args.concurrency, args.duration)
                print(f"  {name}: {results[name]['rps']:.0f} req/s", flush=True)
        finally:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(timeout=30)
    report(args, results)


if __name__ == "__main__":
    main()
