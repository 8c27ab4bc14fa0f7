"""The http SMS adapter against a real HTTP server on 127.0.0.1, through the job queue."""

import logging

import pytest
from django.test import override_settings
from django.utils import timezone

from pracha.audit.models import AuditRecord
from pracha.core import queue
from pracha.core.models import Job
from pracha.notify import delivery, services
from pracha.notify.models import Notification

from .conftest import PHONE, TEXT, run_due
from .servers import Answer, closed_port_url, serving

pytestmark = pytest.mark.django_db
TOKEN = "sms-test-token"


def gateway(server_url: str):
    return override_settings(
        PRACHA_SMS_ADAPTER="http", PRACHA_SMS_URL=f"{server_url}/v1/sms", PRACHA_SMS_TOKEN=TOKEN
    )


def queue_sms(person) -> Notification:
    (note,) = services.notify_user(person, **TEXT, channels=["sms"])
    return note


def make_due_now() -> None:
    """Move the clock past the backoff: the retried job becomes due."""
    Job.objects.filter(status=Job.Status.QUEUED).update(run_after=timezone.now())


def test_success_posts_the_documented_json_with_the_bearer_token(make_person):
    note = queue_sms(make_person())
    with serving(Answer(200, {"id": "gw-42"})) as server, gateway(server.url):
        assert run_due() == [True]

    (request,) = server.seen
    assert request.path == "/v1/sms"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers["idempotency-key"] == f"pracha-notification-{note.pk}"
    assert request.json() == {
        "to": "+66812345678",
        "text": "คำขอของท่านได้รับอนุมัติ\nคำขอเลขที่ 123 ได้รับอนุมัติแล้ว",
        "reference": f"pracha-notification-{note.pk}",
    }
    note.refresh_from_db()
    assert (note.status, note.attempts, note.provider_ref, note.adapter) == ("sent", 1, "gw-42", "http")
    assert Job.objects.get().status == Job.Status.DONE


def test_503_is_retried_by_the_queue_and_then_delivered(make_person, caplog):
    note = queue_sms(make_person())
    with serving(Answer(503, {"error": "busy"}), Answer(200, {"id": "gw-2"})) as server, gateway(server.url):
        with caplog.at_level(logging.INFO):
            assert run_due() == [False]
        note.refresh_from_db()
        assert (note.status, note.attempts) == ("pending", 1)
        assert "HTTP 503" in note.last_error
        job = Job.objects.get()
        assert job.status == Job.Status.QUEUED and job.run_after > timezone.now()
        assert run_due() == []  # backing off: nothing due yet

        make_due_now()
        with caplog.at_level(logging.INFO):
            assert run_due() == [True]

    assert len(server.seen) == 2
    assert {r.headers["idempotency-key"] for r in server.seen} == {f"pracha-notification-{note.pk}"}
    note.refresh_from_db()
    assert (note.status, note.attempts, note.last_error, note.provider_ref) == ("sent", 2, "", "gw-2")
    assert Job.objects.get().status == Job.Status.DONE
    trail = AuditRecord.objects.filter(object_type="notify.notification", object_id=str(note.pk))
    assert list(trail.order_by("seq").values_list("action", flat=True)) == [
        "notify.queued",
        "notify.attempt_failed",
        "notify.sent",
    ]
    # No log line carries the phone number, in any form.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "notification" in logged
    assert "12345678" not in logged


def test_400_fails_for_good_without_retry_and_masks_what_the_gateway_echoes(make_person, caplog):
    note = queue_sms(make_person())
    rejection = Answer(400, {"error": "number +66812345678 is barred"})
    with serving(rejection) as server, gateway(server.url), caplog.at_level(logging.INFO):
        assert run_due() == [True]  # the job is finished: retrying would not help
        make_due_now()
        assert run_due() == []

    assert len(server.seen) == 1
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("failed", 1)
    assert "HTTP 400" in note.last_error and "is barred" in note.last_error
    assert "812345678" not in note.last_error
    assert "812345678" not in "\n".join(r.getMessage() for r in caplog.records)


def test_unreachable_gateway_and_timeouts_are_retryable(make_person, monkeypatch):
    note = queue_sms(make_person())
    with gateway(closed_port_url()):
        assert run_due() == [False]
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("pending", 1)
    assert "unreachable" in note.last_error

    monkeypatch.setattr(delivery, "READ_TIMEOUT", 0.2)
    make_due_now()
    with serving(Answer(200, {"id": "late"}, delay=1.0)) as server, gateway(server.url):
        assert run_due() == [False]
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("pending", 2)
    assert "timed out" in note.last_error.lower()


def test_the_message_is_marked_failed_when_the_queue_gives_up(make_person):
    note = queue_sms(make_person())
    Job.objects.update(max_attempts=2)
    with serving(Answer(502)) as server, gateway(server.url):
        assert run_due() == [False]
        make_due_now()
        assert run_due() == [False]
    assert Job.objects.get().status == Job.Status.DEAD
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("failed", 2)
    assert "HTTP 502" in note.last_error


def test_an_invalid_number_fails_without_calling_the_gateway(make_person):
    note = queue_sms(make_person(phone="12345"))
    with serving() as server, gateway(server.url):
        assert run_due() == [True]
    assert server.seen == []
    note.refresh_from_db()
    assert note.status == "failed"
    assert "12345" not in note.last_error


def test_record_adapter_marks_delivered_and_sends_nothing(make_person):
    note = queue_sms(make_person())
    with serving() as server, gateway(server.url), override_settings(PRACHA_SMS_ADAPTER="record"):
        assert run_due() == [True]
    assert server.seen == []
    note.refresh_from_db()
    assert (note.status, note.adapter, note.recipient) == ("sent", "record", PHONE)


def test_a_burst_is_sent_together_and_a_busy_answer_retries_only_its_own_message(make_person):
    """The worker delivers a burst in one transaction; a message the gateway refused for now is
    retried alone, and the messages already sent are not sent again."""
    first, busy, last = (queue_sms(make_person(f"person{i}")) for i in range(3))
    answers = Answer(200, {"id": "gw-1"}), Answer(503, {"error": "busy"}), Answer(200, {"id": "gw-3"})
    with serving(*answers, Answer(200, {"id": "gw-2"})) as server, gateway(server.url):
        assert queue.run_jobs(queue.claim_batch(me="test-worker")) == 2
        assert Notification.objects.get(pk=busy.pk).status == "pending"
        make_due_now()
        assert queue.run_jobs(queue.claim_batch(me="test-worker")) == 1

    keys = [r.headers["idempotency-key"] for r in server.seen]
    assert keys == [f"pracha-notification-{n.pk}" for n in (first, busy, last, busy)]
    outcome = {n.pk: (n.status, n.attempts, n.provider_ref) for n in Notification.objects.all()}
    assert outcome == {
        first.pk: ("sent", 1, "gw-1"),
        busy.pk: ("sent", 2, "gw-2"),
        last.pk: ("sent", 1, "gw-3"),
    }
    assert set(Job.objects.values_list("status", flat=True)) == {Job.Status.DONE}
    trail = AuditRecord.objects.filter(object_type="notify.notification", object_id=str(busy.pk))
    assert list(trail.order_by("seq").values_list("action", flat=True)) == [
        "notify.queued",
        "notify.attempt_failed",
        "notify.sent",
    ]


def test_a_burst_out_of_time_leaves_the_rest_to_new_jobs(make_person, monkeypatch):
    """A slow provider must not hold a burst (its lease, its row locks) for long: after the burst's
    time the messages it did not try stay pending, untried, each with a new job."""
    monkeypatch.setattr(delivery, "BURST_SECONDS", 0.0)
    notes = [queue_sms(make_person(f"person{i}")) for i in range(3)]
    with serving(Answer(200, {"id": "gw"})) as server, gateway(server.url):
        assert queue.run_jobs(queue.claim_batch(me="test-worker")) == 3
        assert len(server.seen) == 1  # the first message is always tried
        assert Job.objects.filter(status=Job.Status.QUEUED).count() == 2
        while queue.run_jobs(queue.claim_batch(me="test-worker")):
            pass
    assert len(server.seen) == 3
    assert {n.status for n in Notification.objects.filter(pk__in=[n.pk for n in notes])} == {"sent"}
    assert Notification.objects.filter(attempts=1).count() == 3
