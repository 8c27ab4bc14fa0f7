"""A map pin alone finds its subdistrict (agencies.places): intake records it, routing uses it with the
real rules, the officer sees it, and the web form's "use my location" chooses the place on a phone."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from pracha.agencies import places as pins  # `places` is the fixture loading the geography
from pracha.agencies.services import contact_point
from pracha.complaints import services
from pracha.complaints.models import Complaint
from pracha.conftest import screenshot
from pracha.core.models import Job
from pracha.identity.models import User
from pracha.identity.services import grant_role

FOOTPATH = "ทางเท้าหน้าตลาดนัดจตุจักรประตู 1 ชำรุด กระเบื้องแตกหลายแผ่น ผู้สูงอายุสะดุดล้ม"
LAT_YAO_PIN = {"latitude": "13.842410", "longitude": "100.562490"}  # among the Traffy reports of Lat Yao
LAT_YAO, GRAND_PALACE = "103001", "100101"


@pytest.fixture
def pin_points(places):
    """The Traffy sample's reference points; the process's index is forgotten with the test's data."""
    result = pins.load_reference_points()
    if result is None:
        pytest.skip("the Traffy sample is not on this machine (PRACHA_DATA_DIR)")
    yield result
    pins.invalidate()


def file(**kwargs) -> Complaint:
    return services.file_complaint(
        **{"channel": "web", "text": FOOTPATH, "anonymous": True, "contact_phone": "0812345678", **kwargs}
    )


@pytest.mark.django_db
def test_a_pin_alone_sends_a_broken_footpath_to_that_district_offices_works_section(
    pin_points, classifier, client
):
    complaint = file(**LAT_YAO_PIN)
    assert complaint.subdistrict_id == LAT_YAO
    assert complaint.subdistrict_from_pin and complaint.subdistrict_confidence >= 0.9
    filed = Job.objects.get(kind="complaints.route", payload__complaint_id=complaint.pk).payload["filed"]
    assert filed["subdistrict"] == LAT_YAO and filed["subdistrict_from_pin"]["confidence"] >= 0.9

    routed = services.route(complaint)
    assert routed.contact_point.code == "BMA.1030/works"
    assert routed.routing_reason["place"]["subdistrict"] == LAT_YAO
    # The reason given to people says where the place came from.
    assert routed.routing_reason["place_from_pin"]["confidence"] >= 0.9
    assert "found from the map pin" in routed.routing_reason["reason"]["en"]
    assert "หมุดบนแผนที่" in routed.routing_reason["reason"]["th"]
    preview = services.decision_for(FOOTPATH, **LAT_YAO_PIN)
    assert preview.contact_point.code == "BMA.1030/works"

    # The officer of the works section sees that nobody gave the place: the pin did.
    officer = User.objects.create_user(username="works1030", password="correct-horse-battery")
    grant_role(officer, contact_point("BMA.1030/works").pk, "case_officer")
    client.force_login(officer)
    page = client.get(f"/complaints/officer/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="place-from-pin"' in text
    assert "Found from the map pin, not given by the complainant (confidence 100%)" in text


@pytest.mark.django_db
def test_a_subdistrict_given_wins_over_a_pin_far_from_it(pin_points):
    complaint = file(subdistrict_code=GRAND_PALACE, **LAT_YAO_PIN)  # pinned 11 km away: kept, not refused
    assert complaint.subdistrict_id == GRAND_PALACE
    assert not complaint.subdistrict_from_pin and complaint.subdistrict_confidence is None


@pytest.mark.django_db
def test_a_pin_where_no_place_is_known_keeps_no_subdistrict(pin_points):
    complaint = file(latitude="18.788300", longitude="98.985300")  # Chiang Mai: no reference points
    assert complaint.subdistrict_id is None and not complaint.subdistrict_from_pin
    assert complaint.latitude is not None


@pytest.mark.django_db
def test_without_reference_points_intake_works_as_before(places):
    pins.invalidate()
    complaint = file(**LAT_YAO_PIN)
    assert complaint.subdistrict_id is None and not complaint.subdistrict_from_pin


@pytest.mark.browser
@pytest.mark.phone
def test_use_my_location_chooses_the_place_and_files_the_complaint_on_a_phone(
    page, pin_points, settings, tmp_path
):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 13.84241, "longitude": 100.56249, "accuracy": 20})
    page.goto("/complaints/new/")
    page.get_by_label("ปัญหาที่ต้องการแจ้ง").fill(FOOTPATH)
    page.get_by_test_id("use-my-location").click()
    status = page.locator("[data-locate-status]")
    expect(status).to_contain_text("ลาดยาว, เขตจตุจักร, กรุงเทพมหานคร")
    expect(page.get_by_label("จังหวัด")).to_have_value("10")
    expect(page.get_by_label("อำเภอ/เขต")).to_have_value("1030")
    expect(page.get_by_label("ตำบล/แขวง", exact=True)).to_have_value(LAT_YAO)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "complaints-form-use-my-location-th-phone")
    page.get_by_label("หมายเลขโทรศัพท์มือถือสำหรับรับแจ้งความคืบหน้า").fill("0812345678")
    page.get_by_test_id("submit-complaint").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ได้รับเรื่องร้องเรียนแล้ว")
    complaint = Complaint.objects.get(tracking_code=page.get_by_test_id("tracking-code").inner_text())
    # The script chose the subdistrict, so the citizen gave it: the pin only filled the lists.
    assert complaint.subdistrict_id == LAT_YAO and not complaint.subdistrict_from_pin
    assert (str(complaint.latitude), str(complaint.longitude)) == ("13.842410", "100.562490")
