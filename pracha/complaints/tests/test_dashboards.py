"""Dashboards and the urgent issues board: figures aggregated in the database, scoped per agency; the
public statistics page without personal data; plotly.js served from this server; sending an issue
to a committee (recorded, audited, told to the agency administrators)."""

import datetime as dt
import gzip

import plotly
import pytest
from django.core.cache import cache
from django.utils import timezone

from pracha.audit.models import AuditRecord
from pracha.complaints import dashboards, urgent
from pracha.complaints import officer_services as officer
from pracha.complaints.models import Complaint, IssueReferral
from pracha.core.errors import PrachaError
from pracha.notify.models import Notification

from . import officer_world
from .officer_world import make_complaint

pytestmark = pytest.mark.django_db
world = officer_world.world  # the fixture


def days_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def no_cached_figures():
    cache.clear()


def at(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_agency_figures(world, monkeypatch):
    start = timezone.now()
    fast = make_complaint("ทางเท้าชำรุด", world.works, received_at=start - dt.timedelta(hours=1))
    slow = make_complaint(
        "ไฟดับ", world.works, channel="hotline", forwarding_hours=2, categories=[["light", 0.8]]
    )
    waiting = make_complaint("ขยะ", world.cleanliness, forwarding_hours=2)
    make_complaint("เก่ามาก", world.works, received_at=days_ago(200))
    make_complaint("ของเขตอื่น", world.other.contact_points.get(code="BMA.1001/works"))
    officer.accept(fast, actor=world.officer)
    at(monkeypatch, start + dt.timedelta(hours=5))
    officer.accept(slow, actor=world.officer)  # after its 2-hour limit
    officer.resolve(fast, "ซ่อมแล้ว", actor=world.officer)
    Complaint.objects.filter(pk=fast.pk).update(rating=4)
    Complaint.objects.filter(pk=slow.pk).update(rating=2)

    agency, found = dashboards.agency_figures(world.supervisor, agency_code="BMA.1030", days=30)
    assert agency == world.district
    assert found.volume == 3
    # fast accepted in time; slow accepted late; waiting still not accepted past its limit.
    assert (found.forwarded.within, found.forwarded.late, found.forwarded.percent) == (1, 2, 33.3)
    assert (found.resolved.within, found.resolved.late) == (1, 0)
    assert found.median_accept_hours == pytest.approx(3.0, abs=0.1)  # of 1 h and 5 h
    assert found.median_resolve_hours == pytest.approx(6.0, abs=0.1)
    assert (found.ratings, found.rating_average, found.rating_counts) == (2, 3.0, {4: 1, 2: 1})
    assert dict(found.top_categories) == {"footpath": 2, "light": 1}
    assert dict(found.by_channel) == {"web": 2, "hotline": 1}
    assert dict(found.by_state) == {"resolved": 1, "in_progress": 1, "forwarded": 1}
    assert (found.open, found.overdue) == (4, 1)  # the old one is still open; only waiting is overdue
    assert sum(n for _w, n in found.weekly) == 3
    assert waiting.pk  # counted above as late

    # Scope: another agency's dashboard does not exist for this officer; theirs has one complaint.
    with pytest.raises(PrachaError) as exc:
        dashboards.agency_figures(world.officer, agency_code="BMA.1001")
    assert exc.value.status == 404
    assert dashboards.agency_figures(world.outsider)[1].volume == 1
    assert [a.code for a in dashboards.agencies_in_scope(world.officer)] == ["BMA.1030"]
    as_json = found.as_dict()
    assert as_json["forwarded_within_limit"]["percent"] == 33.3 and as_json["satisfaction"]["average"] == 3.0


def test_charts_have_their_tables(world):
    make_complaint("ทางเท้าชำรุด", world.works)
    charts = dashboards.charts(dashboards.agency_figures(world.officer)[1])
    ids = [c["id"] for c in charts]
    assert ids == ["chart-weekly", "chart-categories", "chart-channels"]  # no ratings yet
    assert all('<div id="' in c["html"] and "Plotly.newPlot" in c["html"] for c in charts)
    assert all("cdn" not in c["html"].lower() for c in charts)
    assert [n for _label, n in charts[2]["rows"]] == [1]


def test_public_stats_page_has_no_personal_data(world, client):
    complaint = make_complaint("ทางเท้าหน้าบ้านเลขที่ 99 ชำรุด", world.works)
    response = client.get("/complaints/stats/")
    assert response.status_code == 200
    page = response.content.decode()
    for private in (complaint.text, complaint.tracking_code, complaint.contact_phone, complaint.contact_name):
        assert private not in page
    assert f"/complaints/plotly-{plotly.__version__}.min.js" in page
    assert 'data-testid="chart-weekly-table"' in page
    assert client.get("/complaints/stats/?days=30").status_code == 200


def test_plotly_is_served_locally_with_caching(client):
    url = f"/complaints/plotly-{plotly.__version__}.min.js"
    plain = client.get(url)
    assert plain.status_code == 200 and plain["Content-Type"].startswith("text/javascript")
    assert b"plotly.js" in plain.content[:2000]
    assert "immutable" in plain["Cache-Control"]
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert packed["Content-Encoding"] == "gzip" and gzip.decompress(packed.content) == plain.content
    assert client.get(url, HTTP_IF_NONE_MATCH=plain["ETag"]).status_code == 304
    assert client.get("/complaints/plotly-0.0.1.min.js").status_code == 404


def test_urgent_issues_are_ranked_by_volume_growth_and_severity(world):
    for n in range(4):  # a big, growing, critical cluster in Lat Yao
        make_complaint(
            f"น้ำท่วมขัง {n}",
            world.works,
            subdistrict=world.sub_a,
            categories=[["flood", 0.9]],
            urgency="critical",
        )
    for n in range(4):  # as many, but last week, and not urgent, in Sena Nikhom
        make_complaint(
            f"ทางเท้า {n}", world.works, subdistrict=world.sub_b, received_at=days_ago(10), urgency="low"
        )
    make_complaint("ทางเท้า", world.works, subdistrict=world.sub_b)
    make_complaint("น้ำท่วม ที่เดียว", world.works, subdistrict=world.sub_b, categories=[["flood", 0.9]])
    make_complaint(
        "เขตอื่น", world.other.contact_points.get(code="BMA.1001/works"), subdistrict=world.sub_a,
        categories=[["flood", 0.9]],
    )  # fmt: skip

    found = urgent.issues(world.supervisor)
    assert [(i.category, i.place_code) for i in found] == [("flood", "103001"), ("footpath", "103002")]
    top, second = found
    assert (top.this_week, top.last_week, top.critical, top.high) == (4, 0, 4, 0)
    assert top.severity == 2.0 and top.growth == 3.0 and top.score == 24.0
    assert (second.this_week, second.last_week) == (1, 4) and second.growth == 0.5
    by_district = urgent.issues(world.supervisor, level="district")
    assert [(i.category, i.this_week) for i in by_district] == [("flood", 5), ("footpath", 1)]
    with pytest.raises(PrachaError):
        urgent.issues(world.officer)  # case officers do not see the board
    with pytest.raises(PrachaError):
        urgent.issues(world.supervisor, level="province")


def test_a_supervisor_sends_an_issue_to_a_committee(world):
    for n in range(3):
        make_complaint(f"น้ำท่วม {n}", world.works, subdistrict=world.sub_a, categories=[["flood", 0.9]])
    with pytest.raises(PrachaError) as exc:
        urgent.send_to_committee(
            world.supervisor,
            category="flood",
            level="subdistrict",
            place_code="103001",
            committee="",
            note="",
        )
    assert exc.value.fields == {"committee": "required", "note": "required"}
    with pytest.raises(PrachaError) as exc:
        urgent.send_to_committee(
            world.executive,
            category="flood",
            level="subdistrict",
            place_code="103001",
            committee="ก",
            note="ข",
        )
    assert exc.value.status == 403
    with pytest.raises(PrachaError) as exc:
        urgent.send_to_committee(
            world.supervisor,
            category="flood",
            level="subdistrict",
            place_code="103002",
            committee="ก",
            note="ข",
        )
    assert exc.value.status == 404

    referral = urgent.send_to_committee(
        world.supervisor,
        category="flood",
        level="subdistrict",
        place_code="103001",
        committee="คณะกรรมการแก้ไขปัญหาน้ำท่วม",
        note="ขอให้พิจารณาเร่งด่วน",
    )
    assert referral.agency == world.district and referral.figures["this_week"] == 3
    assert AuditRecord.objects.filter(action="complaints.issue_sent", object_id=str(referral.pk)).exists()
    told = Notification.objects.filter(user=world.admin)
    assert told.exists() and "คณะกรรมการแก้ไขปัญหาน้ำท่วม" in told.first().subject
    board = urgent.issues(world.supervisor)
    assert board[0].referral == referral
    assert IssueReferral.objects.count() == 1
    # Another agency's supervisors do not see that it was sent.
    assert urgent._latest_referrals(world.outsider, board) == {}
