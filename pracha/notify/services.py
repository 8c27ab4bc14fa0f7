"""Queue notifications. Call inside the transaction of the change being announced: the message row
and its delivery job commit (or roll back) with it, and the worker delivers them afterwards
(pracha.notify.delivery). Also: who may read the outbox, and how recipients are shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet

from pracha.audit.chain import Entry, append_many, object_ref
from pracha.core.errors import PrachaError
from pracha.core.masking import mask_phone, mask_text
from pracha.core.queue import enqueue_many
from pracha.identity.models import Role

from .models import Notification

Text = dict[str, str]  # {"th": "...", "en": "..."}


def _pick(text: Text, language: str) -> str:
    return text.get(language) or text.get("th") or text.get("en") or ""


@dataclass(frozen=True)
class Message:
    """One message to queue: `send`'s arguments, for `send_many`."""

    channel: str
    recipient: str
    subject: Text
    body: Text
    language: str = "th"
    user: Any = None
    related: models.Model | tuple[str, str] | None = None
    agency: Any = None


def send(
    channel: str,
    recipient: str,
    *,
    subject: Text,
    body: Text,
    language: str = "th",
    user=None,
    related: models.Model | tuple[str, str] | None = None,
    agency=None,
) -> Notification:
    """Queue one message. `agency` (an Agency or its id) decides who may read it in the outbox; when
    not given it is taken from `related` if that has an agency (e.g. a case)."""
    return send_many([Message(channel, recipient, subject, body, language, user, related, agency)])[0]


def send_many(messages: Iterable[Message]) -> list[Notification]:
    """Queue many messages at once (e.g. everyone told about a burst of routed complaints): one insert
    of the messages, one of their delivery jobs and one append to the audit chain."""
    notes = [_notification(m) for m in messages]
    if not notes:
        return []
    with transaction.atomic():
        Notification.objects.bulk_create(notes)
        enqueue_many("notify.deliver", [{"notification_id": note.pk} for note in notes])
        append_many(
            Entry(
                "notify.queued",
                *object_ref(note),
                {
                    "channel": note.channel,
                    "related": f"{note.related_type}:{note.related_id}" if note.related_type else "",
                },
            )
            for note in notes
        )
    return notes


def _notification(m: Message) -> Notification:
    agency, related = m.agency, m.related
    if agency is None and isinstance(related, models.Model):
        agency = getattr(related, "agency_id", None)
    if isinstance(related, models.Model):
        related = (related._meta.label_lower, str(related.pk))
    rtype, rid = related or ("", "")
    return Notification(
        channel=m.channel,
        recipient=m.recipient,
        user=m.user,
        agency_id=agency.pk if isinstance(agency, models.Model) else agency,
        language=m.language,
        subject=_pick(m.subject, m.language)[:200],
        body=_pick(m.body, m.language),
        related_type=rtype,
        related_id=rid,
    )


def channels_of(user) -> list[tuple[str, str]]:
    """Where a user can be reached, in order: LINE, SMS, e-mail."""
    found = []
    if getattr(user, "line_user_id", ""):
        found.append((Notification.Channel.LINE, user.line_user_id))
    if getattr(user, "phone", ""):
        found.append((Notification.Channel.SMS, user.phone))
    if getattr(user, "email", ""):
        found.append((Notification.Channel.EMAIL, user.email))
    return found


def notify_user(
    user,
    *,
    subject: Text,
    body: Text,
    related: models.Model | tuple[str, str] | None = None,
    channels: list[str] | None = None,
    agency=None,
) -> list[Notification]:
    """Tell a user something on every channel they can be reached on (or only `channels`)."""
    return send_many(
        user_messages(user, subject=subject, body=body, related=related, channels=channels, agency=agency)
    )


def user_messages(
    user,
    *,
    subject: Text,
    body: Text,
    related: models.Model | tuple[str, str] | None = None,
    channels: list[str] | None = None,
    agency=None,
) -> list[Message]:
    """`notify_user`'s messages, to queue with others through `send_many`."""
    language = getattr(user, "preferred_language", "th") or "th"
    return [
        Message(channel, address, subject, body, language, user, related, agency)
        for channel, address in channels_of(user)
        if channels is None or channel in channels
    ]


# --- Reading the outbox --------------------------------------------------------------------------------

OUTBOX_ROLES = (Role.AGENCY_ADMIN, Role.AUDITOR)


def can_see_outbox(user) -> bool:
    """Platform admins, and agency admins and auditors (for their agencies' messages)."""
    from pracha.identity import services as identity  # here: identity may one day send notifications

    if not user.is_authenticated:
        return False
    return identity.is_platform_admin(user) or user.roles.filter(active=True, role__in=OUTBOX_ROLES).exists()


def outbox(user, *, channel: str = "", status: str = "") -> QuerySet[Notification]:
    """The messages `user` may read in the outbox, newest first; platform admins see every message,
    others those of the agencies in their scope. Raises PrachaError when not allowed or a filter is bad."""
    if not user.is_authenticated:
        raise PrachaError("not_authenticated", status=401)
    if not can_see_outbox(user):
        raise PrachaError("permission_denied", status=403)
    from pracha.identity import services as identity

    return _filtered(identity.scope(Notification.objects.all(), user), channel=channel, status=status)


def messages_of(user, *, channel: str = "", status: str = "") -> QuerySet[Notification]:
    """The messages sent to this signed-in person, newest first."""
    if not user.is_authenticated:
        raise PrachaError("not_authenticated", status=401)
    return _filtered(Notification.objects.filter(user=user), channel=channel, status=status)


def _filtered(queryset: QuerySet[Notification], *, channel: str, status: str) -> QuerySet[Notification]:
    if channel and channel not in Notification.Channel.values:
        raise PrachaError("validation_error", status=422, fields={"channel": "invalid"})
    if status and status not in Notification.Status.values:
        raise PrachaError("validation_error", status=422, fields={"status": "invalid"})
    if channel:
        queryset = queryset.filter(channel=channel)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def status_counts(queryset: QuerySet[Notification]) -> dict[str, int]:
    counts = dict.fromkeys(Notification.Status.values, 0)
    for row in queryset.order_by().values("status").annotate(n=models.Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def mask_recipient(channel: str, recipient: str) -> str:
    """An address as the outbox and log lines show it: 081XXXXX78, s***@example.org, U1a2b…"""
    if channel == Notification.Channel.SMS:
        return mask_phone(recipient)
    if channel == Notification.Channel.EMAIL:
        masked = mask_text(recipient)
        return masked if masked != recipient else "***"
    return f"{recipient[:5]}…" if len(recipient) > 5 else "***"


def shows_full_recipients(viewer) -> bool:
    """Only platform admins read whole addresses in the outbox; everyone else sees them masked."""
    from pracha.identity import services as identity

    return identity.is_platform_admin(viewer)


def recipient_for(note: Notification, viewer, *, full: bool | None = None) -> str:
    """How `viewer` may see the recipient of `note`: whole for platform admins and the addressee."""
    if full is None:
        full = shows_full_recipients(viewer) or (note.user_id is not None and note.user_id == viewer.pk)
    return note.recipient if full else mask_recipient(note.channel, note.recipient)
