"""Read and stream throughput of fax files, plain vs encrypted at rest, side by side.

Writes the same files through Django's plain ``FileSystemStorage`` and the portal's
``EncryptedFileSystemStorage`` into one temporary folder, then, alternating the two so
both see the same machine load, measures (best of ``--repeats``):

- read:    ``storage.open(name).read()`` — what rendering, e-mails and receipts do;
- stream:  a response over ``storage.open(name)`` consumed block by block — what every
           download view (UI, /api/v1, /v2) sends: "today" is Django's ``FileResponse``
           (4 KiB blocks) over the plain file, "now" the portal's ``FileStreamResponse``
           (64 KiB blocks, one per segment) over the encrypted one;
- seek:    64 random 4 KiB reads at random offsets (a reader that jumps around);
- view:    ``GET /faxes/<id>/fax.pdf`` through the whole portal (session, tenancy, audit row,
           streamed answer) with Django's test client, SQLite in the temporary folder, the
           default storage switched between the two (and, as for stream, today's 4 KiB
           blocks for the plain file).

Files: a 150 KB PDF-sized file and a 6 MB TIFF-sized file (random bytes: incompressible,
like G4 data). Figures are MB/s of plaintext; "ratio" is encrypted / plain.

    .venv/bin/python bench/filecrypt.py [--repeats 7] [--rounds 20]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from django.core.files.base import ContentFile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(data_dir: str) -> None:
    os.environ["FAXPORTAL_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "faxportal.settings"
    os.environ["FAXPORTAL_PLAIN_STATIC"] = "true"
    os.environ["FAXPORTAL_ENCRYPTION_KEYS"] = "bench:" + base64.b64encode(os.urandom(32)).decode()
    import django

    from faxportal import embedded

    embedded.prepare()

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=20, help="reads per measurement")
    parser.add_argument("--no-view", action="store_true", help="skip the download view")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="faxportal-bench-") as tmp:
        setup(tmp)
        from django.core.files.storage import FileSystemStorage
        from django.http import FileResponse

        from faxportal.storage import EncryptedFileSystemStorage, FileStreamResponse

        media = Path(tmp) / "media"
        storages = {
            "plain": FileSystemStorage(location=media),
            "encrypted": EncryptedFileSystemStorage(location=media),
        }
        sizes = {"150 KB pdf": 150_000, "6 MB tiff": 6_000_000}
        names: dict[tuple[str, str], str] = {}
        for label, size in sizes.items():
            data = os.urandom(size)
            for kind, storage in storages.items():
                names[kind, label] = storage.save(
                    f"{kind}/{label[:3].strip()}.bin", ContentFile(data)
                )

        def read(storage, name):
            with storage.open(name) as handle:
                return len(handle.read())

        def stream(storage, name):
            portal = isinstance(storage, EncryptedFileSystemStorage)
            response = (FileStreamResponse if portal else FileResponse)(storage.open(name))
            total = sum(len(block) for block in response.streaming_content)
            response.close()
            return total

        rng = random.Random(7)

        def seek(storage, name):
            with storage.open(name) as handle:
                size = storage.size(name)
                total = 0
                for _ in range(64):
                    handle.seek(rng.randrange(0, max(1, size - 4096)))
                    total += len(handle.read(4096))
                return total

        operations = {"read": read, "stream": stream, "seek": seek}
        print(
            f"{'operation':<10} {'file':<12} {'plain MB/s':>11} {'encrypted MB/s':>15} {'ratio':>6}"
        )
        print("(stream, view: plain = today's FileResponse 4 KiB blocks over the plain file,")
        print(" encrypted = the portal's FileStreamResponse 64 KiB blocks over the encrypted one)")
        for op_name, operation in operations.items():
            for label in sizes:
                best = {"plain": 0.0, "encrypted": 0.0}
                for _ in range(args.repeats):
                    for kind, storage in storages.items():
                        name = names[kind, label]
                        started = time.perf_counter()
                        moved = sum(operation(storage, name) for _ in range(args.rounds))
                        elapsed = time.perf_counter() - started
                        best[kind] = max(best[kind], moved / elapsed / 1e6)
                ratio = best["encrypted"] / best["plain"]
                print(
                    f"{op_name:<10} {label:<12} {best['plain']:>11.0f} "
                    f"{best['encrypted']:>15.0f} {ratio:>6.2f}"
                )
        if not args.no_view:
            bench_view(media, sizes, args)


def bench_view(media: Path, sizes: dict[str, int], args) -> None:
    from django.core.management import call_command
    from django.http import FileResponse
    from django.test import Client, override_settings
    from django.urls import reverse

    from accounts.models import Account, Role, User
    from faxes.models import Fax, Faxbox
    from faxportal.storage import FileStreamResponse

    call_command("migrate", verbosity=0)
    account = Account.objects.create(name="Bench", realm="bench.fax.test")
    faxbox = Faxbox.objects.create(account=account, name="Bench")
    user = User.objects.create_user("bench@bench.test", account=account, role=Role.ADMIN)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    backends = {
        "plain": "django.core.files.storage.FileSystemStorage",
        "encrypted": "faxportal.storage.EncryptedFileSystemStorage",
    }
    block_sizes = {"plain": FileResponse.block_size, "encrypted": FileStreamResponse.block_size}
    faxes: dict[tuple[str, str], str] = {}
    for kind, backend in backends.items():
        with override_settings(STORAGES=_storages(backend, media / f"view-{kind}")):
            for label, size in sizes.items():
                fax = Fax.objects.create(
                    account=account, faxbox=faxbox, direction="inbound", status="received",
                    from_number="+12025550199", to_number="+12025550100", pages=1,
                )  # fmt: skip
                fax.document.save("fax.pdf", ContentFile(os.urandom(size)))
                faxes[kind, label] = reverse("fax-pdf", args=[fax.pk])
    for label in sizes:
        best = {"plain": 0.0, "encrypted": 0.0}
        for _ in range(args.repeats):
            for kind, backend in backends.items():
                # Today's download views answered with FileResponse's 4 KiB blocks.
                FileStreamResponse.block_size = block_sizes[kind]
                with override_settings(STORAGES=_storages(backend, media / f"view-{kind}")):
                    started = time.perf_counter()
                    moved = 0
                    for _ in range(args.rounds):
                        response = client.get(faxes[kind, label])
                        assert response.status_code == 200, response.status_code
                        moved += sum(len(block) for block in response.streaming_content)
                    elapsed = time.perf_counter() - started
                best[kind] = max(best[kind], moved / elapsed / 1e6)
        FileStreamResponse.block_size = block_sizes["encrypted"]
        ratio = best["encrypted"] / best["plain"]
        print(
            f"{'view':<10} {label:<12} {best['plain']:>11.0f} "
            f"{best['encrypted']:>15.0f} {ratio:>6.2f}"
        )


def _storages(backend: str, location: Path) -> dict:
    from django.conf import settings

    return {
        **settings.STORAGES,
        "default": {"BACKEND": backend, "OPTIONS": {"location": str(location)}},
    }


if __name__ == "__main__":
    main()
