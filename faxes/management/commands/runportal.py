"""Run the whole portal in one terminal: web server, Celery workers and scheduler, and the
SMTP gateway (e-mail to fax) on FAXPORTAL_SMTP_HOST:FAXPORTAL_SMTP_PORT (127.0.0.1:2525).

Meant for the embedded install and small sites. Larger sites run the same
programs under their own process manager (see README, "Scaling"). OCR of received
faxes has a worker of its own (one process, queue ``ocr``), so reading a long fax
never takes a slot from sending or receiving one.

The web server is gunicorn with ``faxportal.web_worker``: threads that only
get a request once it has arrived whole, so slow uploads never block other
requests. Static files are collected first when they are missing or older
than their sources, so no page fails on a missing manifest entry.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

WEB_WORKER = "faxportal.web_worker.BufferingThreadWorker"


def static_files_current() -> bool:
    """Whether STATIC_ROOT holds every static file, no older than its source (and, with the
    hashed storage, listed in the manifest that ``{% static %}`` reads)."""
    root = Path(settings.STATIC_ROOT)
    manifest: dict[str, str] | None = None
    collected_at = 0.0
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        manifest_file = root / staticfiles_storage.manifest_name
        try:
            manifest = json.loads(manifest_file.read_text())["paths"]
            collected_at = manifest_file.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError):
            return False
    config = apps.get_app_config("staticfiles")
    assert isinstance(config, StaticFilesConfig)
    ignore = config.ignore_patterns
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            source = os.path.getmtime(storage.path(path))
            if manifest is not None:
                if path not in manifest or source > collected_at:
                    return False
            elif not (root / path).exists() or source > (root / path).stat().st_mtime:
                return False
    return True


class Command(BaseCommand):
    help = (
        "Start gunicorn, the Celery workers, Celery beat and the SMTP gateway; stop all if one "
        "exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--web-threads", type=int, default=8, help="threads per web worker")
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
        parser.add_argument(
            "--smtp-port",
            type=int,
            default=None,
            help="SMTP gateway port (default FAXPORTAL_SMTP_PORT, 2525); 0 = no gateway",
        )

    def commands(self, options: dict) -> dict[str, list[str]]:
        python = sys.executable
        commands = {
            "web": [
                python, "-m", "gunicorn", "faxportal.wsgi:application",
                "--bind", options["bind"], "--workers", str(options["web_workers"]),
                "--worker-class", WEB_WORKER, "--threads", str(options["web_threads"]),
                "--keep-alive", "5", "--access-logfile", "-", "--timeout", "120",
                "--logger-class", "faxportal.gunicorn_logging.RedactingLogger",
            ],
            "worker": [
                python, "-m", "celery", "-A", "faxportal", "worker",
                "--loglevel", "INFO", "--concurrency", str(options["concurrency"]),
                # Fax work and webhook deliveries, taken in turn from their own queues.
                "--queues", "celery,webhooks",
            ],
            "ocr-worker": [
                python, "-m", "celery", "-A", "faxportal", "worker",
                "--loglevel", "INFO", "--concurrency", "1", "--queues", "ocr",
                "--hostname", "ocr@%h",
            ],
            "beat": [python, "-m", "celery", "-A", "faxportal", "beat", "--loglevel", "INFO"],
        }  # fmt: skip
        smtp_port = options.get("smtp_port")
        smtp_port = settings.FAXPORTAL_SMTP_PORT if smtp_port is None else smtp_port
        if smtp_port:
            manage = str(Path(settings.BASE_DIR) / "manage.py")
            commands["smtp"] = [python, manage, "smtpgateway", "--port", str(smtp_port)]
        return commands

    def handle(self, *args, **options) -> None:
        if not static_files_current():
            self.stdout.write("collecting static files")
            call_command("collectstatic", interactive=False, verbosity=0)
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for name, argv in self.commands(options).items():
            processes[name] = subprocess.Popen(argv)  # noqa: S603 - our own fixed argv
            self.stdout.write(f"started {name} (pid {processes[name].pid})")
        self.stdout.write(f"portal running on http://{options['bind']}/ — Ctrl-C to stop")
        exit_code = 0
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping")
                        exit_code = process.returncode or 1
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + 20
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        if exit_code:
            sys.exit(exit_code)
