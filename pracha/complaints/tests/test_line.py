"""The LINE webhook end to end: signed events in, the guided conversation, complaints filed through
intake, and replies (and photo downloads) against a local HTTP server standing in for LINE."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client, override_settings
from django.utils import timezone, translation
from PIL import Image

from pracha.complaints import line, services
from pracha.complaints.models import Attachment, Complaint, LineConversation, LineEvent, LinePhoto
from pracha.core.models import Job
from pracha.testing import in_threads, needs_postgres

pytestmark = pytest.mark.django_db
SECRET = "line-channel-secret"
TOKEN = "line-channel-token"
USER = "U4af4980629e1d3f2a9d1d0a1b2c3d4e5"
URL = "/complaints/line/webhook"
PROBLEM_TH = "ถนนหน้าตลาดสดเป็นหลุมใหญ่ น้ำขังทุกครั้งที่ฝนตก รถจักรยานยนต์ล้มไปสองคันแล้ว"
PROBLEM_EN = "The street light at the corner of Sukhumvit soi 11 has been broken for a week"


# --- A stand-in for the LINE API (replies) and its content host (photos) --------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Line:
    """What the stand-in answers: reply status, and photo content by message id."""

    reply_status: int = 200
    content: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def replies(self) -> list[dict]:
        return [s.json() for s in self.seen if s.path == "/v2/bot/message/reply"]

    def texts(self) -> list[str]:
        """The text of every message replied, in order."""
        return [m["text"] for r in self.replies() for m in r["messages"]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _see(self, body: bytes) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.line.seen.append(Seen(self.command, self.path, headers, body))

    def do_POST(self) -> None:
        self._see(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        answer = {"sentMessages": [{"id": "461230966842064897", "quoteToken": "q"}]}
        self._answer(self.server.line.reply_status, json.dumps(answer).encode(), "application/json")

    def do_GET(self) -> None:
        self._see(b"")
        message_id = self.path.split("/")[-2]  # /v2/bot/message/{id}/content
        status, body, content_type = self.server.line.content.get(
            message_id, (404, b"{}", "application/json")
        )
        self._answer(status, body, content_type)

    def log_message(self, format: str, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, line_: Line) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.line = line_


@contextmanager
def line_api(**answers) -> Iterator[Line]:
    """A stand-in LINE on 127.0.0.1, and the settings that send the SDK there."""
    stand_in = Line(**answers)
    server = _Server(stand_in)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    stand_in.url = f"http://{host}:{port}"
    try:
        with override_settings(
            PRACHA_LINE_CHANNEL_SECRET=SECRET,
            PRACHA_LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
            PRACHA_LINE_API_HOST=stand_in.url,
            PRACHA_LINE_DATA_API_HOST=stand_in.url,
        ):
            yield stand_in
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- Webhook events as LINE sends them ----------------------------------------------------------------


def event(kind: str = "message", redelivery: bool = False, event_id: str | None = None, **extra) -> dict:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": int(timezone.now().timestamp() * 1000),
        "source": {"type": "user", "userId": USER},
        "webhookEventId": event_id or uuid.uuid4().hex[:26].upper(),
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": uuid.uuid4().hex,
        **extra,
    }


def text(words: str, **extra) -> dict:
    message = {"type": "text", "id": uuid.uuid4().hex[:18], "text": words, "quoteToken": "q"}
    return event(message=message, **extra)


def image(message_id: str) -> dict:
    message = {"type": "image", "id": message_id, "contentProvider": {"type": "line"}, "quoteToken": "q"}
    return event(message=message)


def location(latitude: float = 13.7463, longitude: float = 100.5347) -> dict:
    message = {
        "type": "location",
        "id": uuid.uuid4().hex[:18],
        "title": "ตลาดสามย่าน",
        "address": "ถนนพญาไท แขวงวังใหม่ เขตปทุมวัน กรุงเทพมหานคร",
        "latitude": latitude,
        "longitude": longitude,
    }
    return event(message=message)


def signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver(client, *events: dict, sign: str | None = None):
    body = json.dumps({"destination": "Ubot", "events": list(events)}, ensure_ascii=False).encode()
    headers = {"HTTP_X_LINE_SIGNATURE": sign if sign is not None else signature(body)}
    return client.post(URL, body, content_type="application/json; charset=utf-8", **headers)


def say(client, stand_in: Line, *events: dict) -> list[str]:
    """Deliver events; the texts replied to them."""
    before = len(stand_in.texts())
    assert deliver(client, *events).status_code == 200
    return stand_in.texts()[before:]


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def conversation() -> LineConversation:
    return LineConversation.objects.get(line_user_id=USER)


# --- The conversation ---------------------------------------------------------------------------------


def test_thai_conversation_files_the_complaint_with_photo_and_location(client):
    photo = jpeg()
    with line_api(content={"5551": (200, photo, "image/jpeg")}) as stand_in:
        greeting = say(client, stand_in, event("follow", follow={"isUnblocked": False}))
        assert "1111" in greeting[0]
        say(client, stand_in, text(PROBLEM_TH))
        assert conversation().step == "details"
        [details] = stand_in.replies()[-1]["messages"][-1:]
        kinds = [item["action"]["type"] for item in details["quickReply"]["items"]]
        assert kinds == ["camera", "cameraRoll", "location", "message", "message"]

        say(client, stand_in, image("5551"))
        [download] = [s for s in stand_in.seen if s.method == "GET"]
        assert download.path == "/v2/bot/message/5551/content"
        assert download.headers["authorization"] == f"Bearer {TOKEN}"
        say(client, stand_in, location())
        summary = say(client, stand_in, text("ต่อไป"))[-1]
        assert PROBLEM_TH in summary and "ตลาดสามย่าน" in summary
        confirm = say(client, stand_in, text("ยืนยัน"))

    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.line_user_id, complaint.language) == ("line", USER, "th")
    assert complaint.text == PROBLEM_TH
    assert (float(complaint.latitude), float(complaint.longitude)) == (13.7463, 100.5347)
    assert complaint.place_text.startswith("ตลาดสามย่าน ถนนพญาไท")
    [attachment] = complaint.attachments.all()
    assert attachment.kind == Attachment.Kind.PHOTO and attachment.size == len(photo)
    assert attachment.sha256 == hashlib.sha256(photo).hexdigest()
    assert Job.objects.filter(kind="complaints.route", payload__complaint_id=complaint.pk).exists()
    assert complaint.tracking_code in confirm[0]
    # Every reply went through its own event's reply token, and the draft is gone.
    tokens = [r["replyToken"] for r in stand_in.replies()]
    assert len(tokens) == len(set(tokens)) == 6
    assert conversation().step == "idle" and not LinePhoto.objects.exists()


@override_settings(PRACHA_PUBLIC_URL="https://pracha.example.go.th/")
def test_english_speakers_get_english(client):
    with line_api() as stand_in:
        first = say(client, stand_in, text(PROBLEM_EN))
        with translation.override("en"):
            assert first[0] == str(line._("Thank you, noted."))
        say(client, stand_in, text("Next"))
        done = say(client, stand_in, text("Confirm"))
    complaint = Complaint.objects.get()
    assert complaint.language == "en" and complaint.latitude is None
    assert done[0].startswith("Your complaint was sent.") and complaint.tracking_code in done[0]
    assert f"https://pracha.example.go.th{services.status_path(complaint)}" in done[0]


def test_quick_reply_buttons_send_words_the_conversation_understands():
    for lang in ("th", "en"):
        with translation.override(lang):
            for command in ("new", "status", "cancel", "next", "yes"):
                action = line._action(command)
                assert line.command_of(action.text) == command, (lang, action.text)
                assert len(action.label) <= 20


def test_status_by_word_and_by_tracking_code(client):
    mine = services.file_complaint(channel="line", text=PROBLEM_TH, line_user_id=USER)
    other = services.file_complaint(channel="web", text=PROBLEM_TH, anonymous=True)
    state = services.public_status(mine.tracking_code)["state_name"]
    with line_api() as stand_in:
        [listed] = say(client, stand_in, text("สถานะ"))
        assert mine.tracking_code in listed and state["th"] in listed and other.tracking_code not in listed
        [by_code] = say(client, stand_in, text(other.tracking_code.lower()))
        assert other.tracking_code in by_code
        [english] = say(client, stand_in, text(f"status {mine.tracking_code}"))
        assert state["en"] in english
        [unknown] = say(client, stand_in, text("status 2345678923"))
        assert "2345678923" in unknown and "no complaint" in unknown
    assert Complaint.objects.count() == 2  # asking files nothing
    assert conversation().step == "idle"


def test_a_redelivered_event_is_not_handled_twice(client):
    with line_api() as stand_in:
        say(client, stand_in, text(PROBLEM_TH))
        say(client, stand_in, text("ต่อไป"))
        confirm = text("ยืนยัน", event_id="01HZZREDELIVERY0000000000A")
        say(client, stand_in, confirm)
        replies = len(stand_in.replies())
        again = dict(confirm, deliveryContext={"isRedelivery": True})
        assert deliver(client, again).status_code == 200
        assert len(stand_in.replies()) == replies
    assert Complaint.objects.count() == 1
    assert LineEvent.objects.filter(webhook_event_id="01HZZREDELIVERY0000000000A").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_four_times_at_once_files_one_complaint():
    needs_postgres()
    LineConversation.objects.create(
        line_user_id=USER, step="confirm", text=PROBLEM_TH, started_at=timezone.now(), language="th"
    )
    confirm = text("ยืนยัน", event_id="01HZZCONCURRENT00000000000")
    with line_api() as stand_in:
        statuses = in_threads(4, lambda i: deliver(Client(), confirm).status_code)
    assert statuses == [200] * 4
    assert Complaint.objects.count() == 1 and LineEvent.objects.count() == 1
    assert len(stand_in.replies()) == 1


def test_a_failed_reply_does_not_undo_the_complaint(client):
    with line_api(reply_status=500) as stand_in:
        say(client, stand_in, text(PROBLEM_TH))
        say(client, stand_in, text("ต่อไป"))
        assert deliver(client, text("ยืนยัน")).status_code == 200
    assert Complaint.objects.count() == 1
    assert len(stand_in.replies()) == 3  # each was tried once


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ((200, b"plain text, not a photo", "text/plain"), "JPEG"),
        ((200, jpeg(), "image/gif"), "JPEG"),
        ((404, b"{}", "application/json"), "could not be received"),
    ],
)
def test_unusable_photos_are_refused_at_once(client, answer, says):
    with line_api(content={"777": answer}) as stand_in:
        say(client, stand_in, text("English please: " + PROBLEM_EN))
        [refusal] = say(client, stand_in, image("777"))
    assert says in refusal
    assert not LinePhoto.objects.exists()


def test_too_large_photo_is_refused(client, monkeypatch):
    monkeypatch.setattr(services, "PHOTO_MAX_MB", 0)
    with line_api(content={"778": (200, jpeg(), "image/jpeg")}) as stand_in:
        [refusal] = say(client, stand_in, image("778"))
    assert "MB" in refusal and not LinePhoto.objects.exists()


def test_intake_refusal_is_explained_and_nothing_is_filed(client):
    with line_api() as stand_in:
        say(client, stand_in, text(PROBLEM_EN), location(latitude=48.8566, longitude=2.3522))  # Paris
        say(client, stand_in, text("next"))
        refusal = say(client, stand_in, text("confirm"))
        assert "Thailand" in refusal[0]
        assert not Complaint.objects.exists()
        draft = conversation()
        assert (draft.step, draft.latitude, draft.text) == ("details", None, PROBLEM_EN)
        say(client, stand_in, text("next"))
        say(client, stand_in, text("confirm"))
    assert Complaint.objects.get().latitude is None


def test_cancel_drops_the_draft_and_its_photos(client):
    with line_api(content={"901": (200, jpeg(), "image/jpeg")}) as stand_in:
        say(client, stand_in, text(PROBLEM_TH), image("901"))
        assert LinePhoto.objects.count() == 1
        [answer] = say(client, stand_in, text("ยกเลิก"))
    with translation.override("th"):
        assert answer == line._("Cancelled. Nothing was sent.")
    assert conversation().step == "idle" and not LinePhoto.objects.exists() and not Complaint.objects.exists()


def test_an_old_draft_is_dropped(client):
    with line_api() as stand_in:
        say(client, stand_in, text(PROBLEM_TH))
        LineConversation.objects.update(updated_at=timezone.now() - dt.timedelta(hours=25))
        dropped = say(client, stand_in, text("ต่อไป"))[0]
    with translation.override("th"):
        assert dropped == line._("Your unfinished complaint from earlier was dropped; let us start again.")
    draft = conversation()
    assert (draft.step, draft.text) == ("describe", "")  # "next" with nothing noted: asked again


def test_unfollow_forgets_the_draft(client):
    with line_api() as stand_in:
        say(client, stand_in, text(PROBLEM_TH))
        assert deliver(client, event("unfollow")).status_code == 200
    assert not LineConversation.objects.exists()


# --- Refusals: nothing stored ---------------------------------------------------------------------------


def nothing_stored() -> bool:
    return not (LineEvent.objects.exists() or LineConversation.objects.exists() or Complaint.objects.exists())


@pytest.mark.parametrize(
    "sign",
    [
        "",  # missing
        signature(b"another body"),  # valid for something else
        signature(b"{}", secret="someone-elses-secret"),
        "not base64 at all",
    ],
)
def test_forged_or_missing_signature_is_refused_with_nothing_stored(client, sign):
    with line_api() as stand_in:
        answer = deliver(client, text(PROBLEM_TH), text("ต่อไป"), text("ยืนยัน"), sign=sign)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert nothing_stored() and stand_in.seen == []


def test_signed_garbage_is_a_400(client):
    with line_api():
        body = b'{"destination": "Ubot"}'
        answer = client.post(
            URL, body, content_type="application/json", HTTP_X_LINE_SIGNATURE=signature(body)
        )
    assert answer.status_code == 400 and nothing_stored()


def test_webhook_without_a_channel_secret_refuses(client):
    with line_api(), override_settings(PRACHA_LINE_CHANNEL_SECRET=""):
        assert deliver(client, text(PROBLEM_TH)).status_code == 503
    assert nothing_stored()


def test_console_verification_call_with_no_events_is_ok(client):
    with line_api() as stand_in:
        assert deliver(client).status_code == 200
    assert stand_in.seen == [] and nothing_stored()


def test_only_post(client):
    assert client.get(URL).status_code == 405
