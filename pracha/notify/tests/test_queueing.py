"""The outbox and its job commit or roll back with the caller's change; a dead worker's job is redone once."""

import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from pracha.core import queue
from pracha.core.models import Job
from pracha.notify import services
from pracha.notify.delivery import deliver_notification
from pracha.notify.models import Notification

from .conftest import TEXT
from .servers import Answer, serving


class Abandoned(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_neither_notification_nor_job(make_person):
    person = make_person()
    with pytest.raises(Abandoned), transaction.atomic():
        notes = services.notify_user(person, **TEXT)
        assert len(notes) == 2  # SMS and e-mail, both written inside the transaction
        raise Abandoned
    assert not Notification.objects.exists()
    assert not Job.objects.exists()

    with transaction.atomic():
        services.notify_user(person, **TEXT)
    assert Notification.objects.count() == Job.objects.filter(kind="notify.deliver").count() == 2


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_delivered_once_by_another_worker(make_person, monkeypatch):
    (note,) = services.notify_user(make_person(), **TEXT, channels=["sms"])
    with (
        serving(Answer(200, {"id": "gw-1"})) as server,
        override_settings(
            PRACHA_SMS_ADAPTER="http", PRACHA_SMS_URL=f"{server.url}/sms", PRACHA_SMS_TOKEN="t"
        ),
    ):
        (claimed,) = queue.claim(me="worker-a")  # worker A takes the job, then dies before running it
        assert queue.claim(me="worker-b") == []  # its lease keeps others away

        later = timezone.now() + queue.LEASE + dt.timedelta(seconds=1)
        monkeypatch.setattr(timezone, "now", lambda: later)
        (retaken,) = queue.claim(me="worker-b")
        assert retaken.pk == claimed.pk and retaken.locked_by == "worker-b" and retaken.attempts == 2
        assert queue.run_job(retaken)

        # Were worker A only slow, its late run (or any duplicate job) must not send again; that run
        # is no longer A's to settle, so whatever it wrote is rolled back.
        assert queue.run_job(claimed) is False
        deliver_notification(note.pk)
        assert queue.claim(me="worker-c") == []

    assert len(server.seen) == 1
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("sent", 1)


@pytest.mark.django_db
def test_many_messages_are_queued_together_each_with_its_job_and_audit_entry(make_person):
    from pracha.audit.models import AuditRecord

    people = [make_person("somchai"), make_person("somsri")]
    messages = [m for p in people for m in services.user_messages(p, **TEXT)]
    assert [m.channel for m in messages] == ["sms", "email", "sms", "email"]
    notes = services.send_many(messages)
    assert [n.pk for n in notes] == sorted(n.pk for n in notes) and None not in [n.pk for n in notes]
    assert [n.recipient for n in notes] == [m.recipient for m in messages]
    jobs = Job.objects.filter(kind="notify.deliver").order_by("pk")
    assert [j.payload["notification_id"] for j in jobs] == [n.pk for n in notes]
    audited = AuditRecord.objects.filter(action="notify.queued").order_by("seq")
    assert [r.object_id for r in audited] == [str(n.pk) for n in notes]
    assert services.send_many([]) == []
