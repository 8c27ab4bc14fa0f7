"""The outbox and "my messages" pages and API: who may see what, masking, filters, pages, languages."""

import re

import pytest
from django.test import override_settings

from pracha.notify import services
from pracha.notify.models import Notification

from .conftest import PHONE, TEXT, run_due

pytestmark = pytest.mark.django_db
MASKED_PHONE = "081XXXXX78"


@pytest.fixture
def world(make_agency, make_officer, make_person):
    ministry = make_agency("MIN", kind="ministry")
    department = make_agency("MIN.DEPT", parent=ministry)
    other = make_agency("OTHER")
    citizen = make_person("somchai", preferred_language="th")
    neighbour = make_person("somsri", phone="0898765432", email="somsri@example.org")
    services.notify_user(citizen, **TEXT, channels=["sms"], agency=department)
    services.notify_user(neighbour, **TEXT, channels=["email"], agency=other)
    services.send("sms", "0861112222", subject=TEXT["subject"], body=TEXT["body"])  # no agency, no account
    return {
        "citizen": citizen,
        "neighbour": neighbour,
        "root": make_officer("root", other, role="platform_admin"),
        "admin": make_officer("admin", ministry, role="agency_admin"),
        "auditor": make_officer("auditor", other, role="auditor"),
        "officer": make_officer("officer", department, role="case_officer"),
    }


def rows(response) -> list[str]:
    return re.findall(r'class="recipient">([^<]*)<', response.content.decode())


def test_outbox_is_for_platform_admins_agency_admins_and_auditors(client, world):
    assert client.get("/notify/outbox/").status_code == 302  # sign in first
    for name in ("citizen", "officer"):
        client.force_login(world[name])
        assert client.get("/notify/outbox/").status_code == 403
        assert client.get("/api/notify/outbox").json()["error"]["code"] == "permission_denied"

    client.force_login(world["root"])
    assert sorted(rows(client.get("/notify/outbox/"))) == sorted([PHONE, "somsri@example.org", "0861112222"])

    # Agency admins and auditors see their agencies' messages (the ministry's include its departments'),
    # with recipients masked.
    client.force_login(world["admin"])
    page = client.get("/notify/outbox/")
    assert rows(page) == [MASKED_PHONE]
    assert "1 ข้อความ" in page.content.decode()
    client.force_login(world["auditor"])
    page = client.get("/notify/outbox/")
    assert rows(page) == ["s***@example.org"]
    assert "somsri@example.org" not in page.content.decode()


def test_outbox_api_permissions_masking_and_filters(client, world):
    assert client.get("/api/notify/outbox").status_code == 401
    client.force_login(world["officer"])
    assert client.get("/api/notify/outbox").status_code == 403

    client.force_login(world["admin"])
    body = client.get("/api/notify/outbox").json()
    assert body["count"] == 1
    assert body["items"][0]["recipient"] == MASKED_PHONE
    assert body["items"][0]["agency"] == "MIN.DEPT"

    client.force_login(world["root"])
    body = client.get("/api/notify/outbox?channel=sms").json()
    assert body["count"] == 2 and {i["recipient"] for i in body["items"]} == {PHONE, "0861112222"}
    assert client.get("/api/notify/outbox?status=sent").json()["count"] == 0
    run_due()  # the demo's record adapters deliver everything
    assert client.get("/api/notify/outbox?status=sent&channel=email").json()["count"] == 1
    bad = client.get("/api/notify/outbox?status=lost")
    assert bad.status_code == 422 and bad.json()["error"]["fields"] == {"status": "invalid"}


def test_my_messages_show_only_my_own_with_my_full_address(client, world):
    client.force_login(world["citizen"])
    page = client.get("/notify/mine/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "คำขอของท่านได้รับอนุมัติ" in html and PHONE in html
    assert "somsri" not in html and "0861112222" not in html

    body = client.get("/api/notify/mine").json()
    assert body["count"] == 1 and body["items"][0]["recipient"] == PHONE

    client.force_login(world["officer"])
    assert "ยังไม่มีข้อความถึงคุณ" in client.get("/notify/mine/").content.decode()
    assert client.get("/api/notify/mine").json() == {
        "count": 0,
        "page": 1,
        "pages": 0,
        "page_size": 25,
        "items": [],
    }


def test_outbox_filters_pagination_and_empty_states(client, world):
    citizen = world["citizen"]
    for _ in range(27):
        services.notify_user(citizen, **TEXT, channels=["email"])
    client.force_login(world["root"])

    first = client.get("/notify/outbox/?channel=email")
    assert len(rows(first)) == 25
    html = first.content.decode()
    assert "หน้า 1 จาก 2" in html and "28 ข้อความ" in html
    assert 'href="?channel=email&amp;page=2"' in html  # the next page keeps the filter
    assert len(rows(client.get("/notify/outbox/?channel=email&page=2"))) == 3

    api = client.get("/api/notify/outbox?channel=email&page=2&page_size=10").json()
    assert (api["count"], api["pages"], len(api["items"])) == (28, 3, 10)

    empty = client.get("/notify/outbox/?channel=line")
    assert "ไม่พบข้อความที่ตรงกับตัวกรองนี้" in empty.content.decode()
    bad = client.get("/notify/outbox/?channel=fax")
    assert bad.status_code == 400 and "field-error" in bad.content.decode()
    assert "30 ข้อความ" in bad.content.decode()  # an unknown filter value lists everything

    Notification.objects.all().delete()
    assert "ยังไม่มีข้อความ เมื่อคำขอ" in client.get("/notify/outbox/").content.decode()


@override_settings(PRACHA_SMS_ADAPTER="record", PRACHA_EMAIL_ADAPTER="record", PRACHA_LINE_ADAPTER="record")
def test_outbox_in_thai_and_english_with_buddhist_era_dates(client, world):
    run_due()
    client.force_login(world["admin"])
    thai = client.get("/notify/outbox/").content.decode()
    note = Notification.objects.get(user=world["citizen"])
    assert "กล่องข้อความแจ้งเตือนขาออก" in thai
    assert "ส่งแล้ว" in thai and "บันทึกไว้เท่านั้น ไม่ได้ส่งจริง" in thai
    assert "ระบบสาธิต: ข้อความทาง อีเมล, SMS, LINE" in thai
    assert f"{note.created_at.year + 543}" in thai
    assert 'data-label="ผู้รับ"' in thai  # the table stacks into labelled lines on a phone

    client.cookies["django_language"] = "en"
    english = client.get("/notify/outbox/").content.decode()
    assert "Notification outbox" in english and "Delivered" in english and "recorded only" in english
    assert f"{note.created_at.year + 543}" not in english and str(note.created_at.year) in english


@pytest.mark.parametrize(
    ("channel", "address", "shown"),
    [
        ("sms", "0812345678", "081XXXXX78"),
        ("email", "somchai.j@example.go.th", "s***@example.go.th"),
        ("line", "U4af4980629e1d3f2a9d1d0a1b2c3d4e5", "U4af4…"),
    ],
)
def test_recipients_are_masked_for_every_channel(channel, address, shown):
    assert services.mask_recipient(channel, address) == shown
