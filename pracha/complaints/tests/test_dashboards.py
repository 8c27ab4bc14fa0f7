"""Dashboards and the urgent issues board: figures aggregated in the database, scoped per agency; the
public statistics page without personal data; plotly.js served from this server; sending an issue
to a committee (recorded, audited, told to the agency administrators)."""

import datetime as dt
import gzip
import itertools

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


def hours_after(moment: dt.datetime, hours: float) -> dt.datetime:
    return moment + dt.timedelta(hours=hours)


def test_figures_match_a_hand_computed_case(world):
    """Four complaints in the period, one older and one of another agency; each milestone set by hand
    so that every figure can be worked out on paper (below, beside each assertion)."""
    plan = [  # received (days ago), accepted after (h), in time?, resolved after (h), in time?, rating
        (10, 2, True, 30, True, 5),
        (9, 4, True, 50, False, 3),
        (8, 10, False, 100, True, 4),
        (2, 6, True, None, None, None),
    ]
    made = []
    for n, (ago, accept_h, accept_ok, resolve_h, resolve_ok, rating) in enumerate(plan):
        complaint = make_complaint(f"ทางเท้าชำรุด {n}", world.works, received_at=days_ago(ago))
        officer.accept(complaint, actor=world.officer)
        if resolve_h is not None:
            officer.resolve(complaint, "ซ่อมแล้ว", actor=world.officer)
        received = complaint.received_at
        Complaint.objects.filter(pk=complaint.pk).update(
            accepted_at=hours_after(received, accept_h),
            accepted_late=not accept_ok,
            resolved_at=hours_after(received, resolve_h) if resolve_h is not None else None,
            resolved_late=(not resolve_ok) if resolve_h is not None else None,
            rating=rating,
        )
        made.append(complaint)
    old = make_complaint("เก่า", world.works, received_at=days_ago(40))  # outside 30 days
    Complaint.objects.filter(pk=old.pk).update(rating=1, accepted_at=days_ago(39), accepted_late=True)
    theirs = make_complaint("ของเขตพระนคร", world.other.contact_points.get(code="BMA.1001/works"))
    Complaint.objects.filter(pk=theirs.pk).update(rating=1)

    agency, found = dashboards.agency_figures(world.supervisor, agency_code="BMA.1030", days=30)
    assert found.volume == 4
    # Accepted within the forwarding limit: 3 of 4 (the third was late) = 75.0 %.
    assert (found.forwarded.within, found.forwarded.decided, found.forwarded.percent) == (3, 4, 75.0)
    # Resolved within the limit: 2 of 3 (the fourth is still being dealt with, before its limit).
    assert (found.resolved.within, found.resolved.decided, found.resolved.percent) == (2, 3, 66.7)
    # Median of 2, 4, 6 and 10 hours: (4 + 6) / 2 = 5; of 30, 50 and 100 hours: 50.
    assert found.median_accept_hours == 5.0
    assert found.median_resolve_hours == 50.0
    # Satisfaction: 5, 3 and 4 from three ratings = 4.0; the older one and BMA.1001's are not counted.
    assert (found.ratings, found.rating_average, found.rating_counts) == (3, 4.0, {3: 1, 4: 1, 5: 1})
    # Backlog: every open complaint of the agency, however old (resolved ones wait for confirmation).
    assert found.open == 5
    # Each week of the period is there, a quiet one as 0 (a chart must not join the weeks around it).
    weeks = [w for w, _n in found.weekly]
    assert all(b - a == dt.timedelta(days=7) for a, b in itertools.pairwise(weeks))
    assert len(weeks) in (5, 6) and sum(n for _w, n in found.weekly) == 4 and 0 in dict(found.weekly).values()
    assert all(w.weekday() == 0 for w in weeks)

    # The same, shown on the page with its numbers formatted.
    from django.test import Client

    client = Client()
    client.force_login(world.supervisor)
    page = client.get("/complaints/officer/dashboard/?agency=BMA.1030&days=30").content.decode()
    for testid, shown in (
        ("fig-volume", "4"),
        ("fig-forwarded", "75.0%"),
        ("fig-resolved", "66.7%"),
        ("fig-median-accept", "5"),
        ("fig-median-resolve", "50"),
        ("fig-satisfaction", "4.0"),
    ):
        assert f'data-testid="{testid}">{shown}<' in page, testid
    assert "ข้อมูล ณ " in page and " 25" in page  # Buddhist-era year (25xx)


def test_thousands_are_grouped_on_the_page(world, client, monkeypatch):
    big = dashboards.Figures(30, volume=1234567, open=12345, overdue=1000, as_of=timezone.now())
    monkeypatch.setattr(dashboards, "public_figures", lambda days: big)
    page = client.get("/complaints/stats/").content.decode()
    assert 'data-testid="fig-volume">1,234,567<' in page
    assert 'data-testid="fig-open">12,345<' in page and 'data-testid="fig-overdue">1,000<' in page
    assert 'data-testid="figures-empty"' in page  # no charts without complaints in the weeks


def test_dashboards_and_urgent_issues_are_scoped(world, client):
    """An officer of one agency sees neither another agency's dashboard nor its urgent issues, on the
    pages or through the API; an executive sees the agencies below theirs."""
    from .officer_world import _officer

    for n in range(3):
        make_complaint(f"น้ำท่วม {n}", world.works, subdistrict=world.sub_a, categories=[["flood", 0.9]])
    make_complaint("ทางเท้า พระนคร", world.other.contact_points.get(code="BMA.1001/works"))
    their_boss = _officer("boss1001", world.other.contact_points.get(code="BMA.1001/main"), "supervisor")

    client.force_login(their_boss)
    assert client.get("/complaints/officer/dashboard/?agency=BMA.1030").status_code == 404
    assert client.get("/api/complaints/officer/dashboard?agency=BMA.1030").status_code == 404
    own = client.get("/api/complaints/officer/dashboard").json()
    assert own["figures"]["volume"] == 1  # all in scope: their one complaint
    board = client.get("/complaints/officer/urgent/").content.decode()
    assert 'data-testid="urgent-issue"' not in board and "น้ำท่วม" not in board
    assert client.get("/api/complaints/officer/urgent").json() == []
    sent = client.post(
        "/complaints/officer/urgent/send/",
        {"category": "flood", "level": "subdistrict", "place": "103001", "committee": "ก", "note": "ข"},
    )
    assert sent.status_code == 404 and not IssueReferral.objects.exists()
    dashboard = client.get("/complaints/officer/dashboard/").content.decode()
    assert 'value="BMA.1030"' not in dashboard  # not even offered in the agency list

    client.force_login(world.officer)  # a case officer: their agency's dashboard, no oversight pages
    assert client.get("/complaints/officer/dashboard/?agency=BMA.1030").status_code == 200
    assert client.get("/complaints/officer/dashboard/?agency=BMA.1001").status_code == 404
    assert client.get("/complaints/officer/urgent/").status_code == 404
    assert client.get("/api/complaints/officer/urgent").status_code == 403

    client.force_login(world.executive)  # BMA's executive: both district offices below BMA
    assert {a.code for a in dashboards.agencies_in_scope(world.executive)} == {"BMA.1001", "BMA.1030"}
    assert client.get("/api/complaints/officer/dashboard").json()["figures"]["volume"] == 4
    assert client.get("/api/complaints/officer/dashboard?agency=BMA.1001").json()["figures"]["volume"] == 1
    page = client.get("/complaints/officer/dashboard/?agency=BMA.1030").content.decode()
    assert 'data-testid="fig-volume">3<' in page
    issues = client.get("/api/complaints/officer/urgent").json()
    assert [(i["category"], i["this_week"]) for i in issues] == [("flood", 3)]
    assert client.get("/complaints/officer/dashboard/?agency=MEA").status_code == 404
