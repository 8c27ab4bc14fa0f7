"""E-mail through Django's mail backends."""

import pytest
from django.core import mail
from django.test import override_settings

from pracha.audit.models import AuditRecord
from pracha.core.models import Job
from pracha.notify import services
from pracha.notify.delivery import deliver_notification
from pracha.notify.models import Notification

from .conftest import TEXT, run_due
from .servers import closed_port_url

pytestmark = pytest.mark.django_db

LOCMEM = {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "PRACHA_EMAIL_ADAPTER": "django"}


@override_settings(**LOCMEM)
@pytest.mark.parametrize(
    ("language", "subject", "footer"),
    [
        ("en", "Your request was approved", "Please do not reply"),
        ("th", "คำขอของท่านได้รับอนุมัติ", "โปรดอย่าตอบกลับ"),
    ],
)
def test_email_goes_out_once_in_the_recipients_language(make_person, language, subject, footer):
    person = make_person(preferred_language=language)
    (note,) = services.notify_user(person, **TEXT, channels=["email"])

    assert run_due() == [True]

    (message,) = mail.outbox
    assert message.to == [person.email]
    assert message.subject == subject
    assert footer in message.body
    assert message.extra_headers["Content-Language"] == language
    note.refresh_from_db()
    assert (note.status, note.attempts, note.adapter) == ("sent", 1, "django")
    assert note.sent_at is not None
    assert note.provider_ref == message.extra_headers["Message-ID"].strip("<>")
    assert AuditRecord.objects.filter(action="notify.sent", object_id=str(note.pk)).count() == 1

    # Idempotent: running the delivery again (a duplicate job, a slow worker) sends nothing more.
    deliver_notification(note.pk)
    assert len(mail.outbox) == 1


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="127.0.0.1",
    EMAIL_PORT=int(closed_port_url().rsplit(":", 1)[1]),
    EMAIL_TIMEOUT=2,
    PRACHA_EMAIL_ADAPTER="django",
)
def test_unreachable_mail_server_is_retried_later_and_the_error_kept(make_person):
    (note,) = services.notify_user(make_person(), **TEXT, channels=["email"])

    assert run_due() == [False]

    note.refresh_from_db()
    assert note.status == "pending"
    assert note.attempts == 1
    assert "mail server unreachable" in note.last_error
    job = Job.objects.get(kind="notify.deliver")
    assert job.status == Job.Status.QUEUED and job.attempts == 1
    assert run_due() == []  # not due again before its backoff


@override_settings(PRACHA_EMAIL_ADAPTER="record")
def test_record_adapter_marks_delivered_without_sending(make_person):
    (note,) = services.notify_user(make_person(), **TEXT, channels=["email"])
    assert run_due() == [True]
    note.refresh_from_db()
    assert (note.status, note.adapter) == (Notification.Status.SENT, "record")
    assert mail.outbox == []
