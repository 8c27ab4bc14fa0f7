"""The LINE Messaging API webhook: a short guided conversation that files a complaint, and answers
to status questions. Official line-bot-sdk v3 throughout.

    POST /complaints/line/webhook      (X-Line-Signature: base64 HMAC-SHA256 of the body)

The signature is checked with the channel secret (PRACHA_LINE_CHANNEL_SECRET) by the SDK's
WebhookParser; a missing or forged one is refused with 400 and nothing is stored. Each event is
handled once (LINE redelivers with the same webhookEventId) in its own transaction, which moves the
user's conversation (LineConversation) one step; the reply goes out after the commit through the
reply token, and a failed reply never undoes a filed complaint. Photos are downloaded from LINE's
content API before the transaction (no network call while holding a database write lock).

Conversation: greet → what happened (text) → photos and/or a location, optional → confirm → filed,
reply with the tracking code. "สถานะ"/"status" or a tracking code answers with the status at any
step. Thai by default, English when the user writes English. See docs/decisions/0701-line-webhook.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import urllib3
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    CameraAction,
    CameraRollAction,
    Configuration,
    LocationAction,
    MessageAction,
    MessagingApi,
    MessagingApiBlob,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from pracha.core.errors import PrachaError, error_payload, render_message
from pracha.core.masking import mask_text
from pracha.core.thai_dates import format_date

from . import services
from .models import TRACKING_ALPHABET, Channel, Complaint, LineConversation, LineEvent, LinePhoto

log = logging.getLogger("pracha.complaints.line")

CONNECT_TIMEOUT, READ_TIMEOUT = 3, 10  # seconds; LINE waits for the webhook's answer
TEXT_LIMIT = 5000  # characters in one LINE text message
REPLY_MESSAGES_MAX = 5  # messages in one reply
STALE_AFTER = dt.timedelta(hours=24)  # an unfinished complaint older than this is dropped
EVENT_MEMORY = dt.timedelta(days=30)  # how long handled event ids are kept against redelivery
STATUS_LIST = 3  # complaints listed when a user asks "status" without a code
Step = LineConversation.Step

_THAI = re.compile(r"[\u0e00-\u0e7f]")
_LATIN = re.compile(r"[A-Za-z]")
_CODE = re.compile(rf"(?<![A-Za-z0-9])[{TRACKING_ALPHABET}]{{10}}(?![A-Za-z0-9])", re.IGNORECASE)
_END_PUNCTUATION = re.compile(r"[\s.!?ๆ]+$")

# What people type (or a quick-reply button sends). Matching is on the whole message.
WORDS = {
    "status": {"สถานะ", "ติดตาม", "ติดตามเรื่อง", "ตรวจสอบสถานะ", "status", "check status", "track"},
    "new": {
        "แจ้งเรื่อง",
        "แจ้งเรื่องใหม่",
        "ร้องเรียน",
        "แจ้งปัญหา",
        "เริ่มใหม่",
        "new",
        "complain",
        "report",
        "new complaint",
    },
    "cancel": {"ยกเลิก", "cancel", "stop"},
    "next": {"ต่อไป", "ถัดไป", "ข้าม", "เสร็จ", "next", "skip", "done"},
    "yes": {"ยืนยัน", "ตกลง", "ใช่", "ส่ง", "ส่งเรื่อง", "yes", "confirm", "ok", "okay", "send"},
    "help": {"ช่วยเหลือ", "วิธีใช้", "เมนู", "help", "menu"},
    "hello": {"สวัสดี", "สวัสดีครับ", "สวัสดีค่ะ", "หวัดดี", "hello", "hi", "hey"},
}
_NEUTRAL = {"ok", "okay"}  # Latin words Thai users type too: they do not switch the language


def command_of(text: str) -> str | None:
    said = _END_PUNCTUATION.sub("", text.strip().lower())
    return next((name for name, words in WORDS.items() if said in words), None)


def language_of(text: str) -> str | None:
    """ "th" for Thai script, "en" for Latin letters, None (keep the current one) otherwise."""
    if _THAI.search(text):
        return "th"
    bare = _CODE.sub("", text).strip().lower()
    if _LATIN.search(bare) and _END_PUNCTUATION.sub("", bare) not in _NEUTRAL:
        return "en"
    return None


def tracking_code_in(text: str) -> str | None:
    """The tracking code when the message is one, alone or after a status word ("สถานะ K7M2Q9XPRT",
    "k7m2q9xprt"); never a code-like word inside a sentence."""
    words = text.split()
    if len(words) == 2 and command_of(words[0]) == "status":
        words = words[1:]
    if len(words) == 1 and _CODE.fullmatch(words[0].replace("-", "")):
        return words[0].replace("-", "").upper()
    return None


# --- Talking to LINE ----------------------------------------------------------------------------------


def _configuration(host: str) -> Configuration:
    return Configuration(host=host, access_token=settings.PRACHA_LINE_CHANNEL_ACCESS_TOKEN)


def _safe(value: object) -> str:
    return mask_text(str(value))[:300]


@dataclass
class Photo:
    message_id: str
    content: bytes = b""
    content_type: str = ""
    problem: str = ""  # "" | "external" | "unreachable" | "too_large" | "type_not_allowed"


def download_photo(message: ImageMessageContent) -> Photo:
    """The photo's bytes from LINE's content API. Photos LINE only links to (sent through LIFF) are
    not fetched: the server never follows addresses that a message gives it."""
    photo = Photo(message.id)
    if message.content_provider.type != "line":
        photo.problem = "external"
        return photo
    try:
        with ApiClient(_configuration(settings.PRACHA_LINE_DATA_API_HOST)) as client:
            answer = MessagingApiBlob(client).get_message_content_with_http_info(
                message.id, _request_timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
            )
    except (ApiException, urllib3.exceptions.HTTPError) as exc:
        log.warning("LINE content %s not downloaded: %s", message.id, _safe(exc))
        photo.problem = "unreachable"
        return photo
    photo.content = bytes(answer.data or b"")
    photo.content_type = (answer.headers or {}).get("content-type", "").split(";")[0].strip()
    if len(photo.content) > services.PHOTO_MAX_MB * services.MB:
        photo.problem = "too_large"
    elif photo.content_type not in services.PHOTO_TYPES:
        photo.problem = "type_not_allowed"
    return photo


def send_reply(reply_token: str | None, messages: list[TextMessage]) -> bool:
    """Answer through the reply token. A failure is logged, never raised: what the event changed
    (a complaint filed) stands, and the complainant is also told through notify."""
    if not (reply_token and messages):
        return False
    if not settings.PRACHA_LINE_CHANNEL_ACCESS_TOKEN:
        log.warning("PRACHA_LINE_CHANNEL_ACCESS_TOKEN is not set: LINE replies are not sent")
        return False
    request = ReplyMessageRequest(reply_token=reply_token, messages=messages[:REPLY_MESSAGES_MAX])
    try:
        with ApiClient(_configuration(settings.PRACHA_LINE_API_HOST)) as client:
            MessagingApi(client).reply_message(request, _request_timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except Exception as exc:  # an HTTP error, a timeout, an answer the SDK cannot read: all the same here
        log.warning("LINE reply not sent: %s", _safe(exc))
        return False
    return True


# --- Replies ------------------------------------------------------------------------------------------


@dataclass
class Reply:
    text: str
    buttons: list[str] = field(default_factory=list)  # "camera" | "photo" | "location" | a command

    def message(self) -> TextMessage:
        items = [QuickReplyItem(action=_action(b)) for b in self.buttons]
        return TextMessage(
            text=self.text[:TEXT_LIMIT], quick_reply=QuickReply(items=items) if items else None
        )


def _label(command: str) -> str:
    labels = {
        "new": _("New complaint"),
        "status": _("Status"),
        "cancel": _("Cancel"),
        "next": _("Next"),
        "yes": _("Confirm"),
    }
    return str(labels[command])


def _action(button: str) -> Any:
    if button == "camera":
        return CameraAction(label=_("Camera"))
    if button == "photo":
        return CameraRollAction(label=_("Photo"))
    if button == "location":
        return LocationAction(label=_("Location"))
    label = _label(button)
    # The button sends its own label, which command_of() knows in both languages.
    return MessageAction(label=label[:20], text=label)


def _greeting() -> str:
    return _(
        "Hello. This is the government's complaint centre (1111). Tell us about a problem and we send "
        "it to the agency responsible, then keep you informed."
    )


def _help() -> str:
    return _(
        "Type “new complaint” to file a complaint, or “status” (or your tracking code) to follow one. "
        "Type “cancel” at any time to start over."
    )


def _ask_details(conv: LineConversation) -> Reply:
    return Reply(
        _("Add photos (up to %(max)s) or your location if you can, then tap “Next”.")
        % {"max": services.PHOTOS_MAX},
        ["camera", "photo", "location", "next", "cancel"],
    )


def _summary(conv: LineConversation) -> Reply:
    photos = conv.photos.count()
    place = conv.place_text or (
        f"{conv.latitude}, {conv.longitude}" if conv.latitude is not None else _("no location given")
    )
    text = "\n".join(
        [
            _("Please check your complaint:"),
            f"“{conv.text}”",
            _("Photos: %(count)s") % {"count": photos},
            _("Place: %(place)s") % {"place": place},
            _("Tap “Confirm” to send it, or “Cancel”."),
        ]
    )
    return Reply(text, ["yes", "cancel"])


def status_reply(code: str) -> Reply:
    try:
        status = services.public_status(code)
    except PrachaError:
        return Reply(
            _("There is no complaint with tracking code %(code)s. Check the code and try again.")
            % {"code": code}
        )
    return Reply(describe_status(status), ["status", "new"])


def describe_status(status: dict[str, Any]) -> str:
    lang = translation.get_language() or "th"
    lines = [
        _("Complaint %(code)s: %(state)s")
        % {
            "code": status["tracking_code"],
            "state": status["state_name"].get(lang) or status["state_name"]["th"],
        }
    ]
    if status["contact_point"]:
        unit = status["contact_point"]["name_en" if lang == "en" else "name_th"]
        agency = status["agency"]["name_en" if lang == "en" else "name_th"]
        lines.append(_("With: %(unit)s, %(agency)s") % {"unit": unit, "agency": agency})
    if status["deadline"]:
        lines.append(_("Due by: %(date)s") % {"date": format_date(status["deadline"], lang, long=True)})
    for result in status["results"][-1:]:
        lines.append(_("Latest result: %(text)s") % {"text": result["text"]})
    if status["awaiting_confirmation"]:
        lines.append(_("The agency reports it is solved: confirm or reopen it on the status page."))
    lines.append(_("Updated: %(date)s") % {"date": format_date(status["updated_at"], lang, long=True)})
    return "\n".join(lines)


def my_complaints_reply(line_user_id: str) -> Reply:
    codes = list(
        Complaint.objects.filter(line_user_id=line_user_id)
        .order_by("-received_at", "-id")
        .values_list("tracking_code", flat=True)[:STATUS_LIST]
    )
    if not codes:
        return Reply(
            _("You have no complaints filed through LINE. Send a tracking code to follow another one."),
            ["new"],
        )
    return Reply("\n\n".join(describe_status(services.public_status(c)) for c in codes), ["status", "new"])


# --- The conversation ---------------------------------------------------------------------------------


def _reset(conv: LineConversation) -> None:
    conv.photos.all().delete()
    conv.step, conv.text, conv.place_text = Step.IDLE, "", ""
    conv.latitude = conv.longitude = conv.started_at = None


def _start(conv: LineConversation, now: dt.datetime) -> None:
    _reset(conv)
    conv.step, conv.started_at = Step.DESCRIBE, now


def _add_text(conv: LineConversation, text: str) -> None:
    conv.text = f"{conv.text}\n{text}".strip() if conv.text else text


def _coordinate(value: float | int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _photo_problem(photo: Photo) -> str:
    if photo.problem in ("too_large", "type_not_allowed"):
        # Intake's own messages, so the limits read the same on every channel.
        return render_message(f"photo_{photo.problem}", file=_("the photo"), **services.limits())
    return _("That photo could not be received. Please send it again from your phone's gallery.")


class Turn:
    """One event applied to one conversation (locked): changes it and says what to answer."""

    def __init__(self, conv: LineConversation, event: Event, event_id: str, now: dt.datetime):
        self.conv, self.event, self.event_id, self.now = conv, event, event_id, now
        self.replies: list[Reply] = []

    def say(self, text: str, buttons: list[str] | None = None) -> None:
        self.replies.append(Reply(text, buttons or []))

    def run(self, photo: Photo | None) -> list[Reply]:
        conv, message = self.conv, getattr(self.event, "message", None)
        if isinstance(message, TextMessageContent):
            conv.language = language_of(message.text) or conv.language
        with translation.override(conv.language):
            if conv.step != Step.IDLE and conv.updated_at < self.now - STALE_AFTER:
                _reset(conv)
                self.say(_("Your unfinished complaint from earlier was dropped; let us start again."))
            if isinstance(self.event, FollowEvent):
                self.say(_greeting())
                self.say(_help(), ["new", "status"])
            elif isinstance(message, TextMessageContent):
                self.text(message.text.strip())
            elif isinstance(message, ImageMessageContent) and photo is not None:
                self.photo(photo)
            elif isinstance(message, LocationMessageContent):
                self.location(message)
            else:
                self.say(_("Please send text, photos or a location."), ["new", "status"])
        return self.replies

    def text(self, text: str) -> None:
        conv = self.conv
        command = command_of(text)
        code = tracking_code_in(text) if command is None else None
        if command == "status":
            self.replies.append(my_complaints_reply(conv.line_user_id))
        elif code:
            self.replies.append(status_reply(code))
        elif command == "cancel":
            was_busy = conv.step != Step.IDLE
            _reset(conv)
            self.say(_("Cancelled. Nothing was sent.") if was_busy else _help(), ["new", "status"])
        elif command == "help":
            self.say(_help(), ["new", "status"])
        elif command in ("new", "hello") or (conv.step == Step.IDLE and len(text) < services.TEXT_MIN):
            _start(conv, self.now)
            self.say(_greeting() if command == "hello" else _("Let us file a complaint."))
            self.say(_("What happened? Describe the problem and where it is."), ["cancel"])
        elif conv.step == Step.CONFIRM:
            if command == "yes":
                self.file()
            else:
                self.replies.append(_summary(conv))
        elif conv.step == Step.DETAILS and command in ("next", "yes"):
            conv.step = Step.CONFIRM
            self.replies.append(_summary(conv))
        elif conv.step == Step.DESCRIBE and command in ("next", "yes"):
            self.say(_("What happened? Describe the problem and where it is."), ["cancel"])
        else:
            if conv.step == Step.IDLE:
                _start(conv, self.now)
            _add_text(conv, text)
            conv.step = Step.DETAILS
            self.say(_("Thank you, noted."))
            self.replies.append(_ask_details(conv))

    def photo(self, photo: Photo) -> None:
        conv = self.conv
        if photo.problem:
            self.say(_photo_problem(photo), ["photo", "next"])
            return
        if conv.step == Step.IDLE:
            _start(conv, self.now)
        if conv.photos.count() >= services.PHOTOS_MAX:
            self.say(render_message("too_many_photos", **services.limits()), ["next", "cancel"])
            return
        LinePhoto.objects.create(
            conversation=conv,
            message_id=photo.message_id,
            content=photo.content,
            content_type=photo.content_type,
        )
        self._after_detail(_("Photo received (%(count)s).") % {"count": conv.photos.count()})

    def location(self, place: LocationMessageContent) -> None:
        conv = self.conv
        if conv.step == Step.IDLE:
            _start(conv, self.now)
        conv.latitude, conv.longitude = _coordinate(place.latitude), _coordinate(place.longitude)
        # LINE gives a place name (when the user picked one) and a street address.
        conv.place_text = " ".join(p for p in (place.title or "", place.address or "") if p)[:300]
        self._after_detail(_("Location received."))

    def _after_detail(self, said: str) -> None:
        conv = self.conv
        if conv.step == Step.CONFIRM:
            self.say(said)
            self.replies.append(_summary(conv))
        elif conv.text:
            conv.step = Step.DETAILS
            self.say(said)
            self.replies.append(_ask_details(conv))
        else:
            self.say(said + " " + _("What happened? Describe the problem and where it is."), ["cancel"])

    def file(self) -> None:
        """File through intake. A refusal (text too short, a place outside Thailand) is explained and
        the conversation goes back to the step that can fix it; nothing is stored then."""
        conv = self.conv
        photos = [ContentFile(bytes(p.content), name=f"line-{p.message_id}") for p in conv.photos.all()]
        try:
            with transaction.atomic():
                complaint = services.file_complaint(
                    channel=Channel.LINE,
                    text=conv.text,
                    line_user_id=conv.line_user_id,
                    language=conv.language,
                    latitude=conv.latitude,
                    longitude=conv.longitude,
                    place_text=conv.place_text,
                    photos=photos,
                    received_at=conv.started_at,
                    external_id=self.event_id,
                )
        except PrachaError as exc:
            self.say(render_message(exc.code, **exc.params))
            fields = set(exc.fields)
            if "text" in fields:
                conv.text, conv.step = "", Step.DESCRIBE
                self.say(_("What happened? Describe the problem and where it is."), ["cancel"])
            else:
                if fields & {"latitude", "longitude", "place_text"}:
                    conv.latitude = conv.longitude = None
                    conv.place_text = ""
                if "photos" in fields:
                    conv.photos.all().delete()
                conv.step = Step.DETAILS
                self.replies.append(_ask_details(conv))
            return
        _reset(conv)
        sent = _(
            "Your complaint was sent. Tracking code: %(code)s\nWe will tell you here when the agency "
            "takes it up. Type “status” at any time to follow it."
        ) % {"code": complaint.tracking_code}
        if base := settings.PRACHA_PUBLIC_URL.rstrip("/"):
            sent += "\n" + _("Status page: %(url)s") % {"url": base + services.status_path(complaint)}
        self.say(sent, ["status", "new"])


# --- The webhook --------------------------------------------------------------------------------------


def _refuse(detail: str, status: int = 400) -> JsonResponse:
    return JsonResponse(error_payload("bad_request", detail=detail), status=status)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.PRACHA_LINE_CHANNEL_SECRET
    if not secret:
        log.error("PRACHA_LINE_CHANNEL_SECRET is not set: LINE webhook calls are refused")
        return _refuse("the LINE channel is not configured", status=503)
    signature = request.headers.get("X-Line-Signature", "")
    if not signature:
        return _refuse("X-Line-Signature is missing")
    try:
        body = request.body.decode("utf-8")
        events = WebhookParser(secret).parse(body, signature)
    except InvalidSignatureError:
        log.warning("LINE webhook call with a forged signature refused")
        return _refuse("X-Line-Signature does not match the body")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return _refuse("the body is not a LINE webhook payload")
    failed = 0
    for event in events:
        try:
            handle(event)
        except Exception:
            # LINE redelivers what we could not handle (when redelivery is on); handled ones are skipped.
            log.exception("LINE event %s not handled", getattr(event, "webhook_event_id", "?"))
            failed += 1
    LineEvent.objects.filter(received_at__lt=timezone.now() - EVENT_MEMORY).delete()
    return HttpResponse(status=500 if failed else 200)


def handle(event: Event) -> bool:
    """Apply one event; False when it was seen before (a redelivery) or is not for us."""
    event_id = event.webhook_event_id
    if LineEvent.objects.filter(webhook_event_id=event_id).exists():
        return False
    user_id = event.source.user_id if isinstance(event.source, UserSource) else None
    if isinstance(event, UnfollowEvent) and user_id:
        with transaction.atomic():
            LineConversation.objects.filter(line_user_id=user_id).delete()  # blocked: forget the draft
            _, new = LineEvent.objects.get_or_create(webhook_event_id=event_id)
        return new
    if not (user_id and isinstance(event, MessageEvent | FollowEvent)):
        # Group chats, postbacks and the like: nothing to say, but remember we saw it.
        LineEvent.objects.get_or_create(webhook_event_id=event_id)
        return False
    photo = None
    if isinstance(event, MessageEvent) and isinstance(event.message, ImageMessageContent):
        photo = download_photo(event.message)
    now = timezone.now()
    with transaction.atomic():
        _, new = LineEvent.objects.get_or_create(webhook_event_id=event_id)
        if not new:
            return False  # the same event delivered twice at once: the other delivery handled it
        conv, _created = LineConversation.objects.select_for_update().get_or_create(line_user_id=user_id)
        replies = Turn(conv, event, event_id, now).run(photo)
        conv.updated_at = now
        conv.save()
    with translation.override(conv.language):
        send_reply(event.reply_token, [r.message() for r in replies])
    return True
