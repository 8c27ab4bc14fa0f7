"""update_rows and insert_row: rows written with statements of our own, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pracha.core.bulk import insert_row, update_rows
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


def _stored(model, pk: int) -> dict:
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return model.objects.filter(pk=pk).values(*fields).get()


def test_insert_row_stores_what_save_stores_in_one_statement():
    from decimal import Decimal

    from pracha.complaints.models import Complaint

    now = timezone.now()

    def job() -> Job:
        return Job(
            kind="k", payload={"ไทย": [1, 2.5, None, "'q'"]}, run_after=now, turn_at=now, created_at=now
        )

    def complaint() -> Complaint:
        return Complaint(
            channel="web", text="ไฟดับ 'ทั้งซอย'", tracking_code="ABCDEFGH", latitude=Decimal("13.756331"),
            longitude=Decimal("100.501762"), subdistrict_confidence=0.75, received_at=now, created_at=now,
        )  # fmt: skip

    for make in (job, complaint):
        saved = make()
        saved.save()
        if isinstance(saved, Complaint):
            saved.tracking_code = "ZZZZZZZZ"  # unique: the copy below takes the same code
            saved.save()
        with CaptureQueriesContext(connection) as queries:
            inserted = insert_row(make())
        assert len(queries) == 1
        assert inserted.pk and inserted.pk != saved.pk and not inserted._state.adding
        expected = _stored(type(saved), saved.pk)
        if isinstance(saved, Complaint):
            expected["tracking_code"] = "ABCDEFGH"
        assert _stored(type(saved), inserted.pk) == expected
        inserted.save()  # an UPDATE of that row now, not a second INSERT
        assert type(saved).objects.count() == 2


def test_insert_row_saves_a_model_with_receivers_the_usual_way():
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.kind, created))

    post_save.connect(receiver, sender=Job, dispatch_uid="test_insert_row")
    try:
        job = insert_row(Job(kind="heard", payload={}))
    finally:
        post_save.disconnect(dispatch_uid="test_insert_row", sender=Job)
    assert heard == [("heard", True)] and Job.objects.get(pk=job.pk).kind == "heard"
