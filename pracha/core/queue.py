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
from django.db.models import F, Q
from django.utils import timezone

from .bulk import insert_row
from .models import Job, PeriodicRun

log = logging.getLogger("pracha.queue")

JobHandler = Callable[[dict], object]
# Called after a failed attempt has been rolled back: (payload, error, gave_up). Lets a handler keep a
# record of the failure (which its own rolled-back transaction could not) and react when the job dies.
FailureHook = Callable[[dict, Exception, bool], object]
# A batch handler may return {position: error} for payloads that failed on their own: the others
# are done, and those are retried (or given up) one by one as a failed job would be.
BatchHandler = Callable[[list[dict]], "dict[int, Exception] | None"]
_handlers: dict[str, JobHandler] = {}
_failure_hooks: dict[str, FailureHook] = {}
_batch_handlers: dict[str, BatchHandler] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    func: Callable[[], object]


_periodics: dict[str, Periodic] = {}
LEASE = dt.timedelta(minutes=5)
# How often a worker asks whether a periodic task is due (the shortest period is a minute).
PERIODIC_CHECK_SECONDS = 5.0


# The most a kind may give way (see `job`); it bounds the claim's scan of the queue.
MAX_GIVE_WAY = dt.timedelta(minutes=1)
_gives_way: dict[str, dt.timedelta] = {}


def job(
    kind: str, on_failure: FailureHook | None = None, gives_way: dt.timedelta | None = None
) -> Callable[[JobHandler], JobHandler]:
    """Register the handler of a kind of job. A kind that `gives_way` (up to MAX_GIVE_WAY) waits in
    line as if it were due that much later: under load, jobs due meanwhile run first, and it runs
    at most that much later than it would have; a worker with nothing else to do runs it when due
    (decision 0540)."""
    if gives_way is not None and not dt.timedelta(0) <= gives_way <= MAX_GIVE_WAY:
        raise ValueError(f"{kind}: gives_way must be between 0 and {MAX_GIVE_WAY}")

    def register(func: JobHandler) -> JobHandler:
        _handlers[kind] = func
        if on_failure is not None:
            _failure_hooks[kind] = on_failure
        if gives_way:
            _gives_way[kind] = gives_way
        return func

    return register


def _turn(kind: str, run_after: dt.datetime) -> dt.datetime:
    return run_after + _gives_way.get(kind, dt.timedelta(0))


def batch(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    """Also let the worker run the claimed jobs of `kind` together: `handler(payloads)` in one
    transaction, when many are due at once (e.g. routing a burst of complaints). The single-job handler
    stays the fallback: if the batch fails, each job runs alone, so one bad job cannot hold up the
    others and each keeps its own attempts and errors. A handler whose items can fail on their own
    after others have had effects outside the database (a message sent) returns {position: error}
    for them instead of raising: the rest are done, those are retried alone."""

    def register(func: BatchHandler) -> BatchHandler:
        _batch_handlers[kind] = func
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
    run_after = run_after or timezone.now()
    return insert_row(
        Job(kind=kind, payload=payload or {}, run_after=run_after, turn_at=_turn(kind, run_after))
    )


def enqueue_many(kind: str, payloads: list[dict]) -> list[Job]:
    """`enqueue` for many jobs of one kind, in one insert."""
    if kind not in _handlers:
        raise LookupError(f"no job handler registered for {kind!r}")
    now = timezone.now()
    turn = _turn(kind, now)
    return Job.objects.bulk_create([Job(kind=kind, payload=p, run_after=now, turn_at=turn) for p in payloads])


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(limit: int = 10, me: str | None = None, kinds: list[str] | None = None) -> list[Job]:
    """Lease up to `limit` due jobs (of `kinds`, if given), including ones whose worker died (lease
    expired)."""
    now = timezone.now()
    with transaction.atomic():
        due = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING], run_after__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            # Implied by run_after <= now: it bounds the index scan, so jobs due later are not read.
            .filter(turn_at__lte=now + MAX_GIVE_WAY)
        )
        if kinds is not None:
            due = due.filter(kind__in=kinds)
        due = due.order_by("turn_at", "id")[:limit]
        jobs, lost = [], []
        for j in due:
            # A job whose every attempt ended with its worker gone (it may be what kills the worker)
            # goes to the dead letters instead of being retried for ever.
            (lost if j.status == Job.Status.RUNNING and j.attempts >= j.max_attempts else jobs).append(j)
        for j in lost:
            j.status, j.finished_at, j.locked_until = Job.Status.DEAD, now, None
            j.last_error = f"the worker running it stopped without finishing, {j.attempts} times"
        Job.objects.bulk_update(lost, ["status", "finished_at", "locked_until", "last_error"])
        # One statement for the whole lease (a per-row bulk_update cost more than the jobs' own work).
        lease = {"status": Job.Status.RUNNING, "locked_until": now + LEASE, "locked_by": me or worker_id()}
        Job.objects.filter(pk__in=[j.pk for j in jobs]).update(attempts=F("attempts") + 1, **lease)
        for j in jobs:
            j.attempts += 1
            for name, value in lease.items():
                setattr(j, name, value)
    for j in lost:
        # Its kind's hook hears of it as of any job given up (routing, say, hands the work to people).
        _call_failure_hook(j, WorkerLost(j.last_error), dead=True)
    return jobs


class WorkerLost(Exception):
    """Every attempt at a job ended with its worker gone before it could say how the job went."""


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _settle(j: Job, **fields: object) -> bool:
    """Write the outcome only while `j` is still this claim of the job: if its lease ran out and another
    worker took the job (attempts went up), that worker's state must not be overwritten."""
    updated = Job.objects.filter(pk=j.pk, attempts=j.attempts, locked_by=j.locked_by).update(**fields)
    if updated:
        for name, value in fields.items():
            setattr(j, name, value)
    else:
        log.info("job %s was taken over by another worker; leaving its state to that worker", j)
    return bool(updated)


def run_job(j: Job) -> bool:
    """Run one claimed job; True when its handler succeeded and the job was still this claim's."""
    handler = _handlers.get(j.kind)
    try:
        if handler is None:
            raise LookupError(f"no job handler registered for {j.kind!r}")
        with transaction.atomic():
            handler(j.payload)
            # Done commits with the handler's own writes: a crash in between cannot run it twice.
            if not _settle(j, status=Job.Status.DONE, finished_at=timezone.now(), locked_until=None):
                # A stale claim: the job is another worker's now, and what this run wrote goes.
                raise _TakenOver([j.pk])
    except _TakenOver:
        return False
    except Exception as exc:
        _failed(j, exc)
        return False
    return True


def _failed(j: Job, exc: Exception) -> None:
    """A failed attempt: retry after a backoff, or give up after max_attempts; then the kind's hook."""
    log.warning("job %s failed (attempt %s): %s", j, j.attempts, exc)
    error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    if j.attempts >= j.max_attempts:
        settled = _settle(
            j, status=Job.Status.DEAD, finished_at=timezone.now(), locked_until=None, last_error=error
        )
    else:
        retry_at = timezone.now() + backoff(j.attempts)
        settled = _settle(
            j,
            status=Job.Status.QUEUED,
            run_after=retry_at,
            turn_at=_turn(j.kind, retry_at),
            locked_until=None,
            last_error=error,
        )
    if settled:  # a job taken over is the new owner's to report
        _call_failure_hook(j, exc, dead=j.status == Job.Status.DEAD)


def _call_failure_hook(j: Job, exc: Exception, *, dead: bool) -> None:
    hook = _failure_hooks.get(j.kind)
    if hook is None:
        return
    try:
        with transaction.atomic():
            hook(j.payload, exc, dead)
    except Exception:
        log.exception("failure hook of job %s failed", j)


def claim_batch(me: str | None = None, batch_size: int = 50) -> list[Job]:
    """What the worker takes at a time: the next due jobs and, when a kind among them has a batch
    handler, more of that kind up to `batch_size` (a burst, e.g. complaints to route, is cheaper
    taken together)."""
    jobs = claim(me=me)
    batchable = sorted({j.kind for j in jobs} & _batch_handlers.keys())
    if batchable and batch_size > len(jobs):
        jobs += claim(limit=batch_size - len(jobs), me=me, kinds=batchable)
    return jobs


def run_jobs(jobs: list[Job]) -> int:
    """Run claimed jobs: those of a kind with a batch handler together, the rest one by one.
    Returns how many succeeded."""
    by_kind: dict[str, list[Job]] = {}
    for j in jobs:
        by_kind.setdefault(j.kind, []).append(j)
    done = 0
    for kind, group in by_kind.items():
        handler = _batch_handlers.get(kind)
        succeeded = _run_batch(handler, group) if handler is not None and len(group) > 1 else None
        if succeeded is not None:
            done += succeeded
            continue
        done += sum(run_job(j) for j in group)
    return done


def _run_batch(handler: BatchHandler, group: list[Job]) -> int | None:
    """Run a batch; the number of its jobs that succeeded, or None when the whole batch failed (its
    jobs are then to run one by one)."""
    try:
        with transaction.atomic():
            failed = handler([j.payload for j in group]) or {}
            _settle_done([j for i, j in enumerate(group) if i not in failed])
    except Exception as exc:
        log.warning("batch of %s %s jobs failed, running them one by one: %s", len(group), group[0].kind, exc)
        for j in group:
            j.status = Job.Status.RUNNING  # the commit may have failed after _settle_done set them
        return None
    for i, error in sorted(failed.items()):
        _failed(group[i], error)
    return len(group) - len(failed)


def _settle_done(group: list[Job]) -> None:
    """`_settle` of a whole batch as done, one statement per number of attempts (almost always one).
    A job another worker took over meanwhile raises _TakenOver: the batch rolls back and its jobs run
    alone."""
    done = {"status": Job.Status.DONE, "finished_at": timezone.now(), "locked_until": None}
    by_attempts: dict[tuple[int, str | None], list[int]] = {}
    for j in group:
        by_attempts.setdefault((j.attempts, j.locked_by), []).append(j.pk)
    for (attempts, locked_by), pks in by_attempts.items():
        mine = Job.objects.filter(pk__in=pks, attempts=attempts, locked_by=locked_by)
        if mine.update(**done) != len(pks):
            raise _TakenOver(pks)
    for j in group:
        for name, value in done.items():
            setattr(j, name, value)


class _TakenOver(Exception):
    pass


def run_due_periodics(now: dt.datetime | None = None) -> list[str]:
    """Run each periodic task whose time has come; the row lock makes one worker run it.

    A task that fails is logged and tried again next period; it does not hold up the others.
    """
    ran = []
    for p in _periodics.values():
        at = now or timezone.now()
        PeriodicRun.objects.get_or_create(name=p.name, defaults={"next_run_at": at})
        with transaction.atomic():
            row = (
                PeriodicRun.objects.select_for_update(skip_locked=True)
                .filter(name=p.name, next_run_at__lte=at)
                .first()
            )
            if row is None:
                continue
            try:
                with transaction.atomic():  # a failed run leaves none of its writes behind
                    result = p.func()
            except Exception as exc:
                log.exception("periodic task %s failed", p.name)
                result = f"failed: {exc}"
            row.last_run_at, row.next_run_at = at, at + p.every
            row.last_result = str(result)[:2000]
            row.save()
            ran.append(p.name)
    return ran


def work(
    *,
    once: bool = False,
    idle_sleep: float = 1.0,
    stop: Callable[[], bool] = lambda: False,
    batch_size: int = 50,
) -> int:
    """The worker loop: periodic tasks, then due jobs. Returns the number of jobs run."""
    me, count = worker_id(), 0
    periodics_checked_at = -PERIODIC_CHECK_SECONDS
    while not stop():
        close_old_connections()
        # Periodic tasks run every minute at most; asking the database whether one is due on every
        # turn of a busy loop (eight statements) cost more than the jobs of a small burst.
        if time.monotonic() - periodics_checked_at >= PERIODIC_CHECK_SECONDS:
            periodics_checked_at = time.monotonic()
            try:
                run_due_periodics()
            except Exception:
                log.exception("periodic task failed")
        jobs = claim_batch(me=me, batch_size=batch_size)
        run_jobs(jobs)
        count += len(jobs)
        if once and not jobs:
            return count
        if not jobs:
            time.sleep(idle_sleep)
    return count
