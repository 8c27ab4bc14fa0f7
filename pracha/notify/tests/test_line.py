"""The LINE adapter (official line-bot-sdk v3) against a local HTTP server standing in for the LINE API."""

import uuid

import pytest
from django.test import override_settings

from pracha.core.models import Job
from pracha.notify import services
from pracha.notify.models import Notification

from .conftest import LINE_ID, TEXT, run_due
from .servers import Answer, serving

pytestmark = pytest.mark.django_db
TOKEN = "line-channel-token"


def line_api(server_url: str):
    return override_settings(
        PRACHA_LINE_ADAPTER="line", PRACHA_LINE_API_HOST=server_url, PRACHA_LINE_CHANNEL_ACCESS_TOKEN=TOKEN
    )


def queue_line(person) -> Notification:
    (note,) = services.notify_user(person, **TEXT, channels=["line"])
    return note


def test_push_message_request_path_token_and_body(make_person):
    note = queue_line(make_person(line_user_id=LINE_ID, preferred_language="en"))
    answer = Answer(200, {"sentMessages": [{"id": "461230966842064897", "quoteToken": "q"}]})
    with serving(answer) as server, line_api(server.url):
        assert run_due() == [True]

    (request,) = server.seen
    assert request.path == "/v2/bot/message/push"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert uuid.UUID(request.headers["x-line-retry-key"])
    assert request.json() == {
        "to": LINE_ID,
        "messages": [{"type": "text", "text": "Your request was approved\nRequest 123 has been approved."}],
        "notificationDisabled": False,
    }
    note.refresh_from_db()
    assert (note.status, note.provider_ref, note.adapter) == ("sent", "461230966842064897", "line")


def test_server_error_is_retried_with_the_same_retry_key_and_409_means_already_sent(make_person):
    note = queue_line(make_person(line_user_id=LINE_ID))
    already = Answer(
        409, {"message": "The retry key is already accepted"}, {"x-line-accepted-request-id": "req-1"}
    )
    with serving(Answer(500, {"message": "oops"}), already) as server, line_api(server.url):
        assert run_due() == [False]
        note.refresh_from_db()
        assert (note.status, note.attempts) == ("pending", 1)
        assert "LINE API answered 500" in note.last_error
        Job.objects.update(run_after=note.created_at)
        assert run_due() == [True]

    keys = [r.headers["x-line-retry-key"] for r in server.seen]
    assert len(keys) == 2 and keys[0] == keys[1]
    note.refresh_from_db()
    assert (note.status, note.attempts, note.provider_ref) == ("sent", 2, "req-1")


def test_bad_request_fails_without_retry(make_person):
    note = queue_line(make_person(line_user_id="not-a-line-id"))
    rejection = Answer(400, {"message": "The property, 'to', in the request body is invalid"})
    with serving(rejection) as server, line_api(server.url):
        assert run_due() == [True]
    assert len(server.seen) == 1
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("failed", 1)
    assert "400" in note.last_error
