"""Run the whole portal in one terminal: web server, Celery worker and scheduler.

Meant for the embedded install and small sites. Larger sites run the same
three programs under their own process manager (see README, "Scaling").
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Start gunicorn, a Celery worker and Celery beat; stop all if one exits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")

    def commands(self, options: dict) -> dict[str, list[str]]:
        python = sys.executable
        return {
            "web": [
                python, "-m", "gunicorn", "faxportal.wsgi:application",
                "--bind", options["bind"], "--workers", str(options["web_workers"]),
                "--access-logfile", "-", "--timeout", "120",
                "--logger-class", "faxportal.gunicorn_logging.RedactingLogger",
            ],
            "worker": [
                python, "-m", "celery", "-A", "faxportal", "worker",
                "--loglevel", "INFO", "--concurrency", str(options["concurrency"]),
                # Fax work and webhook deliveries, taken in turn from their own queues.
                "--queues", "celery,webhooks",
            ],
            "beat": [python, "-m", "celery", "-A", "faxportal", "beat", "--loglevel", "INFO"],
        }  # fmt: skip

    def handle(self, *args, **options) -> None:
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
