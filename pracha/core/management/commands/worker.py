"""pracha worker: deliver notifications, run background jobs and the periodic sweeps."""

import signal

from django.core.management.base import BaseCommand

from pracha.audit.chain import current_actor
from pracha.core.queue import work


class Command(BaseCommand):
    help = "Run the background worker. Any number may run at once; each job runs on one of them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument("--sleep", type=float, default=1.0, help="Seconds to wait when idle.")

    def handle(self, *args, once: bool = False, sleep: float = 1.0, **options) -> None:
        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True  # finish the job in hand, then leave; its lease covers a hard kill

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        current_actor.set("system:worker")
        self.stdout.write("worker started")
        count = work(once=once, idle_sleep=sleep, stop=lambda: stopping)
        self.stdout.write(f"worker stopped after {count} jobs")
