"""Keyset paging on the Kazoo inbox: page 10,000 as fast as page 1.

Fills a fresh PostgreSQL database with N received faxes for one account
(default 500,000 = 10,000 pages of 50), then times GET /v2/…/faxes/inbox for
page 1 and for page 10,000 (reached with its start_key, as a client paging
through would), and counts the SQL queries per request.

    .venv/bin/python bench/kazoo.py [--faxes 500000] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from benchdb import bench_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faxes", type=int, default=500_000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/faxportal_bench_kazoo"
    )
    args = parser.parse_args()

    with bench_database(args.database_url, DJANGO_ALLOWED_HOSTS="testserver"):
        run(args)


def run(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.ids import new_id
    from accounts.services import create_api_token
    from faxes.cursor import Cursor
    from faxes.models import Fax
    from tests.factories import AccountFactory, FaxboxFactory

    account = AccountFactory(name="Bench account")
    faxbox = FaxboxFactory(account=account)
    token = create_api_token(account, name="bench", scopes="fax:read").secret
    start = time.perf_counter()
    now = timezone.now()
    step = timedelta(days=30) / args.faxes
    batch = []
    for n in range(args.faxes):
        batch.append(Fax(
            id=new_id(), account=account, faxbox=faxbox, direction="inbound", status="received",
            from_number="+12025550199", to_number="+12025550100", pages=1,
            completed_at=now - n * step,
        ))  # fmt: skip
        if len(batch) == 10_000:
            Fax.objects.bulk_create(batch)
            batch.clear()
    Fax.objects.bulk_create(batch)
    # created_at is auto_now_add: spread it over 30 days in one statement.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE faxes_fax SET created_at = completed_at WHERE account_id = %s",
                       [account.pk])  # fmt: skip
        cursor.execute("VACUUM ANALYZE faxes_fax") if connection.vendor == "postgresql" else None
    print(f"inserted {args.faxes:,} faxes in {time.perf_counter() - start:.0f} s")

    deep_page = min(10_000, args.faxes // args.page_size)
    deep_row = (
        Fax.objects.filter(account=account)
        .order_by("-created_at", "-id")
        .values_list("created_at", "id")[(deep_page - 1) * args.page_size]
    )
    url = f"/v2/accounts/{account.pk}/faxes/inbox?page_size={args.page_size}"
    deep_key = Cursor(*deep_row).start_key()
    cases = {"page 1": url, f"page {deep_page:,}": f"{url}&start_key={deep_key}"}
    client = Client(HTTP_X_AUTH_TOKEN=token)
    print(f"{'request':<12} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'queries':>8} {'rows':>5}")
    for label, target in cases.items():
        client.get(target)  # warm up
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                begin = time.perf_counter()
                response = client.get(target)
                timings.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, response.content[:300]
        timings.sort()
        p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
        rows = len(response.json()["data"])
        print(f"{label:<12} {statistics.median(timings):>8.1f} {p99:>8.1f} {timings[-1]:>8.1f} "
              f"{len(queries):>8} {rows:>5}")  # fmt: skip


if __name__ == "__main__":
    main()
