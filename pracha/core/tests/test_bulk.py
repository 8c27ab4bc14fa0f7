"""update_rows: many rows of one model written in one statement, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pracha.core.bulk import update_rows
from pracha.core.models import Job, PeriodicRun

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_of_every_type():
    jobs = Job.objects.bulk_create([Job(kind="k", payload={"n": i}) for i in range(3)])
    untouched = Job.objects.create(kind="other", payload={"keep": True})
    later = timezone.now() + dt.timedelta(hours=1)
    jobs[0].payload, jobs[0].status, jobs[0].attempts, jobs[0].locked_until = (
        {"a": [1, "ไทย"]},
        "done",
        2,
        later,
    )
    jobs[1].payload, jobs[1].last_error, jobs[1].locked_until = [], "บางอย่าง 'quoted'", None
    jobs[2].payload, jobs[2].attempts = "ข้อความ", 7
    fields = ["payload", "status", "attempts", "locked_until", "last_error"]

    with CaptureQueriesContext(connection) as queries:
        assert update_rows(jobs, fields) == 3
    assert len(queries) == 1

    rows = {j.pk: j for j in Job.objects.all()}
    assert rows[jobs[0].pk].payload == {"a": [1, "ไทย"]}
    assert (rows[jobs[0].pk].status, rows[jobs[0].pk].attempts) == ("done", 2)
    assert rows[jobs[0].pk].locked_until == later
    assert rows[jobs[1].pk].payload == [] and rows[jobs[1].pk].last_error == "บางอย่าง 'quoted'"
    assert rows[jobs[1].pk].locked_until is None
    assert rows[jobs[2].pk].payload == "ข้อความ" and rows[jobs[2].pk].attempts == 7
    assert rows[untouched.pk].payload == {"keep": True} and rows[untouched.pk].kind == "other"


def test_nothing_to_write_runs_no_statement():
    with CaptureQueriesContext(connection) as queries:
        assert update_rows([], ["status"]) == 0
    assert not queries


def test_a_text_primary_key_and_more_rows_than_one_batch(monkeypatch):
    runs = [PeriodicRun.objects.create(name=f"task-{i}") for i in range(7)]
    for i, run in enumerate(runs):
        run.last_result = f"result {i}"
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 3)
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(runs, ["last_result"]) == 7
    assert len(queries) == 3
    assert dict(PeriodicRun.objects.values_list("name", "last_result")) == {
        f"task-{i}": f"result {i}" for i in range(7)
    }
