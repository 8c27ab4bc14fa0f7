"""Intake: what file_complaint accepts and refuses, and that a refusal stores nothing half-done."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from pracha.audit.models import AuditRecord
from pracha.complaints import services
from pracha.complaints.models import Attachment, Complaint
from pracha.core.errors import PrachaError, render_message
from pracha.core.models import Job
from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person, User
from pracha.identity.services import grant_role

GOOD_TEXT = "ทางเท้าหน้าตลาดนัดจตุจักรชำรุด กระเบื้องแตกหลายแผ่น คนเดินสะดุดล้ม"
LAT_YAO = "103001"


def image(fmt: str = "JPEG", size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


# An HEIC file starts with an ISO-BMFF "ftyp" box whose brand is heic (what iPhones write).
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    # The browser's content type is deliberately wrong in places: intake must not believe it.
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def nothing_stored(media: Path) -> None:
    assert Complaint.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert Job.objects.filter(kind="complaints.route").count() == 0
    assert not AuditRecord.objects.filter(action="complaints.filed").exists()
    assert stored_files(media) == []


def refused(**kwargs) -> PrachaError:
    arguments = {"channel": "web", "text": GOOD_TEXT, "anonymous": True, **kwargs}
    with pytest.raises(PrachaError) as caught:
        services.file_complaint(**arguments)
    return caught.value


# --- Refusals -------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "complaint_text_required"),
        ("   \n\t ", "complaint_text_required"),
        ("ไฟดับ", "complaint_text_too_short"),
        ("ก" * (services.TEXT_MAX + 1), "complaint_text_too_long"),
    ],
)
def test_the_text_must_say_something_and_not_too_much(places, media, text, code):
    error = refused(text=text)
    assert error.fields == {"text": code} and error.code == code
    nothing_stored(media)


@pytest.mark.django_db
def test_a_20_mb_photo_is_refused_and_nothing_is_stored(places, media):
    big = image() + b"\x00" * (20 * 1024 * 1024)
    error = refused(photos=[upload("ok.jpg", image()), upload("huge.jpg", big)])
    assert error.fields == {"photos": "photo_too_large"}
    message = render_message(error.code, "en", **error.params)
    assert message == "Each photo may be at most 10 MB; “huge.jpg” is larger."
    nothing_stored(media)


@pytest.mark.django_db
def test_a_program_renamed_to_jpg_is_refused_by_its_content(places, media):
    error = refused(photos=[upload("holiday.jpg", WINDOWS_EXE, "image/jpeg")])
    assert error.fields == {"photos": "photo_type_not_allowed"}
    assert "holiday.jpg" in render_message(error.code, "en", **error.params)
    nothing_stored(media)


@pytest.mark.django_db
def test_a_pdf_is_a_letter_not_a_photo(places, media):
    pdf = b"%PDF-1.7\n" + b"1 0 obj\n<<>>\nendobj\n" * 20
    assert refused(photos=[upload("scan.pdf", pdf, "application/pdf")]).fields == {
        "photos": "photo_type_not_allowed"
    }
    nothing_stored(media)


@pytest.mark.django_db
def test_at_most_five_photos(places, media):
    error = refused(photos=[upload(f"p{i}.png", image("PNG")) for i in range(6)])
    assert error.fields == {"photos": "too_many_photos"}
    nothing_stored(media)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lat", "lng", "fields"),
    [
        ("13.80", None, {"longitude": "location_incomplete"}),
        (None, 100.55, {"latitude": "location_incomplete"}),
        (
            51.5074,
            -0.1278,
            {"latitude": "location_outside_thailand", "longitude": "location_outside_thailand"},
        ),
        (13.75, 95.0, {"latitude": "location_outside_thailand", "longitude": "location_outside_thailand"}),
        ("north", "east", {"latitude": "location_invalid", "longitude": "location_invalid"}),
        ("NaN", "100.5", {"latitude": "location_invalid", "longitude": "location_invalid"}),
    ],
)
def test_an_invalid_location_is_refused(places, media, lat, lng, fields):
    assert refused(latitude=lat, longitude=lng).fields == fields
    nothing_stored(media)


@pytest.mark.django_db
def test_an_unknown_subdistrict_is_refused(places, media):
    error = refused(subdistrict_code="109999")
    assert error.fields == {"subdistrict": "unknown_area"}
    assert "109999" in render_message(error.code, "en", **error.params)
    # A district code is not a subdistrict either.
    assert refused(subdistrict_code="1030").fields == {"subdistrict": "unknown_area"}
    nothing_stored(media)


@pytest.mark.django_db
def test_every_problem_is_named_at_once(places, media):
    error = refused(
        text="",
        anonymous=False,
        contact_phone="12345",
        contact_email="not-an-address",
        subdistrict_code="999999",
        photos=[upload("virus.png", WINDOWS_EXE)],
    )
    assert error.fields == {
        "text": "complaint_text_required",
        "subdistrict": "unknown_area",
        "contact_phone": "phone_invalid",
        "contact_email": "email_invalid",
        "photos": "photo_type_not_allowed",
    }
    nothing_stored(media)


@pytest.mark.django_db
def test_a_named_complaint_needs_a_way_to_answer(places, media):
    assert refused(anonymous=False, contact_name="สมชาย ใจดี").fields == {"contact_phone": "contact_required"}
    nothing_stored(media)


@pytest.mark.django_db
def test_a_letter_must_be_a_pdf_or_image_of_at_most_20_mb(places, media, counter_officer):
    base = {"channel": "mail", "text": GOOD_TEXT, "contact_name": "นางสมศรี", "filed_by": counter_officer}
    with pytest.raises(PrachaError) as caught:
        services.file_complaint(**base, letter=upload("letter.docx", b"PK\x03\x04" + b"\x00" * 100))
    assert caught.value.fields == {"letter": "letter_type_not_allowed"}
    with pytest.raises(PrachaError) as caught:
        services.file_complaint(
            **base, letter=upload("letter.pdf", b"%PDF-1.4\n" + b"\x00" * (21 * 1024 * 1024))
        )
    assert caught.value.fields == {"letter": "letter_too_large"}
    nothing_stored(media)


@pytest.mark.django_db
def test_a_letter_cannot_arrive_in_the_future(places, media, counter_officer):
    with pytest.raises(PrachaError) as caught:
        services.file_complaint(
            channel="mail",
            text=GOOD_TEXT,
            contact_name="นางสมศรี",
            filed_by=counter_officer,
            letter=upload("letter.pdf", b"%PDF-1.4\n" + b"\x00" * 100),
            received_at=timezone.now() + dt.timedelta(days=2),
        )
    assert caught.value.fields == {"received_at": "received_in_future"}
    nothing_stored(media)


@pytest.fixture
def counter_officer(places) -> User:
    officer = User.objects.create_user(username="counter1", password="correct-horse-battery")
    grant_role(officer, _unit("OPM.OPS/psc-1111"), "counter_officer")
    return officer


def _unit(code: str) -> int:
    from pracha.agencies.services import contact_point

    return contact_point(code).pk


@pytest.mark.django_db
def test_only_officers_who_serve_people_key_in_hotline_counter_and_mail_complaints(places, media):
    citizen = User.objects.create_user(username=make_thai_id("110170012345"), password="x-correct-horse")
    for channel in ("hotline", "counter", "mail"):
        with pytest.raises(PrachaError) as caught:
            services.file_complaint(channel=channel, text=GOOD_TEXT, anonymous=True, filed_by=citizen)
        assert caught.value.status == 403
        with pytest.raises(PrachaError):
            services.file_complaint(channel=channel, text=GOOD_TEXT, anonymous=True)
    # Nor may anyone claim to have filed a web complaint for someone else.
    with pytest.raises(PrachaError):
        services.file_complaint(channel="web", text=GOOD_TEXT, anonymous=True, filed_by=citizen)
    nothing_stored(media)


@pytest.mark.django_db
def test_unknown_channels_are_a_programming_error(places):
    with pytest.raises(ValueError, match="unknown channel"):
        services.file_complaint(channel="fax", text=GOOD_TEXT, anonymous=True)


# --- Accepted complaints --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("market.jpg", image("JPEG"), "image/jpeg"),
        ("street.png", image("PNG"), "image/png"),
        ("pothole.webp", image("WEBP"), "image/webp"),
        ("IMG_0001.HEIC", HEIC_HEAD, "image/heic"),
        ("named-wrong.png", image("JPEG"), "image/jpeg"),
    ],
)
def test_photos_are_recognised_by_content_and_stored_under_a_new_name(places, media, name, data, mime):
    complaint = services.file_complaint(
        channel="web", text=GOOD_TEXT, anonymous=True, photos=[upload(name, data, "application/octet-stream")]
    )
    attachment = complaint.attachments.get()
    assert attachment.kind == "photo" and attachment.content_type == mime and attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    stored = Path(attachment.file.path)
    assert stored.read_bytes() == data
    assert name.split(".")[0] not in stored.name  # the sender's file name is not kept


@pytest.mark.django_db
def test_an_anonymous_complaint_keeps_no_identity_but_gets_a_tracking_code(places, media):
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310170012345"), name_th="สมชาย")
    user = User.objects.create_user(username="310170012345x", password="x-correct-horse", person=person)
    complaint = services.file_complaint(
        channel="web",
        text=GOOD_TEXT,
        user=user,
        anonymous=True,
        contact_name="สมชาย",
        contact_phone="0812345678",
    )
    assert complaint.anonymous and complaint.complainant is None and complaint.contact_name == ""
    assert complaint.contact_phone == "0812345678"  # kept only to send updates
    assert len(complaint.tracking_code) == 10


@pytest.mark.django_db
def test_a_signed_in_citizen_is_the_complainant(places, media):
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("310170012346"), name_th="สมหญิง")
    user = User.objects.create_user(username="somying", password="x-correct-horse", person=person)
    complaint = services.file_complaint(channel="web", text=GOOD_TEXT, user=user, subdistrict_code=LAT_YAO)
    assert complaint.complainant == person and complaint.subdistrict_id == LAT_YAO


@pytest.mark.django_db
def test_a_complaint_is_stored_with_its_route_job_and_audit_in_one_transaction(places, media):
    complaint = services.file_complaint(
        channel="web",
        text=f"  {GOOD_TEXT}  ",
        contact_phone="+66 81 234 5678",
        latitude="13.8063215",
        longitude=100.5532,
        place_text="หน้าประตู 1",
        photos=[upload("a.jpg", image())],
    )
    complaint.refresh_from_db()
    assert complaint.text == GOOD_TEXT and complaint.contact_phone == "0812345678"
    assert str(complaint.latitude) == "13.806322" and str(complaint.longitude) == "100.553200"
    assert complaint.routing == Complaint.Routing.PENDING and complaint.case is None
    job = Job.objects.get(kind="complaints.route")
    assert job.payload["complaint_id"] == complaint.pk
    # The filing's audit entry is in the job, for the routing burst to chain (decision 0537).
    filed = job.payload["filed"]
    assert filed["channel"] == "web" and filed["pin"] and job.payload["actor"] == "system"
    assert filed["attachments"] == [["photo", complaint.attachments.get().sha256]]
    assert "0812345678" not in json.dumps(job.payload)  # no personal data in the audit entry
    assert not AuditRecord.objects.filter(action="complaints.filed").exists()


@pytest.mark.django_db
def test_when_the_callers_transaction_rolls_back_the_complaint_and_its_job_go_too(places, media):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.file_complaint(channel="web", text=GOOD_TEXT, anonymous=True)
        raise RuntimeError("the channel's own step failed")
    assert Complaint.objects.count() == 0 and Job.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_while_storing_removes_the_files_already_written(places, media, monkeypatch):
    def broken_enqueue(kind, payload=None, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError):
        services.file_complaint(
            channel="web",
            text=GOOD_TEXT,
            anonymous=True,
            photos=[upload("a.jpg", image()), upload("b.png", image("PNG"))],
        )
    nothing_stored(media)


@pytest.mark.django_db
def test_tracking_codes_are_found_as_people_type_them(places, media):
    complaint = services.file_complaint(channel="web", text=GOOD_TEXT, anonymous=True)
    code = complaint.tracking_code
    spaced = f" {code[:5].lower()}-{code[5:]} "
    assert services.find_by_tracking_code(spaced) == complaint
    with pytest.raises(PrachaError) as caught:
        services.find_by_tracking_code("ZZZZZZZZZZ")
    assert caught.value.status == 404
