"""The database job queue: transactional enqueue, leases, retries, dead letters, periodic tasks."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from pracha.audit.models import AuditRecord
from pracha.core import queue
from pracha.core.models import Job, PeriodicRun
from pracha.testing import in_threads, needs_postgres


class Boom(Exception):
    pass


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, moved by hand (the queue and the audit chain read timezone.now())."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta: float) -> None:
            self.now += dt.timedelta(**delta)

    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


@pytest.fixture
def handlers(monkeypatch):
    """Test job kinds and periodic tasks, registered for this test only (the real ones stay out)."""
    monkeypatch.setattr(queue, "_handlers", {})
    monkeypatch.setattr(queue, "_failure_hooks", {})
    monkeypatch.setattr(queue, "_batch_handlers", {})
    monkeypatch.setattr(queue, "_periodics", {})
    monkeypatch.setattr(queue, "_gives_way", {})
    failures = {"left": 0}

    @queue.job("tests.write")
    def write(payload: dict) -> None:
        # A real write in the handler's transaction, so a failure can be seen to roll it back.
        AuditRecord.objects.create(
            seq=10_000 + payload["n"], at=timezone.now(), actor="t", action="tests.ran", object_type="t",
            object_id=str(payload["n"]), prev_hash="-", hash="-",
        )  # fmt: skip
        if failures["left"] > 0:
            failures["left"] -= 1
            raise Boom(f"handler failed for {payload['n']}")

    return failures


def ran(n: int) -> bool:
    return AuditRecord.objects.filter(action="tests.ran", object_id=str(n)).exists()


pytestmark = pytest.mark.django_db


def test_enqueue_in_a_rolled_back_transaction_leaves_nothing(handlers):
    with pytest.raises(Boom), transaction.atomic():
        queue.enqueue("tests.write", {"n": 1})
        raise Boom
    assert not Job.objects.exists()
    with transaction.atomic():
        queue.enqueue("tests.write", {"n": 2})
    assert list(Job.objects.values_list("payload", flat=True)) == [{"n": 2}]


def test_enqueue_of_an_unknown_kind_is_refused(handlers):
    with pytest.raises(LookupError):
        queue.enqueue("tests.nobody_handles_this", {})
    assert not Job.objects.exists()


def test_claim_run_done(handlers, clock):
    job = queue.enqueue("tests.write", {"n": 1})
    (claimed,) = queue.claim(me="worker-a")
    assert claimed.pk == job.pk
    job.refresh_from_db()
    assert (job.status, job.attempts, job.locked_by) == ("running", 1, "worker-a")
    assert job.locked_until == clock.now + queue.LEASE
    assert queue.claim(me="worker-b") == []  # leased: nobody else takes it

    assert queue.run_job(claimed) is True
    job.refresh_from_db()
    assert (job.status, job.locked_until, job.finished_at) == ("done", None, clock.now)
    assert ran(1)
    clock.advance(hours=1)
    assert queue.claim(me="worker-b") == []  # done is done


def test_a_job_waits_for_its_time(handlers, clock):
    queue.enqueue("tests.write", {"n": 1}, run_after=clock.now + dt.timedelta(minutes=10))
    assert queue.claim() == []
    clock.advance(minutes=10)
    assert len(queue.claim()) == 1


def test_claim_takes_due_jobs_oldest_first_up_to_the_limit(handlers, clock):
    for n in range(5):
        queue.enqueue("tests.write", {"n": n})
        clock.advance(seconds=1)
    first = queue.claim(limit=3)
    assert [j.payload["n"] for j in first] == [0, 1, 2]
    assert [j.payload["n"] for j in queue.claim(limit=3)] == [3, 4]


def test_a_kind_that_gives_way_waits_behind_work_due_meanwhile_but_not_longer(handlers, clock):
    queue.job("tests.later", gives_way=dt.timedelta(seconds=30))(lambda payload: None)
    queue.enqueue("tests.later", {"n": "check 1"})
    clock.advance(seconds=1)
    queue.enqueue("tests.write", {"n": 1})
    clock.advance(seconds=28)
    queue.enqueue("tests.write", {"n": 2})
    clock.advance(seconds=2)  # 31 s after the first: routing due from now on waits behind it
    queue.enqueue("tests.write", {"n": 3})
    queue.enqueue("tests.later", {"n": "check 2"})
    assert [j.payload["n"] for j in queue.claim(limit=10)] == [1, 2, "check 1", 3, "check 2"]


def test_a_kind_that_gives_way_runs_at_once_when_nothing_else_is_due(handlers, clock):
    queue.job("tests.later", gives_way=dt.timedelta(seconds=30))(lambda payload: None)
    queue.enqueue("tests.write", {"n": 1}, run_after=clock.now + dt.timedelta(seconds=5))
    queue.enqueue_many("tests.later", [{"n": "check"}])
    assert [j.payload["n"] for j in queue.claim()] == ["check"]


def test_a_retried_job_that_gives_way_keeps_giving_way(handlers, clock):
    failures = {"left": 1}

    def flaky(payload: dict) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise Boom("once")

    queue.job("tests.later", gives_way=dt.timedelta(seconds=30))(flaky)
    queue.enqueue("tests.later", {"n": "check"})
    (j,) = queue.claim()
    assert queue.run_job(j) is False
    job = Job.objects.get()
    assert job.turn_at == job.run_after + dt.timedelta(seconds=30)


def test_giving_way_is_bounded(handlers):
    with pytest.raises(ValueError, match="gives_way"):
        queue.job("tests.never", gives_way=dt.timedelta(hours=1))


def test_failure_backs_off_then_retries(handlers, clock):
    handlers["left"] = 2
    queue.enqueue("tests.write", {"n": 7})

    (j,) = queue.claim()
    assert queue.run_job(j) is False
    job = Job.objects.get()
    assert (job.status, job.attempts, job.locked_until) == ("queued", 1, None)
    assert job.run_after == clock.now + dt.timedelta(seconds=30)
    assert "Boom: handler failed for 7" in job.last_error
    assert not ran(7)  # the failed attempt's writes were rolled back

    clock.advance(seconds=29)
    assert queue.claim() == []  # still backing off
    clock.advance(seconds=1)
    (j,) = queue.claim()
    assert queue.run_job(j) is False
    assert Job.objects.get().run_after == clock.now + dt.timedelta(seconds=60)  # doubled

    clock.advance(seconds=60)
    (j,) = queue.claim()
    assert queue.run_job(j) is True
    job = Job.objects.get()
    assert (job.status, job.attempts) == ("done", 3)
    assert ran(7)


def test_backoff_doubles_up_to_an_hour():
    assert [queue.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert queue.backoff(8).total_seconds() == 3600
    assert queue.backoff(50).total_seconds() == 3600


def test_dead_after_max_attempts(handlers, clock):
    handlers["left"] = 100
    queue.enqueue("tests.write", {"n": 1})
    Job.objects.update(max_attempts=3)
    for attempt in (1, 2, 3):
        (j,) = queue.claim()
        assert j.attempts == attempt
        assert queue.run_job(j) is False
        clock.advance(hours=2)
    job = Job.objects.get()
    assert (job.status, job.attempts, job.finished_at) == ("dead", 3, clock.now - dt.timedelta(hours=2))
    assert "Boom" in job.last_error
    assert queue.claim() == []  # dead letters wait for an operator


def test_the_failure_hook_sees_each_failed_attempt_after_its_rollback(handlers, clock):
    seen = []

    def on_failure(payload: dict, error: Exception, gave_up: bool) -> None:
        # Its own transaction: what it writes stays although the attempt was rolled back.
        seen.append((payload["n"], str(error), gave_up, ran(payload["n"])))
        AuditRecord.objects.create(
            seq=20_000 + len(seen), at=clock.now, actor="t", action="tests.failure_noted", object_type="t",
            object_id=str(payload["n"]),
        )  # fmt: skip

    queue.job("tests.flaky", on_failure=on_failure)(queue._handlers["tests.write"])
    handlers["left"] = 2
    queue.enqueue("tests.flaky", {"n": 5})
    Job.objects.update(max_attempts=2)
    for _ in range(2):
        (j,) = queue.claim()
        queue.run_job(j)
        clock.advance(hours=1)
    assert seen == [(5, "handler failed for 5", False, False), (5, "handler failed for 5", True, False)]
    assert AuditRecord.objects.filter(action="tests.failure_noted").count() == 2


def test_a_job_of_an_unknown_kind_fails_instead_of_crashing_the_worker(handlers):
    Job.objects.create(kind="tests.removed_in_the_last_release", payload={})
    (j,) = queue.claim()
    assert queue.run_job(j) is False
    assert "no job handler registered" in Job.objects.get().last_error


def test_a_job_whose_worker_died_is_claimed_again_after_its_lease(handlers, clock):
    queue.enqueue("tests.write", {"n": 1})
    (by_a,) = queue.claim(me="worker-a")  # ... and worker A dies
    clock.advance(seconds=queue.LEASE.total_seconds() - 1)
    assert queue.claim(me="worker-b") == []
    clock.advance(seconds=2)
    (by_b,) = queue.claim(me="worker-b")
    assert (by_b.pk, by_b.attempts, by_b.locked_by) == (by_a.pk, 2, "worker-b")
    assert queue.run_job(by_b) is True
    assert Job.objects.get().status == "done"


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(handlers, clock):
    queue.enqueue("tests.write", {"n": 1})
    (by_a,) = queue.claim(me="worker-a")
    clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    (by_b,) = queue.claim(me="worker-b")
    assert queue.run_job(by_b) is True

    # Worker A was only slow; its late attempt fails, which must not put the done job back in the queue.
    handlers["left"] = 1
    reported = []
    queue._failure_hooks["tests.write"] = lambda payload, error, gave_up: reported.append(error)
    AuditRecord.objects.filter(action="tests.ran").delete()
    assert queue.run_job(by_a) is False
    job = Job.objects.get()
    assert (job.status, job.attempts, job.locked_by, job.last_error) == ("done", 2, "worker-b", "")
    assert reported == []  # nor report a failure of a job that was delivered


def test_a_stale_claim_that_succeeds_late_writes_nothing(handlers, clock):
    queue.enqueue("tests.write", {"n": 1})
    (by_a,) = queue.claim(me="worker-a")
    clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    (by_b,) = queue.claim(me="worker-b")
    assert queue.run_job(by_b) is True
    # Worker A was only slow and its handler now succeeds: the job is B's, so A's writes are undone.
    assert queue.run_job(by_a) is False
    assert AuditRecord.objects.filter(action="tests.ran").count() == 1
    assert Job.objects.get().locked_by == "worker-b"


def test_a_job_that_keeps_killing_its_worker_ends_dead(handlers, clock):
    reported = []
    queue._failure_hooks["tests.write"] = lambda payload, error, gave_up: reported.append((payload, gave_up))
    queue.enqueue("tests.write", {"n": 1})
    Job.objects.update(max_attempts=2)
    for me in ("worker-a", "worker-b"):
        assert len(queue.claim(me=me)) == 1  # ... and the worker dies
        clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    assert queue.claim(me="worker-c") == []
    job = Job.objects.get()
    assert (job.status, job.attempts, job.finished_at) == ("dead", 2, clock.now)
    assert "stopped without finishing" in job.last_error
    assert reported == [({"n": 1}, True)]  # its kind hears that it was given up, as of any dead job


@pytest.mark.django_db(transaction=True)  # the loop closes stale connections, as between requests
def test_work_once_runs_what_is_due_and_returns(handlers, clock):
    for n in range(12):
        queue.enqueue("tests.write", {"n": n})
    queue.enqueue("tests.write", {"n": 99}, run_after=clock.now + dt.timedelta(days=1))
    assert queue.work(once=True) == 12
    assert Job.objects.filter(status="done").count() == 12
    assert Job.objects.get(status="queued").payload == {"n": 99}


@pytest.mark.django_db(transaction=True)  # the loop closes stale connections, as between requests
def test_a_burst_of_batchable_jobs_runs_together(handlers, clock):
    batches = []

    @queue.batch("tests.write")
    def write_many(payloads: list[dict]) -> None:
        batches.append(sorted(p["n"] for p in payloads))
        for p in payloads:
            queue._handlers["tests.write"](p)

    for n in range(30):
        queue.enqueue("tests.write", {"n": n})
    assert queue.work(once=True, batch_size=25) == 30
    # The first claim takes 10, tops up to 25 with more of the batchable kind; the rest come next.
    assert batches == [list(range(25)), list(range(25, 30))]
    assert Job.objects.filter(status="done").count() == 30 and all(ran(n) for n in range(30))


@pytest.mark.django_db(transaction=True)
def test_a_failing_batch_falls_back_to_one_job_at_a_time(handlers, clock):
    @queue.batch("tests.write")
    def write_many(payloads: list[dict]) -> None:
        for p in payloads:
            queue._handlers["tests.write"](p)
        handlers["left"] = 1  # then, alone, the first job fails once more and is retried later
        raise Boom("the batch failed after writing")

    for n in range(3):
        queue.enqueue("tests.write", {"n": n})
    assert queue.work(once=True) == 3
    # The batch's writes were rolled back; each job then ran alone with its own outcome.
    assert [ran(n) for n in range(3)] == [False, True, True]
    failed = Job.objects.get(payload={"n": 0})
    assert failed.status == "queued" and failed.attempts == 1 and "handler failed for 0" in failed.last_error
    assert Job.objects.filter(status="done").count() == 2


def test_a_batch_reports_the_items_that_failed_on_their_own_and_only_those_are_retried(handlers, clock):
    """An item whose effect cannot be rolled back (a message sent) must not be run again because
    another item of its batch failed: the batch reports the failed ones, the rest are done."""
    hooked = []
    queue._failure_hooks["tests.write"] = lambda payload, error, dead: hooked.append((payload["n"], dead))

    @queue.batch("tests.write")
    def write_many(payloads: list[dict]) -> dict[int, Exception]:
        failed = {}
        for i, p in enumerate(payloads):
            if p["n"] == 1:
                failed[i] = Boom("gateway busy")
            else:
                queue._handlers["tests.write"](p)
        return failed

    for n in range(3):
        queue.enqueue("tests.write", {"n": n})
    assert queue.run_jobs(queue.claim_batch()) == 2  # succeeded
    assert [ran(n) for n in range(3)] == [True, False, True]
    retried = Job.objects.get(payload={"n": 1})
    assert retried.status == "queued" and retried.attempts == 1 and "gateway busy" in retried.last_error
    assert retried.run_after > clock.now and hooked == [(1, False)]
    assert Job.objects.filter(status="done").count() == 2


# --- periodic tasks ---------------------------------------------------------------------------------


def test_a_periodic_task_runs_once_per_period(handlers, clock):
    runs = []
    queue.periodic("tests.tick", every_seconds=60)(lambda: runs.append(1) or "ticked")
    t0 = clock.now
    assert queue.run_due_periodics(t0) == ["tests.tick"]
    assert queue.run_due_periodics(t0 + dt.timedelta(seconds=30)) == []
    assert queue.run_due_periodics(t0 + dt.timedelta(seconds=59)) == []
    assert queue.run_due_periodics(t0 + dt.timedelta(seconds=60)) == ["tests.tick"]
    assert len(runs) == 2
    row = PeriodicRun.objects.get(name="tests.tick")
    assert (row.last_run_at, row.next_run_at, row.last_result) == (
        t0 + dt.timedelta(seconds=60),
        t0 + dt.timedelta(seconds=120),
        "ticked",
    )


def test_a_failing_periodic_task_does_not_hold_up_the_others(handlers, clock):
    def broken() -> None:
        AuditRecord.objects.create(
            seq=1, at=clock.now, actor="t", action="tests.half_done", object_type="t", object_id="1"
        )
        raise Boom("sweep broke")

    queue.periodic("tests.broken", every_seconds=60)(broken)
    queue.periodic("tests.fine", every_seconds=60)(lambda: "ok")
    t0 = clock.now
    assert queue.run_due_periodics(t0) == ["tests.broken", "tests.fine"]
    broken_row = PeriodicRun.objects.get(name="tests.broken")
    assert broken_row.last_result == "failed: sweep broke"
    assert broken_row.next_run_at == t0 + dt.timedelta(seconds=60)  # tried again next period
    assert not AuditRecord.objects.filter(action="tests.half_done").exists()  # its writes undone
    assert PeriodicRun.objects.get(name="tests.fine").last_result == "ok"


# --- several workers at once (PostgreSQL: row locks; SQLite serialises all writers) ------------------


def _needs_postgres() -> None:
    needs_postgres("concurrent workers need PostgreSQL (SQLite serialises writers)")


def _slow_updates(execute, sql, params, many, context):
    # Hold the claim's row locks a little longer, so that the claimers really overlap.
    if sql.lstrip().upper().startswith("UPDATE"):
        time.sleep(0.02)
    return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_concurrent_claimers_never_get_the_same_job(handlers):
    _needs_postgres()
    for n in range(60):
        queue.enqueue("tests.write", {"n": n})

    def claimer(i: int) -> list[int]:
        mine = []
        with connection.execute_wrapper(_slow_updates):
            while jobs := queue.claim(limit=4, me=f"worker-{i}"):
                mine += [j.pk for j in jobs]
        return mine

    claimed = in_threads(3, claimer)
    every = [pk for mine in claimed for pk in mine]
    assert len(every) == len(set(every)) == 60
    assert all(claimed), "each claimer got work while the others held their locks"
    assert set(Job.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_two_workers_run_a_periodic_task_once_per_period(handlers, clock):
    _needs_postgres()
    runs = []

    def tick() -> str:
        runs.append(threading.get_ident())
        time.sleep(0.3)  # still running when the other worker looks
        return "ticked"

    queue.periodic("tests.tick", every_seconds=60)(tick)
    t0 = clock.now
    for period in range(3):
        at = t0 + dt.timedelta(seconds=60 * period)
        results = in_threads(2, lambda i, at=at: queue.run_due_periodics(at))
        assert sorted(results) == [[], ["tests.tick"]]
    assert len(runs) == 3
    assert PeriodicRun.objects.get(name="tests.tick").next_run_at == t0 + dt.timedelta(seconds=180)
