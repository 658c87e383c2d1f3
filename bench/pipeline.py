"""Faxes per minute through submit → render → loopback (modem) delivery.

Runs on PostgreSQL + Redis with real Celery workers: for 1 and 2 worker
processes and 1- and 10-page documents, submits a batch of faxes from one
faxbox to another and times until every fax is delivered.

    .venv/bin/python bench/pipeline.py [--faxes 20] [--database-url postgres://…]
        [--redis-url redis://127.0.0.1:6379/14]

It creates (and afterwards drops) its own database, ``faxportal_bench``.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchdb import bench_database

ROOT = Path(__file__).resolve().parent.parent


def text_pdf(pages: int) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=28)
    images = []
    for n in range(pages):
        image = Image.new("L", (1275, 1650), 255)
        draw = ImageDraw.Draw(image)
        for line in range(40):
            draw.text((90, 90 + line * 36), f"Page {n + 1} line {line + 1}: lorem ipsum dolor "
                      "sit amet, consectetur adipiscing elit", fill=0, font=font)  # fmt: skip
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faxes", type=int, default=20)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/faxportal_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    with bench_database(args.database_url, CELERY_BROKER_URL=args.redis_url) as env:
        run(args, env)


def run(args: argparse.Namespace, env: dict[str, str]) -> None:
    import redis

    from faxes import modem, services
    from faxes.models import Fax, FaxStatus
    from tests.factories import AccountFactory, FaxboxFactory, FaxNumberFactory

    sender = FaxboxFactory(account=AccountFactory(name="Bench sender"), caller_id="+12025550130")
    receiver = FaxboxFactory(account=AccountFactory(name="Bench receiver"))
    FaxNumberFactory(faxbox=receiver, number="+12025550131")
    documents = {pages: text_pdf(pages) for pages in (1, 10)}

    print(f"modem in the loop: {modem.modem_available()} (mode audio); {args.faxes} faxes per run")
    print(
        f"{'workers':>7} {'pages':>5} {'faxes':>5} {'seconds':>8} {'faxes/min':>9} {'pages/min':>9}"
    )
    for workers in (1, 2):
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "faxportal",
                    "worker",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "WARNING",
                    "-n",
                    f"bench{n}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
            for n in range(workers)
        ]
        time.sleep(4)  # let the workers connect
        try:
            for pages, pdf in documents.items():
                redis.Redis.from_url(args.redis_url).flushdb()
                start = time.perf_counter()
                ids = []
                for _ in range(args.faxes):
                    result = services.submit_fax(
                        account=sender.account, faxbox=sender, recipients=["+12025550131"],
                        documents=[services.UploadedFile(pdf, "bench.pdf")],
                    )  # fmt: skip
                    ids.extend(f.pk for f in result.faxes)
                while True:
                    done = Fax.objects.filter(
                        pk__in=ids, status__in=[FaxStatus.DELIVERED, FaxStatus.FAILED]
                    ).count()
                    if done == len(ids):
                        break
                    time.sleep(0.1)
                elapsed = time.perf_counter() - start
                failed = Fax.objects.filter(pk__in=ids, status=FaxStatus.FAILED).count()
                rate = len(ids) / elapsed * 60
                note = f"  ({failed} failed)" if failed else ""
                print(
                    f"{workers:>7} {pages:>5} {len(ids):>5} {elapsed:>8.1f} {rate:>9.1f} "
                    f"{rate * pages:>9.0f}{note}"
                )
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
