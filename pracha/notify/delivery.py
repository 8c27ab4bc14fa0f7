"""Deliver queued notifications: one adapter per channel and kind, chosen in settings.

    PRACHA_EMAIL_ADAPTER = django | record      (django: through Django's EMAIL_BACKEND)
    PRACHA_SMS_ADAPTER   = http   | record      (http: the generic gateway contract in docs/decisions/0300)
    PRACHA_LINE_ADAPTER  = line   | record      (line: LINE Messaging API push message)

"record" delivers nothing: it marks the message delivered so the demo's outbox shows what was "sent".

An adapter raises RetryableDeliveryError when trying again later may work (timeouts, 5xx, the network)
and PermanentDeliveryError when it never will (a 4xx answer, an impossible address). deliver_notification
marks permanent failures `failed`; retryable ones propagate so the job queue retries them with backoff,
and record_failed_attempt (the queue's failure hook) keeps the error after the attempt is rolled back.
Error texts are masked: they end up in the database, the job table and log lines.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from pracha.audit.chain import Entry, append_many, object_ref, record
from pracha.core.bulk import update_rows
from pracha.core.masking import mask_text
from pracha.core.thai_id import is_valid_phone, normalize_phone

from .models import Notification
from .services import mask_recipient

log = logging.getLogger("pracha.notify")

# Connect and read timeouts (seconds) for the SMS gateway and the LINE API: a slow provider must not
# hold a worker (and, on SQLite, the database write lock) for long; the queue tries again later.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
LINE_TEXT_LIMIT = 5000  # characters in one LINE text message
# Fixed namespace so a notification always gets the same LINE retry key (LINE then sends it once).
LINE_RETRY_NAMESPACE = uuid.UUID("6f1c3c52-8d0e-4a53-9a3e-6d7f0c1b2a90")


class DeliveryError(Exception):
    """A delivery attempt failed. The message must already be masked."""

    retryable: ClassVar[bool] = True


class RetryableDeliveryError(DeliveryError):
    retryable = True


class PermanentDeliveryError(DeliveryError):
    retryable = False


@dataclass(frozen=True)
class Receipt:
    provider_ref: str = ""  # the provider's message ID, when it gives one


class Adapter(ABC):
    channel: ClassVar[str]
    name: ClassVar[str]

    @abstractmethod
    def deliver(self, note: Notification) -> Receipt:
        """Hand the message to the provider or raise a DeliveryError."""


ADAPTERS: dict[tuple[str, str], type[Adapter]] = {}
ADAPTER_SETTINGS = {
    Notification.Channel.EMAIL: "PRACHA_EMAIL_ADAPTER",
    Notification.Channel.SMS: "PRACHA_SMS_ADAPTER",
    Notification.Channel.LINE: "PRACHA_LINE_ADAPTER",
}


def register(cls: type[Adapter]) -> type[Adapter]:
    ADAPTERS[(cls.channel, cls.name)] = cls
    return cls


def adapter_for(channel: str) -> Adapter:
    setting = ADAPTER_SETTINGS.get(channel)
    if setting is None:
        raise ImproperlyConfigured(f"no delivery channel {channel!r}")
    name = getattr(settings, setting)
    cls = ADAPTERS.get((channel, name))
    if cls is None:
        known = sorted(n for c, n in ADAPTERS if c == channel)
        raise ImproperlyConfigured(f"{setting}={name!r} is not one of {known}")
    return cls()


def text_of(note: Notification) -> str:
    """SMS and LINE carry one text: the subject on the first line, then the body."""
    return f"{note.subject}\n{note.body}".strip() if note.body else note.subject


# --- Record only (demo and tests): nothing leaves the machine ---------------------------------------


class RecordAdapter(Adapter):
    name = "record"

    def deliver(self, note: Notification) -> Receipt:
        return Receipt()


@register
class RecordEmail(RecordAdapter):
    channel = Notification.Channel.EMAIL


@register
class RecordSms(RecordAdapter):
    channel = Notification.Channel.SMS


@register
class RecordLine(RecordAdapter):
    channel = Notification.Channel.LINE


# --- E-mail through Django's mail backend ----------------------------------------------------------


@register
class DjangoEmail(Adapter):
    channel = Notification.Channel.EMAIL
    name = "django"

    def deliver(self, note: Notification) -> Receipt:
        with translation.override(note.language):
            footer = gettext(
                "This message was sent by Pracha, the digital government platform. Please do not reply to it."
            )
        # The same Message-ID on every attempt lets mail systems drop a copy sent twice.
        message_id = f"<pracha-notification-{note.pk}@{DNS_NAME}>"
        message = EmailMessage(
            subject=note.subject,
            body=f"{note.body}\n\n-- \n{footer}",
            to=[note.recipient],
            headers={"Message-ID": message_id, "Content-Language": note.language},
        )
        try:
            sent = message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            error = f"the mail server refused the recipient (SMTP {', '.join(map(str, codes))})"
            if all(400 <= code < 500 for code in codes):
                raise RetryableDeliveryError(error) from None
            raise PermanentDeliveryError(error) from None
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as exc:
            # Our own account or sender is refused: an operator can fix it, so keep the message.
            raise RetryableDeliveryError(
                f"the mail server refused our sender (SMTP {exc.smtp_code})"
            ) from None
        except smtplib.SMTPResponseException as exc:
            error = f"the mail server answered SMTP {exc.smtp_code}: {_safe(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise PermanentDeliveryError(error) from None
            raise RetryableDeliveryError(error) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableDeliveryError(f"mail server unreachable: {_safe(exc)}") from None
        except ValueError as exc:  # e.g. an address Django cannot put in a header
            raise PermanentDeliveryError(f"invalid e-mail message: {_safe(exc)}") from None
        if not sent:
            raise PermanentDeliveryError("the mail backend sent nothing")
        return Receipt(provider_ref=message_id.strip("<>"))


# --- SMS through a generic HTTP gateway ------------------------------------------------------------

# No retries here: the job queue retries, with backoff and a record of every attempt.
_http = urllib3.PoolManager(retries=False)


def international_phone(value: str) -> str:
    """0812345678 -> +66812345678 (E.164), the form SMS gateways expect."""
    return "+66" + normalize_phone(value)[1:]


@register
class HttpSms(Adapter):
    channel = Notification.Channel.SMS
    name = "http"

    def deliver(self, note: Notification) -> Receipt:
        url, token = settings.PRACHA_SMS_URL, settings.PRACHA_SMS_TOKEN
        if not url or not token:
            raise ImproperlyConfigured(
                "PRACHA_SMS_URL and PRACHA_SMS_TOKEN must be set for the http SMS adapter"
            )
        if not is_valid_phone(note.recipient):
            raise PermanentDeliveryError(
                f"not a Thai phone number: {mask_recipient(note.channel, note.recipient)}"
            )
        reference = f"pracha-notification-{note.pk}"
        try:
            response = _http.request(
                "POST",
                url,
                json={
                    "to": international_phone(note.recipient),
                    "text": text_of(note),
                    "reference": reference,
                },
                headers={
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": reference,
                    "Accept": "application/json",
                },
                timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
            )
        except urllib3.exceptions.HTTPError as exc:  # connection refused, timeouts, broken answers
            raise RetryableDeliveryError(f"SMS gateway unreachable: {_safe(exc)}") from None
        status = response.status
        if 200 <= status < 300:
            return Receipt(provider_ref=_json_field(response.data, "id"))
        error = f"SMS gateway answered HTTP {status}: {_safe(response.data.decode('utf-8', 'replace'))}"
        # 4xx means the request itself is wrong; only "too slow" and "too many" are worth another try.
        if 400 <= status < 500 and status not in (408, 429):
            raise PermanentDeliveryError(error)
        raise RetryableDeliveryError(error)


def _json_field(data: bytes, field: str) -> str:
    try:
        value = json.loads(data or b"{}").get(field, "")
    except (ValueError, AttributeError):
        return ""
    return str(value)[:100]


# --- LINE through the official SDK (Messaging API push message) -----------------------------------


@register
class LinePush(Adapter):
    channel = Notification.Channel.LINE
    name = "line"

    def deliver(self, note: Notification) -> Receipt:
        from linebot.v3.messaging import (
            ApiClient,
            Configuration,
            MessagingApi,
            PushMessageRequest,
            TextMessage,
        )
        from linebot.v3.messaging.exceptions import ApiException

        token = settings.PRACHA_LINE_CHANNEL_ACCESS_TOKEN
        if not token:
            raise ImproperlyConfigured("PRACHA_LINE_CHANNEL_ACCESS_TOKEN must be set for the line adapter")
        config = Configuration(host=settings.PRACHA_LINE_API_HOST, access_token=token)
        request = PushMessageRequest(
            to=note.recipient, messages=[TextMessage(text=text_of(note)[:LINE_TEXT_LIMIT])]
        )
        # LINE accepts a push with a given retry key once; a repeat answers 409 and is not sent again.
        retry_key = str(uuid.uuid5(LINE_RETRY_NAMESPACE, f"notification-{note.pk}"))
        try:
            with ApiClient(config) as client:
                answer = MessagingApi(client).push_message(
                    request, x_line_retry_key=retry_key, _request_timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
                )
        except ApiException as exc:
            status = exc.status or 0
            if status == 409 and exc.headers and "x-line-accepted-request-id" in exc.headers:
                return Receipt(provider_ref=str(exc.headers["x-line-accepted-request-id"])[:100])
            body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body or "")
            error = f"LINE API answered {status or 'no answer'}: {_safe(body or exc.reason)}"
            if 400 <= status < 500 and status != 429:
                raise PermanentDeliveryError(error) from None
            raise RetryableDeliveryError(error) from None
        except urllib3.exceptions.HTTPError as exc:
            raise RetryableDeliveryError(f"LINE API unreachable: {_safe(exc)}") from None
        sent = answer.sent_messages or []
        return Receipt(provider_ref=sent[0].id if sent else "")


# --- The job -------------------------------------------------------------------------------------------


# +66812345678 (as gateways write numbers) -> 0812345678, which mask_text knows how to mask.
_INTERNATIONAL_TH = re.compile(r"(?<!\d)\+?66[- ]?(?=[2-9]\d{7,8}(?!\d))")


def _safe(value: object, limit: int = 300) -> str:
    """Text fit for the database and logs: personal data masked, length bounded."""
    return mask_text(_INTERNATIONAL_TH.sub("0", str(value)))[:limit]


def describe(error: Exception) -> str:
    if isinstance(error, DeliveryError):
        return str(error)[:1000]
    return _safe(f"{type(error).__name__}: {error}", 1000)


def deliver_notification(notification_id: int) -> Notification | None:
    """Send one queued message; safe to call again (a message that is no longer pending is skipped).

    Raises RetryableDeliveryError (or a configuration error) so that the job queue tries again.
    """
    burst = deliver_notifications([notification_id])
    if burst.failed:
        raise burst.failed[0]
    return burst.notes[0]


_OUTCOME_FIELDS = ["status", "sent_at", "attempts", "last_error", "provider_ref", "adapter"]


# A burst stops sending after this long (slow providers): its lease and its row locks stay short, and
# the messages it did not reach are queued again.
BURST_SECONDS = 20.0


@dataclass
class Burst:
    notes: list[Notification | None]  # each message asked for, None if it no longer exists
    failed: dict[int, Exception]  # by position: attempts that failed for a reason worth retrying
    deferred: list[int]  # ids not tried: the burst ran out of time


def deliver_notifications(notification_ids: list[int], seconds: float | None = None) -> Burst:
    """Send a burst of queued messages in one transaction: one lock of their rows, one write of the
    outcomes, one audit append. A message whose attempt failed for a reason worth retrying stays
    pending and is reported; the others' outcome stands, so that a message already sent is never sent
    again because another failed. After `seconds` the rest are left pending, untried."""
    failed: dict[int, Exception] = {}
    deferred: list[int] = []
    until = time.monotonic() + (BURST_SECONDS if seconds is None else seconds)
    tried = 0
    with transaction.atomic():
        # The row locks make a second worker wait, then see `sent` and skip the message.
        locked = Notification.objects.select_for_update().filter(pk__in=notification_ids)
        by_pk = {note.pk: note for note in locked}
        adapters: dict[str, Adapter] = {}
        changed: list[Notification] = []
        entries: list[Entry] = []
        for position, notification_id in enumerate(notification_ids):
            note = by_pk.get(notification_id)
            if note is None:
                log.warning("notification %s no longer exists; nothing to deliver", notification_id)
                continue
            if note.status != Notification.Status.PENDING:
                log.info("notification %s is already %s; not sending it again", note.pk, note.status)
                continue
            if tried and time.monotonic() > until:
                deferred.append(note.pk)
                continue
            tried += 1
            try:
                if note.channel not in adapters:
                    adapters[note.channel] = adapter_for(note.channel)
                adapter = adapters[note.channel]
                receipt = adapter.deliver(note)
            except PermanentDeliveryError as exc:
                note.status, note.attempts, note.last_error = (
                    Notification.Status.FAILED,
                    note.attempts + 1,
                    describe(exc),
                )
                note.adapter = adapter.name
                changed.append(note)
                entries.append(
                    Entry(
                        "notify.failed",
                        *object_ref(note),
                        {"channel": note.channel, "adapter": adapter.name, "permanent": True},
                    )
                )
                log.warning(
                    "notification %s to %s failed for good: %s",
                    note.pk,
                    mask_recipient(note.channel, note.recipient),
                    note.last_error,
                )
                continue
            except Exception as exc:  # retried by the queue; recorded by its failure hook
                failed[position] = exc
                continue
            note.status, note.sent_at, note.adapter = Notification.Status.SENT, timezone.now(), adapter.name
            note.attempts, note.last_error, note.provider_ref = note.attempts + 1, "", receipt.provider_ref
            changed.append(note)
            entries.append(
                Entry(
                    "notify.sent",
                    *object_ref(note),
                    {"channel": note.channel, "adapter": adapter.name, "attempts": note.attempts},
                )
            )
            log.info(
                "notification %s sent by %s/%s to %s",
                note.pk,
                note.channel,
                adapter.name,
                mask_recipient(note.channel, note.recipient),
            )
        update_rows(changed, _OUTCOME_FIELDS)
        append_many(entries)
    return Burst([by_pk.get(notification_id) for notification_id in notification_ids], failed, deferred)


def record_failed_attempt(notification_id: int, error: Exception, gave_up: bool) -> None:
    """Keep the error of an attempt the queue rolled back; mark the message failed once the queue gives up."""
    with transaction.atomic():
        note = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if note is None or note.status != Notification.Status.PENDING:
            return
        note.attempts, note.last_error = note.attempts + 1, describe(error)
        if gave_up:
            note.status = Notification.Status.FAILED
        note.save(update_fields=["status", "attempts", "last_error"])
        record(
            "notify.failed" if gave_up else "notify.attempt_failed",
            note,
            {"channel": note.channel, "attempts": note.attempts, "permanent": False},
        )
    log.warning(
        "notification %s attempt %s failed%s: %s",
        note.pk,
        note.attempts,
        " (giving up)" if gave_up else "; will retry",
        note.last_error,
    )
