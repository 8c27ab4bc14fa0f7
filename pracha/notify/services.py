"""Queue notifications. Call inside the transaction of the change being announced: the message row
and its delivery job commit (or roll back) with it, and the worker delivers them afterwards."""

from __future__ import annotations

from django.db import models, transaction

from pracha.core.queue import enqueue

from .models import Notification

Text = dict[str, str]  # {"th": "...", "en": "..."}


def _pick(text: Text, language: str) -> str:
    return text.get(language) or text.get("th") or text.get("en") or ""


def send(
    channel: str,
    recipient: str,
    *,
    subject: Text,
    body: Text,
    language: str = "th",
    user=None,
    related: models.Model | tuple[str, str] | None = None,
) -> Notification:
    if isinstance(related, models.Model):
        related = (related._meta.label_lower, str(related.pk))
    rtype, rid = related or ("", "")
    with transaction.atomic():
        note = Notification.objects.create(
            channel=channel,
            recipient=recipient,
            user=user,
            language=language,
            subject=_pick(subject, language)[:200],
            body=_pick(body, language),
            related_type=rtype,
            related_id=rid,
        )
        enqueue("notify.deliver", {"notification_id": note.pk})
    return note


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
) -> list[Notification]:
    """Tell a user something on every channel they can be reached on (or only `channels`)."""
    language = getattr(user, "preferred_language", "th") or "th"
    return [
        send(channel, address, subject=subject, body=body, language=language, user=user, related=related)
        for channel, address in channels_of(user)
        if channels is None or channel in channels
    ]
