"""Notification API: the outbox (platform admins, agency admins, auditors) and a person's own messages."""

import datetime as dt
import math

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import django_auth
from pydantic import Field

from . import services
from .models import Notification

router = Router(auth=django_auth)


class Filters(Schema):
    channel: str = Field("", description="email, sms or line; empty for all")
    status: str = Field("", description="pending, sent or failed; empty for all")
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)


class NotificationOut(Schema):
    id: int
    channel: str
    recipient: str = Field(description="Masked unless the caller is a platform admin or the addressee")
    language: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str
    adapter: str = Field(description="What handled it: django, http, line, or record (demo: not sent)")
    agency: str | None = Field(description="Code of the agency the message was sent for")
    related_type: str
    related_id: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


class NotificationPage(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    items: list[NotificationOut]


def _out(note: Notification, recipient: str) -> dict:
    return {
        "id": note.pk,
        "channel": note.channel,
        "recipient": recipient,
        "language": note.language,
        "subject": note.subject,
        "body": note.body,
        "status": note.status,
        "attempts": note.attempts,
        "last_error": note.last_error,
        "adapter": note.adapter,
        "agency": note.agency.code if note.agency else None,
        "related_type": note.related_type,
        "related_id": note.related_id,
        "created_at": note.created_at,
        "sent_at": note.sent_at,
    }


def _page(
    request: HttpRequest, queryset: QuerySet[Notification], filters: Filters, full: bool | None
) -> dict:
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    notes = queryset.select_related("agency")[start : start + filters.page_size]
    return {
        "count": count,
        "page": filters.page,
        "pages": math.ceil(count / filters.page_size),
        "page_size": filters.page_size,
        "items": [_out(n, services.recipient_for(n, request.user, full=full)) for n in notes],
    }


@router.get("/outbox", response=NotificationPage, summary="The notification outbox, newest first")
def outbox(request: HttpRequest, filters: Query[Filters]):
    notes = services.outbox(request.user, channel=filters.channel, status=filters.status)
    return _page(request, notes, filters, services.shows_full_recipients(request.user))


@router.get("/mine", response=NotificationPage, summary="Messages sent to the signed-in person")
def mine(request: HttpRequest, filters: Query[Filters]):
    notes = services.messages_of(request.user, channel=filters.channel, status=filters.status)
    return _page(request, notes, filters, True)
