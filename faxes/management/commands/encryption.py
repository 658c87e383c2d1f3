"""``manage.py encryption status|migrate|rewrap|newkey``: fax files encrypted at rest.

- ``status`` counts the stored files: encrypted under which key, and not encrypted
  (written before encryption existed); exit status 1 while any is not encrypted or
  not under the current key, so a deploy script can wait on it.
- ``migrate`` encrypts the files that are not, one at a time, each written in full
  beside the old one and swapped in (a crash leaves the old file, never half a file).
- ``rewrap`` moves files to the current (first) key of FAXPORTAL_ENCRYPTION_KEYS by
  rewriting each file's header only; afterwards the old key can be dropped.
- ``newkey ID`` prints a fresh ``ID:base64`` entry to put first in the list.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from faxportal import filecrypt
from faxportal.storage import keyring


class Command(BaseCommand):
    help = "Report, encrypt (migrate) or re-wrap (rotate keys of) the stored fax files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["status", "migrate", "rewrap", "newkey"])
        parser.add_argument("key_id", nargs="?", help="newkey: the id of the new key")
        parser.add_argument("--prefix", default="", help="only files under this folder")
        parser.add_argument("--list", action="store_true", help="status: name each file left")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "newkey":
            try:
                self.stdout.write(filecrypt.new_key_entry(options["key_id"] or ""))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            return
        storage = default_storage
        if not getattr(storage, "encrypts_files", False):
            raise CommandError(f"the default storage ({type(storage).__name__}) does not encrypt")
        prefix = options["prefix"].strip("/")
        if action == "status":
            self._status(storage, prefix, options["list"])
        else:
            self._convert(storage, prefix, action)

    def _status(self, storage, prefix: str, listing: bool) -> None:
        current = keyring().current
        by_key: Counter[str] = Counter()
        plain: list[str] = []
        for name in _names(storage, prefix):
            header = storage.header_of(name)
            if header is None:
                plain.append(name)
            else:
                by_key[header.key_id] += 1
        total = len(plain) + sum(by_key.values())
        self.stdout.write(f"files: {total}")
        self.stdout.write(f"not encrypted: {len(plain)}")
        for key_id, count in sorted(by_key.items()):
            mark = " (current)" if key_id == current else ""
            self.stdout.write(f"encrypted with key {key_id}{mark}: {count}")
        if listing:
            for name in plain:
                self.stdout.write(f"  not encrypted: {name}")
        if plain or any(key_id != current for key_id in by_key):
            raise SystemExit(1)

    def _convert(self, storage, prefix: str, action: str) -> None:
        step = storage.encrypt_in_place if action == "migrate" else storage.rewrap
        done = skipped = failed = 0
        for name in _names(storage, prefix):
            try:
                changed = step(name)
            except FileNotFoundError:
                continue  # purged meanwhile
            except filecrypt.DecryptionError as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc}")
                continue
            done += changed
            skipped += not changed
        verb = "encrypted" if action == "migrate" else "re-wrapped"
        self.stdout.write(f"{verb}: {done}, unchanged: {skipped}, failed: {failed}")
        if failed:
            raise CommandError(f"{failed} file(s) could not be {verb}")


def _names(storage, prefix: str):
    try:
        yield from storage.walk(prefix)
    except FileNotFoundError:
        return
