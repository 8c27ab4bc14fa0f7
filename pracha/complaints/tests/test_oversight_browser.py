"""Supervisors, executives and the public in a real browser: the urgent issues board (an issue sent to
a committee, on a phone), the agency dashboard with its plotly charts drawn from this server, the
units' backlog on a phone, the public statistics on a phone, and a bulk action on the queue."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from pracha.complaints.models import Complaint, Correction, IssueReferral
from pracha.conftest import screenshot
from pracha.notify.models import Notification

from . import officer_world
from .officer_world import make_complaint
from .test_officer_browser import sign_in

pytestmark = pytest.mark.browser
world = officer_world.world  # the fixture
PHONE_WIDTH = 390


@pytest.fixture(autouse=True)
def nothing_cached():
    """The public figures and the list of units are cached; each test starts from its own world."""
    cache.clear()
    yield
    cache.clear()


def days_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def only_this_server(page, live_server) -> list[str]:
    """Every address the page asks for that is not this server (charts must need no CDN)."""
    outside: list[str] = []
    mine = (live_server.url, "data:", "blob:")
    page.on("request", lambda r: None if r.url.startswith(mine) else outside.append(r.url))
    return outside


def top_to_bottom(labels) -> list[str]:
    """A chart's axis labels as a reader sees them, from the top down."""
    return [t for _y, t in sorted((el.bounding_box()["y"], el.text_content()) for el in labels.all())]


def busy_fortnight(world) -> None:
    """Four critical flooding complaints in Lat Yao this week; four footpath ones in Sena Nikhom last
    week and one this week."""
    for n in range(4):
        make_complaint(
            f"น้ำท่วมขังสูงครึ่งเมตรหน้าซอยพหลโยธิน 45 รถเล็กผ่านไม่ได้ ({n})",
            world.works,
            subdistrict=world.sub_a,
            categories=[["flooding", 0.93]],
            urgency="critical",
        )
    for n in range(4):
        make_complaint(
            f"ทางเท้าหน้าตลาดยุบเป็นหลุม ({n})", world.works, subdistrict=world.sub_b, received_at=days_ago(9)
        )
    make_complaint("ทางเท้าหน้าตลาดยุบเป็นหลุมอีกจุด", world.works, subdistrict=world.sub_b)


@pytest.mark.phone
def test_a_supervisor_sends_an_urgent_issue_to_a_committee_on_a_phone(page, world):
    busy_fortnight(world)
    sign_in(page, "boss")
    page.goto("/complaints/officer/urgent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ประเด็นเร่งด่วน")
    issues = page.get_by_test_id("urgent-issue")
    expect(issues).to_have_count(2)
    top = issues.nth(0)
    # Ranked first: 4 this week × severity 2 (all critical) × growth 3 (capped) = 24.
    expect(top.get_by_role("heading")).to_have_text("1. น้ำท่วม · ลาดยาว, จตุจักร")
    expect(top.get_by_test_id("issue-this-week")).to_have_text("4")
    expect(top.get_by_test_id("issue-score")).to_have_text("24")
    expect(issues.nth(1).get_by_role("heading")).to_have_text("2. ทางเท้า · เสนานิคม, จตุจักร")
    fits_a_phone(page)
    screenshot(page, "complaints-urgent-board-th-phone")

    top.get_by_text("ส่งคณะกรรมการ", exact=True).click()
    top.get_by_label("คณะกรรมการ", exact=True).fill("คณะกรรมการแก้ไขปัญหาน้ำท่วมเขตจตุจักร")
    top.get_by_label("บันทึกถึงคณะกรรมการ").fill("น้ำท่วมขังซ้ำทุกครั้งที่ฝนตก ขอให้พิจารณาลอกท่อระบายน้ำทั้งซอย")
    fits_a_phone(page)
    top.get_by_test_id("send-issue").click()

    expect(page.get_by_text("ส่งประเด็นถึงคณะกรรมการแก้ไขปัญหาน้ำท่วมเขตจตุจักรแล้ว")).to_be_visible()
    sent = page.get_by_test_id("urgent-issue").nth(0).get_by_test_id("issue-sent")
    expect(sent).to_contain_text("คณะกรรมการแก้ไขปัญหาน้ำท่วมเขตจตุจักร")
    expect(sent).to_contain_text(f"{timezone.localdate().year + 543}")  # Buddhist-era date
    expect(sent).to_contain_text("Boss")
    fits_a_phone(page)
    screenshot(page, "complaints-urgent-board-sent-th-phone")
    referral = IssueReferral.objects.get()
    assert (referral.category, referral.place_code, referral.agency) == ("flooding", "103001", world.district)
    assert referral.figures["this_week"] == 4 and referral.figures["score"] == 24.0
    assert Notification.objects.filter(user=world.admin, subject__contains="น้ำท่วม").exists()


def test_the_agency_dashboard_draws_its_charts_from_this_server(page, world, live_server):
    busy_fortnight(world)
    rated = make_complaint("ไฟฟ้าส่องสว่างดับทั้งซอย", world.cleanliness, categories=[["streetlight", 0.8]])
    Complaint.objects.filter(pk=rated.pk).update(rating=4)
    outside = only_this_server(page, live_server)
    sign_in(page, "boss")
    page.goto("/complaints/officer/dashboard/?agency=BMA.1030&days=30")
    expect(page.get_by_role("heading", level=1)).to_have_text("แดชบอร์ดเรื่องร้องเรียน")
    expect(page.get_by_test_id("fig-volume")).to_have_text("10")
    expect(page.get_by_label("หน่วยงาน", exact=True)).to_have_value("BMA.1030")
    # Each chart is drawn by plotly.js (an SVG with its axes) under its Thai heading.
    for chart_id, heading in (
        ("chart-weekly", "จำนวนเรื่องร้องเรียนที่รับในแต่ละสัปดาห์"),
        ("chart-categories", "ประเภทเรื่องที่พบบ่อยที่สุด"),
        ("chart-channels", "เรื่องร้องเรียนแยกตามช่องทาง"),
        ("chart-ratings", "คะแนนความพึงพอใจ (1 ถึง 5)"),
    ):
        card = page.get_by_test_id(chart_id)
        expect(card.get_by_role("heading")).to_have_text(heading)
        expect(card.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    categories = page.get_by_test_id("chart-categories").locator(".ytick text")
    assert top_to_bottom(categories) == ["ทางเท้า", "น้ำท่วม", "แสงสว่าง"]  # most frequent first
    weekly = page.get_by_test_id("chart-weekly").locator(".xtick text")
    expect(weekly.first).to_contain_text(f"{(timezone.localdate() - dt.timedelta(days=30)).year + 543}")
    # Counts are whole numbers from zero (no 0.5 steps).
    ticks = page.get_by_test_id("chart-channels").locator(".ytick text").all_text_contents()
    assert ticks[0] == "0" and all(t.isdigit() for t in ticks)
    font = page.evaluate(
        "getComputedStyle(document.querySelector('#chart-categories .ytick text')).fontFamily"
    )
    assert "Noto Sans Thai" in font
    page.get_by_test_id("chart-channels-table").locator("summary").click()
    expect(page.get_by_test_id("chart-channels-table").get_by_role("row")).to_have_count(2)
    screenshot(page, "complaints-dashboard-th")
    assert outside == []


@pytest.mark.phone
def test_the_units_backlog_on_a_phone(page, world):
    make_complaint("ทางเท้าชำรุด", world.works, received_at=days_ago(3))
    for n in range(2):
        make_complaint(f"ขยะไม่ได้จัดเก็บ {n}", world.cleanliness)
    overdue = make_complaint("ทางเท้าเกินกำหนด", world.works)
    overdue.case.due_at = days_ago(1)
    overdue.case.save(update_fields=["due_at"])
    sign_in(page, "boss")
    page.goto("/complaints/officer/backlog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("เรื่องค้างของแต่ละฝ่าย")
    expect(page.get_by_test_id("backlog-open")).to_have_text("4")
    rows = page.get_by_test_id("backlog").locator("tbody tr")
    expect(rows).to_have_count(2)
    # The unit with overdue complaints first, by its name and its agency's; the code is secondary.
    expect(rows.nth(0).get_by_role("rowheader")).to_contain_text("ฝ่ายโยธา")
    expect(rows.nth(0).get_by_role("rowheader")).to_contain_text("สำนักงานเขตจตุจักร")
    expect(rows.nth(1).get_by_role("rowheader")).to_contain_text("ฝ่ายรักษาความสะอาดและสวนสาธารณะ")
    fits_a_phone(page)
    screenshot(page, "complaints-backlog-th-phone")
    rows.nth(0).get_by_role("link", name="ฝ่ายโยธา").click()
    expect(page.get_by_test_id("queue-row")).to_have_count(2)


@pytest.mark.phone
def test_the_public_statistics_on_a_phone(page, world, live_server):
    busy_fortnight(world)
    outside = only_this_server(page, live_server)
    page.goto("/complaints/stats/")
    expect(page.get_by_role("heading", level=1)).to_have_text("สถิติเรื่องร้องเรียน")
    expect(page.get_by_test_id("fig-volume")).to_have_text("9")
    expect(page.get_by_test_id("figures-as-of")).to_contain_text(f"ข้อมูล ณ {timezone.localdate().day} ")
    expect(page.get_by_test_id("chart-weekly").locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.get_by_test_id("chart-categories").locator(".ytick text")).to_have_count(2)
    assert top_to_bottom(page.get_by_test_id("chart-categories").locator(".ytick text")) == [
        "ทางเท้า",
        "น้ำท่วม",
    ]
    # The chart fits the card on a phone (plotly is told to be responsive).
    width = page.get_by_test_id("chart-weekly").locator(".main-svg").first.bounding_box()["width"]
    assert width <= PHONE_WIDTH - 32
    fits_a_phone(page)
    body = page.locator("main").inner_text()
    assert "ทางเท้าหน้าตลาดยุบ" not in body and "0812345678" not in body  # counts only
    screenshot(page, "complaints-public-stats-th-phone")
    assert outside == []


def test_a_bulk_action_on_the_queue(page, world):
    power = [
        make_complaint(f"ไฟฟ้าดับทั้งซอยพหลโยธิน {n}", world.works, categories=[["power", 0.7]])
        for n in (45, 47, 49)
    ]
    footpath = make_complaint("ทางเท้าหน้าตลาดนัดจตุจักรแตกเป็นหลุมลึก", world.works, subdistrict=world.sub_a)
    sign_in(page, "somchai")
    page.goto("/complaints/officer/")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("ฝ่ายโยธา")
    expect(rows.nth(0)).to_contain_text("สำนักงานเขตจตุจักร")
    expect(page.get_by_test_id("queue")).not_to_contain_text("BMA.1030")  # names, not codes
    # The receiving unit is picked by name: the list offers each unit with its agency's name.
    mea = "สารบรรณกลาง · การไฟฟ้านครหลวง (MEA/main)"
    expect(page.locator(f'#unit-choices option[value="{mea}"]')).to_have_count(1)

    # The three power cuts go to MEA at once: every complaint on the page but the footpath one.
    page.get_by_label("เลือกเรื่องร้องเรียนทั้งหมดในหน้านี้").check()
    page.get_by_label(f"เลือกเรื่องร้องเรียน {footpath.tracking_code}").uncheck()
    assert page.evaluate("document.getElementById('select-all').indeterminate")
    for complaint in power:
        expect(page.get_by_label(f"เลือกเรื่องร้องเรียน {complaint.tracking_code}")).to_be_checked()
    # Only what the chosen action needs is shown.
    expect(page.get_by_label("หน่วยที่รับเรื่อง (กรณีส่งต่อ)")).to_be_hidden()
    page.get_by_label("การดำเนินการ").select_option("transfer")
    expect(page.get_by_label("มอบหมายให้", exact=False)).to_be_hidden()
    page.get_by_label("หน่วยที่รับเรื่อง (กรณีส่งต่อ)").fill(mea)
    page.get_by_label("เหตุผล (จำเป็นเมื่อส่งต่อ)").fill("ไฟฟ้าดับเป็นงานของการไฟฟ้านครหลวง")
    screenshot(page, "complaints-queue-bulk-chosen-th")
    page.get_by_test_id("bulk-submit").click()

    expect(page.get_by_text("ดำเนินการแล้ว 3 เรื่อง")).to_be_visible()
    expect(page.get_by_test_id("queue-row")).to_have_count(1)
    expect(page.get_by_test_id("queue-row").first).to_contain_text(footpath.tracking_code)
    screenshot(page, "complaints-queue-bulk-done-th")
    for complaint in power:
        complaint.refresh_from_db()
        assert complaint.agency == world.mea
    assert Correction.objects.filter(complaint__in=power, to_agency=world.mea).count() == 3

    # Nothing selected: told so, nothing changes.
    page.get_by_label("การดำเนินการ").select_option("accept")
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_text("กรุณาเลือกเรื่องร้องเรียนอย่างน้อยหนึ่งเรื่องก่อน")).to_be_visible()


@pytest.mark.phone
def test_an_executive_reads_the_dashboard_of_an_office_below_on_a_phone(page, world):
    busy_fortnight(world)
    make_complaint("ทางเท้าพระนคร", world.other.contact_points.get(code="BMA.1001/works"))
    sign_in(page, "exec")
    page.goto("/complaints/officer/dashboard/")
    expect(page.get_by_test_id("fig-volume")).to_have_text("10")  # both district offices below BMA
    choices = page.get_by_label("หน่วยงาน", exact=True).locator("option")
    expect(choices).to_have_text(["ทุกหน่วยงานที่ท่านมีสิทธิ์ดู", "สำนักงานเขตจตุจักร", "สำนักงานเขตพระนคร"])
    page.get_by_label("หน่วยงาน", exact=True).select_option("BMA.1001")
    page.get_by_role("button", name="แสดง").click()
    expect(page.get_by_test_id("fig-volume")).to_have_text("1")
    expect(page.locator(".lead")).to_have_text("สำนักงานเขตพระนคร")
    expect(page.get_by_test_id("chart-weekly").locator(".js-plotly-plot .main-svg").first).to_be_visible()
    fits_a_phone(page)
    screenshot(page, "complaints-dashboard-executive-th-phone")
