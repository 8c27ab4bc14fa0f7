"""Possible duplicates: near and of the same category (haversine or the same subdistrict), or with very
similar Thai text; configurable limits; stored flags shown only within the reader's scope."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from pracha.agencies.models import ContactPoint
from pracha.audit.models import AuditRecord
from pracha.complaints import duplicates
from pracha.complaints import officer_services as officer
from pracha.complaints.models import Complaint, DuplicateCandidate

from . import officer_world
from .officer_world import make_complaint

pytestmark = pytest.mark.django_db
world = officer_world.world  # the fixture
# Two points on Phahonyothin Road about 110 m apart, and one about 1.1 km away.
HERE = (13.816000, 100.560000)
NEAR = (13.817000, 100.560000)
FAR = (13.826000, 100.560000)


def test_haversine_against_known_distances():
    assert duplicates.haversine_m(13.0, 100.0, 14.0, 100.0) == pytest.approx(111_195, rel=1e-4)
    assert duplicates.haversine_m(*HERE, *NEAR) == pytest.approx(111.2, abs=0.5)
    assert duplicates.haversine_m(*HERE, *HERE) == 0


def test_thai_words_and_similarity():
    words = duplicates.words("ทางเท้าชำรุดหน้าตลาด")
    assert "ทางเท้า" in words and "ตลาด" in words
    same, other = duplicates.text_similarities(
        "ทางเท้าหน้าตลาดชำรุดเป็นหลุมใหญ่",
        ["ทางเท้าชำรุดเป็นหลุมใหญ่หน้าตลาด", "ไฟฟ้าดับทั้งหมู่บ้านตั้งแต่เมื่อคืน"],
    )
    assert same > 0.5 > other
    assert duplicates.text_similarities("", ["ทางเท้า"]) == [0.0]


def test_the_similarity_space_is_scikit_learns_tfidf(monkeypatch):
    """The space is built from counts cached per text, yet gives TfidfVectorizer's cosines (sublinear
    tf, smooth idf, L2 rows), whatever words this process has seen before and when the cache was
    emptied between two spaces."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    monkeypatch.setattr(duplicates, "_TERM_COUNTS", duplicates._TermCounts(limit=3))
    texts = ["ทางเท้า ชำรุด ทางเท้า หลุม", "ทางเท้า หลุม ใหญ่", "ไฟฟ้า ดับ", "", "หลุม หลุม หลุม ชำรุด"]
    matrix = TfidfVectorizer(analyzer=str.split, sublinear_tf=True).fit_transform(texts)
    expected = (matrix @ matrix.T).toarray()
    for seen_before in (["คำ อื่น ทาง เท้า"], ["ดับ ไฟฟ้า", "ใหญ่"], []):
        duplicates._Space(dict(enumerate(seen_before)))  # words seen first take the first columns
        space = duplicates._Space(dict(enumerate(texts)))
        ours = np.array(space.similarities(list(range(5)), [list(range(5))] * 5))
        assert ours == pytest.approx(expected, abs=1e-9)
    assert duplicates.text_similarities("", [""]) == [0.0]


def test_near_and_same_category_is_flagged(world):
    first = make_complaint("ทางเท้าแตก", world.works, lat=HERE[0], lng=HERE[1])
    make_complaint("ทางเท้าแตกอีกจุด ไกลออกไป", world.works, lat=FAR[0], lng=FAR[1])
    make_complaint("ไฟฟ้าดับ", world.works, lat=NEAR[0], lng=NEAR[1], categories=[["power", 0.9]])
    new = make_complaint("เดินไม่ได้เลย ต้องลงไปเดินบนถนน", world.works, lat=NEAR[0], lng=NEAR[1])
    found = duplicates.find_candidates(new)
    assert [c.complaint for c in found] == [first]
    assert found[0].reasons == ["near"]
    assert found[0].distance_m == pytest.approx(111.2, abs=0.5)
    assert 0.5 < found[0].score <= 1


def test_the_distance_and_days_come_from_settings(world, settings):
    first = make_complaint("ทางเท้าแตก", world.works, lat=HERE[0], lng=HERE[1])
    new = make_complaint("ต้องเดินลงถนน", world.works, lat=FAR[0], lng=FAR[1])
    assert duplicates.find_candidates(new) == []
    settings.PRACHA_COMPLAINT_DUPLICATE_METRES = 1500
    assert [c.complaint for c in duplicates.find_candidates(new)] == [first]
    new.received_at = timezone.now() + dt.timedelta(days=20)
    assert duplicates.find_candidates(new) == []
    settings.PRACHA_COMPLAINT_DUPLICATE_DAYS = 30
    assert [c.complaint for c in duplicates.find_candidates(new)] == [first]


def test_without_coordinates_the_same_subdistrict_counts(world):
    first = make_complaint("ทางเท้าแตก", world.works, subdistrict=world.sub_a)
    make_complaint("ทางเท้าแตกที่อื่น", world.works, subdistrict=world.sub_b)
    new = make_complaint("ต้องลงไปเดินบนถนน", world.works, subdistrict=world.sub_a)
    found = duplicates.find_candidates(new)
    assert [c.complaint for c in found] == [first] and found[0].reasons == ["same_subdistrict"]
    assert found[0].distance_m is None


def test_a_pinned_complaint_meets_unpinned_ones_of_its_subdistrict(world):
    """One query serves a burst mixing pins and subdistricts; each complaint keeps its own matches,
    of its own categories (the database filters them on PostgreSQL, Python everywhere)."""
    unpinned = make_complaint("ทางเท้าแตก", world.works, subdistrict=world.sub_a)
    make_complaint("ทางเท้าแตกที่อื่น", world.works, subdistrict=world.sub_b)
    make_complaint("ไฟฟ้าดับ", world.works, subdistrict=world.sub_a, categories=[["power", 0.9]])
    pinned = make_complaint("ทางเท้าแตกอีก", world.works, lat=HERE[0], lng=HERE[1], subdistrict=world.sub_b)
    new_pin = make_complaint("เดินไม่ได้", world.works, lat=NEAR[0], lng=NEAR[1], subdistrict=world.sub_a)
    new_sub = make_complaint("ต้องลงไปเดินบนถนน", world.works, subdistrict=world.sub_a)
    by_pin, by_sub = duplicates.find_candidates_many([new_pin, new_sub])
    # (Their short texts may be similar too: only the place is looked at here.)
    assert {c.complaint: c.reasons[:1] for c in by_pin} == {
        unpinned: ["same_subdistrict"],
        pinned: ["near"],
        new_sub: ["same_subdistrict"],
    }
    assert {c.complaint: c.reasons[:1] for c in by_sub} == {
        unpinned: ["same_subdistrict"],
        new_pin: ["same_subdistrict"],
    }


def test_very_similar_text_is_flagged_anywhere_in_the_agency(world, settings):
    first = make_complaint(
        "ฝาท่อระบายน้ำหน้าโรงเรียนวัดลาดพร้าวหายไป รถจักรยานยนต์ตกหลุม", world.works, categories=[["drain", 0.9]]
    )
    new = make_complaint(
        "ฝาท่อระบายน้ำหน้าโรงเรียนวัดลาดพร้าวหายไปสองวัน รถจักรยานยนต์ตกหลุม", world.cleanliness, categories=[]
    )
    found = duplicates.find_candidates(new)
    assert [c.complaint for c in found] == [first]
    assert found[0].reasons == ["similar_text"] and found[0].score == found[0].text_similarity
    settings.PRACHA_COMPLAINT_DUPLICATE_TEXT_SIMILARITY = 0.99
    assert duplicates.find_candidates(new) == []


def test_words_kept_at_routing_are_compared_as_the_text_itself_would_be(world):
    """Routing keeps each complaint's words; the comparison reads them instead of segmenting again,
    and a complaint routed before words were kept is segmented on the spot: the same answer."""
    text = "ฝาท่อระบายน้ำหน้าโรงเรียนวัดลาดพร้าวหายไป รถจักรยานยนต์ตกหลุม"
    kept = make_complaint(text, world.works, categories=[["drain", 0.9]])
    Complaint.objects.filter(pk=kept.pk).update(text_words=" ".join(duplicates.words(text)))
    unkept = make_complaint(text + " ตั้งแต่เมื่อวาน", world.works, categories=[["drain", 0.9]])
    new = make_complaint(text + " อีกแล้ว", world.cleanliness, categories=[])
    found = {c.complaint.pk: c.text_similarity for c in duplicates.find_candidates(new)}
    assert found.keys() == {kept.pk, unkept.pk}
    # The same figures as comparing the raw texts in one TF-IDF space.
    expected = duplicates.text_similarities(new.text, [text, unkept.text])
    assert [found[kept.pk], found[unkept.pk]] == pytest.approx(expected, abs=1e-4)


def test_closed_and_merged_complaints_are_not_candidates(world):
    closed = make_complaint("ทางเท้าแตก", world.works, subdistrict=world.sub_a)
    officer.reject(closed, "ซ้ำกับเรื่องเก่า", actor=world.officer)
    new = make_complaint("ทางเท้าแตกมาก", world.works, subdistrict=world.sub_a)
    assert duplicates.find_candidates(new) == []


def test_flags_are_stored_audited_and_shown_within_scope(world):
    theirs = make_complaint(
        "ทางเท้าแตกหน้าตลาดนัดจตุจักร",
        world.other.contact_points.get(code="BMA.1001/works"),
        subdistrict=world.sub_a,
    )
    mine = make_complaint("ทางเท้าแตกหน้าตลาดนัด", world.works, subdistrict=world.sub_a)
    new = make_complaint("ทางเท้าแตกหน้าตลาดนัดจตุจักร เดินไม่ได้", world.works, subdistrict=world.sub_a)
    stored = duplicates.flag_duplicates(new)
    assert {r.candidate for r in stored} == {theirs, mine}
    assert duplicates.flag_duplicates(new) and DuplicateCandidate.objects.count() == 2  # once per pair
    audit = AuditRecord.objects.filter(action="complaints.duplicates_flagged", object_id=str(new.pk)).first()
    assert audit is not None and len(json.loads(audit.data)["candidates"]) == 2

    visible = officer.visible_cases(world.officer, status="all")
    assert [f.candidate for f in duplicates.flags_of(new, visible)] == [mine]
    officer.dismiss_duplicate(new, mine.pk, actor=world.officer)
    assert list(duplicates.flags_of(new, visible)) == []


DRAIN = "ฝาท่อระบายน้ำหน้าโรงเรียนวัดลาดพร้าวหายไป รถจักรยานยนต์ตกหลุม"


def test_each_complaint_of_a_burst_is_compared_with_its_own_pool(world):
    """One query serves a burst; each complaint still compares its text only with open complaints of
    its agency or its district, received within the days limit of it."""
    now = timezone.now()
    mea = ContactPoint.objects.get(code="MEA/main")
    other_works = ContactPoint.objects.get(code="BMA.1001/works")
    in_agency = make_complaint(DRAIN + " แถวซอย", world.works, categories=[])
    in_district = make_complaint(DRAIN + " ตรงป้าย", other_works, subdistrict=world.sub_a, categories=[])
    long_ago = make_complaint(
        DRAIN + " นานแล้ว", world.works, categories=[], received_at=now - dt.timedelta(days=31)
    )

    same_agency = make_complaint(DRAIN + " อีก", world.cleanliness, categories=[])
    same_district = make_complaint(DRAIN + " อีกครั้ง", mea, subdistrict=world.sub_b, categories=[])
    by_post = make_complaint(
        DRAIN + " จดหมาย", world.works, categories=[], received_at=now - dt.timedelta(days=30)
    )

    found = duplicates.find_candidates_many([same_agency, same_district, by_post])
    assert [{c.complaint for c in cs} for cs in found] == [{in_agency}, {in_district}, {long_ago}]


def test_only_the_newest_of_the_pool_are_compared(world, settings):
    settings.PRACHA_COMPLAINT_DUPLICATE_TEXT_POOL = 2
    now = timezone.now()
    older, newer, newest = (
        make_complaint(DRAIN + f" ครั้งที่ {hours}", world.works, received_at=now - dt.timedelta(hours=hours))
        for hours in (3, 2, 1)
    )
    new = make_complaint(DRAIN, world.cleanliness, categories=[])
    assert {c.complaint for c in duplicates.find_candidates(new)} == {newer, newest}


def test_the_process_keeps_its_open_complaints_up_to_date_between_checks(world):
    """The open complaints are read once and then caught up before each check: complaints routed
    since, including one that was still waiting to be routed at the last look, are compared; one
    closed since is never offered (the check confirms its candidates) and is left out after."""
    first = make_complaint(DRAIN + " หนึ่ง", world.works, subdistrict=world.sub_a)
    waiting = Complaint.objects.create(channel="web", text=DRAIN + " สอง", subdistrict=world.sub_a)
    new = make_complaint(DRAIN + " สาม", world.works, subdistrict=world.sub_a)
    assert {c.complaint for c in duplicates.find_candidates(new)} == {first}

    later = make_complaint(DRAIN + " สี่", world.works, subdistrict=world.sub_a)
    routed = make_complaint(DRAIN + " ห้า", world.works, subdistrict=world.sub_a)
    # The waiting complaint is routed now: it takes the case of another to keep this short.
    Complaint.objects.filter(pk=routed.pk).update(case=None, routing=Complaint.Routing.PENDING)
    Complaint.objects.filter(pk=waiting.pk).update(
        case=routed.case,
        routing=Complaint.Routing.ROUTED,
        categories=routed.categories,
        agency=world.works.agency,
    )
    officer.reject(first, "ซ้ำกับเรื่องเก่า", actor=world.officer)
    assert {c.complaint.pk for c in duplicates.find_candidates(new)} == {later.pk, waiting.pk}
    assert duplicates._LIVE.index.entries[first.pk].gone


def test_the_open_complaints_are_read_again_after_a_while(world, monkeypatch):
    """What the catch-up cannot see (a complaint re-categorised or re-opened) counts once the process
    reads its open complaints again, at most RELOAD_SECONDS later."""
    other = make_complaint("ไฟฟ้าดับทั้งซอย", world.works, subdistrict=world.sub_a, categories=[["power", 0.9]])
    new = make_complaint("ทางเท้าแตก เดินไม่ได้", world.works, subdistrict=world.sub_a)
    assert duplicates.find_candidates(new) == []
    Complaint.objects.filter(pk=other.pk).update(categories=[["footpath", 0.8]])
    assert duplicates.find_candidates(new) == []  # not yet
    monkeypatch.setattr(duplicates._LiveIndex, "RELOAD_SECONDS", 0.0)
    assert [c.complaint for c in duplicates.find_candidates(new)] == [other]


def test_a_complaint_routed_late_takes_its_place_by_receipt(world, settings):
    """The newest by receipt are compared, also when an older one (a letter keyed in late) reaches
    the process's open complaints after newer ones."""
    settings.PRACHA_COMPLAINT_DUPLICATE_TEXT_POOL = 1
    now = timezone.now()
    older = make_complaint(DRAIN + " เก่า", world.works, received_at=now - dt.timedelta(hours=3))
    new = make_complaint(DRAIN, world.cleanliness, categories=[])
    assert {c.complaint for c in duplicates.find_candidates(new)} == {older}
    letter = make_complaint(DRAIN + " จดหมาย", world.works, received_at=now - dt.timedelta(hours=2))
    assert {c.complaint for c in duplicates.find_candidates(new)} == {letter}
    make_complaint(DRAIN + " เก่ากว่า", world.works, received_at=now - dt.timedelta(hours=4))
    assert {c.complaint for c in duplicates.find_candidates(new)} == {letter}
