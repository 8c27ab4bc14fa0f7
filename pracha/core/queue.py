"""Enqueue, claim and run background jobs and periodic tasks (see pracha.core.models.Job).

from pracha.core.queue import job, periodic, enqueue

@job("notify.deliver")
def deliver(payload: dict) -> None: ...

@periodic("workflow.sweep", every_seconds=60)
def sweep() -> str: ...

enqueue("notify.deliver", {"notification_id": 7})   # inside the caller's transaction
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Job, PeriodicRun

log = logging.getLogger("pracha.queue")

JobHandler = Callable[[dict], object]
# Called after a failed attempt has been rolled back: (payload, error, gave_up). Lets a handler keep a
# record of the failure (which its own rolled-back transaction could not) and react when the job dies.
FailureHook = Callable[[dict, Exception, bool], object]
_handlers: dict[str, JobHandler] = {}
_failure_hooks: dict[str, FailureHook] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    func: Callable[[], object]


_periodics: dict[str, Periodic] = {}
LEASE = dt.timedelta(minutes=5)


def job(kind: str, on_failure: FailureHook | None = None) -> Callable[[JobHandler], JobHandler]:
    def register(func: JobHandler) -> JobHandler:
        _handlers[kind] = func
        if on_failure is not None:
            _failure_hooks[kind] = on_failure
        return func

    return register


def periodic(name: str, every_seconds: int) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(func: Callable[[], object]) -> Callable[[], object]:
        _periodics[name] = Periodic(name, dt.timedelta(seconds=every_seconds), func)
        return func

    return register


def enqueue(kind: str, payload: dict | None = None, *, run_after: dt.datetime | None = None) -> Job:
    if kind not in _handlers:
        raise LookupError(f"no job handler registered for {kind!r}")
    return Job.objects.create(kind=kind, payload=payload or {}, run_after=run_after or timezone.now())


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(limit: int = 10, me: str | None = None) -> list[Job]:
    """Lease up to `limit` due jobs, including ones whose worker died (lease expired)."""
    now = timezone.now()
    with transaction.atomic():
        due = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING], run_after__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("run_after", "id")[:limit]
        )
        jobs = list(due)
        for j in jobs:
            j.status = Job.Status.RUNNING
            j.attempts += 1
            j.locked_until = now + LEASE
            j.locked_by = me or worker_id()
        Job.objects.bulk_update(jobs, ["status", "attempts", "locked_until", "locked_by"])
    return jobs


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def run_job(j: Job) -> bool:
    handler = _handlers.get(j.kind)
    try:
        if handler is None:
            raise LookupError(f"no job handler registered for {j.kind!r}")
        with transaction.atomic():
            handler(j.payload)
    except Exception as exc:
        log.warning("job %s failed (attempt %s): %s", j, j.attempts, exc)
        j.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        j.locked_until = None
        if j.attempts >= j.max_attempts:
            j.status, j.finished_at = Job.Status.DEAD, timezone.now()
        else:
            j.status, j.run_after = Job.Status.QUEUED, timezone.now() + backoff(j.attempts)
        j.save(update_fields=["last_error", "locked_until", "status", "run_after", "finished_at"])
        hook = _failure_hooks.get(j.kind)
        if hook is not None:
            try:
                with transaction.atomic():
                    hook(j.payload, exc, j.status == Job.Status.DEAD)
            except Exception:
                log.exception("failure hook of job %s failed", j)
        return False
    j.status, j.finished_at, j.locked_until = Job.Status.DONE, timezone.now(), None
    j.save(update_fields=["status", "finished_at", "locked_until"])
    return True


def run_due_periodics(now: dt.datetime | None = None) -> list[str]:
    """Run each periodic task whose time has come; the row lock makes one worker run it."""
    now = now or timezone.now()
    ran = []
    for p in _periodics.values():
        PeriodicRun.objects.get_or_create(name=p.name)
        with transaction.atomic():
            row = (
                PeriodicRun.objects.select_for_update(skip_locked=True)
                .filter(name=p.name, next_run_at__lte=now)
                .first()
            )
            if row is None:
                continue
            result = p.func()
            row.last_run_at, row.next_run_at = now, now + p.every
            row.last_result = str(result)[:2000]
            row.save()
            ran.append(p.name)
    return ran


def work(*, once: bool = False, idle_sleep: float = 1.0, stop: Callable[[], bool] = lambda: False) -> int:
    """The worker loop: periodic tasks, then due jobs. Returns the number of jobs run."""
    me, count = worker_id(), 0
    while not stop():
        close_old_connections()
        try:
            run_due_periodics()
        except Exception:
            log.exception("periodic task failed")
        jobs = claim(me=me)
        for j in jobs:
            run_job(j)
            count += 1
        if once and not jobs:
            return count
        if not jobs:
            time.sleep(idle_sleep)
    return count
