"""Demo complaints from the real Traffy Fondue sample (Bangkok, Oct-Nov 2023), in every state.

Each complaint goes through the real services — filed on a channel, classified, routed, then
accepted, answered, resolved, rated, reopened, merged or rejected as the Traffy ticket's own state
says — with the clock set back so that the history spreads over the last weeks. The actions of the
agencies are taken by one demo operator account (no password) that holds the working roles in each
agency a complaint reached.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import geothai
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pracha.agencies import services as agencies
from pracha.core import queue
from pracha.core.errors import PrachaError
from pracha.identity import services as identity
from pracha.identity.models import User

from . import officer_services as officer
from . import services as intake
from .models import Complaint, Update

OPERATOR = "demo.operator"
CHANNELS = (("web", 45), ("line", 30), ("hotline", 12), ("counter", 8), ("mail", 5))


def sample_path() -> Path:
    base = (
        getattr(settings, "PRACHA_DATA_DIR", None)
        or Path(settings.BASE_DIR).parent.parent / "shared" / "data"
    )
    return Path(base) / "traffy" / "bangkok_complaints_2023q4.csv"


@contextmanager
def _clock(moment: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _rows(path: Path, limit: int, rng: random.Random) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if len(r["comment"].strip()) >= 15]
    rng.shuffle(rows)
    return rows[:limit]


def _subdistrict(row: dict) -> str | None:
    found = geothai.match(
        row["subdistrict"], district=row["district"], province=row["province"] or "กรุงเทพมหานคร"
    )
    return found[0].subdistrict.code if len(found) == 1 else None


def _coordinates(row: dict) -> tuple[float | None, float | None]:
    """The sample has longitude in its latitude column and back; put them right (Bangkok is ~13.7 N)."""
    try:
        a, b = float(row["latitude"]), float(row["longitude"])
    except ValueError:
        return None, None
    return (b, a) if a > 90 else (a, b)


def _operator(agency=None, cache: set[int] | None = None) -> User:
    """The demo's stand-in for every agency's officers (and the 1111 call-takers who file by phone,
    at the counter and from letters)."""
    user = identity.active_user(username=OPERATOR)
    if user is None:
        user = User.objects.create_user(username=OPERATOR, first_name="Demo", last_name="operator")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        identity.grant_role(user, agencies.contact_point("OPM.OPS/psc-1111").pk, "counter_officer")
    if agency is not None and cache is not None and agency.pk not in cache:
        unit = agencies.contact_points_of(agency.code)[0]
        for role in ("case_officer", "supervisor"):
            identity.grant_role(user, unit.pk, role)
        cache.add(agency.pk)
    return user


def _progress(complaint: Complaint, row: dict, start: dt.datetime, now: dt.datetime, roles: set[int]) -> None:
    """Take the agency's steps that the Traffy ticket's own state implies, a few hours apart."""
    state = row["state"].strip()
    if complaint.agency_id is None or complaint.case is None or complaint.case.state != "forwarded":
        return
    actor = _operator(complaint.agency, roles)
    at = start

    def later(hours: float) -> dt.datetime:
        nonlocal at
        at = min(at + dt.timedelta(hours=hours), now - dt.timedelta(minutes=5))
        return at

    if state == "irrelevant":
        with _clock(later(5)):
            officer.reject(complaint, "ไม่ใช่เรื่องร้องเรียนที่หน่วยงานดำเนินการได้", actor=actor)
        return
    if state in ("start", "รอรับเรื่อง", "forward"):
        return
    with _clock(later(6)):
        officer.accept(complaint, actor=actor)
    if state in ("follow", "inprogress", "กำลังดำเนินการ"):
        with _clock(later(30)):
            officer.post_update(
                complaint, Update.Kind.PRELIMINARY, "ลงพื้นที่ตรวจสอบแล้ว อยู่ระหว่างดำเนินการแก้ไข", actor=actor
            )
        return
    with _clock(later(48)):
        officer.resolve(complaint, "ดำเนินการแก้ไขเรียบร้อยแล้ว", actor=actor)
    if row.get("count_reopen", "0").strip() not in ("", "0"):
        with _clock(later(20)):
            intake.reopen(complaint, reason="ยังไม่ได้รับการแก้ไขตามที่แจ้ง")
        return
    if row.get("star", "").strip():
        with _clock(later(12)):
            intake.confirm_resolution(complaint, rating=int(float(row["star"])), comment="")


def _routed_by_its_job(complaint: Complaint) -> Complaint:
    """Run the route jobs now, as a worker would, until this complaint's has run: its filing's audit
    entry is chained by that job (decision 0537), before what the demo then does to it."""
    while complaint.case_id is None:
        jobs = queue.claim(limit=10, kinds=["complaints.route"])
        if not jobs:
            raise RuntimeError(f"no route job for {complaint}")
        for job in jobs:
            queue.run_job(job)
        complaint.refresh_from_db()
    return complaint


def load(limit: int = 300, now: dt.datetime | None = None, seed: int = 2566) -> int:
    """File up to `limit` sample complaints over the last five weeks; returns how many were filed."""
    now = now or timezone.now()
    rng = random.Random(seed)
    names, weights = zip(*CHANNELS, strict=True)
    roles: set[int] = set()
    filed = 0
    for row in _rows(sample_path(), limit, rng):
        start = now - dt.timedelta(days=rng.uniform(0.1, 35))
        lat, lng = _coordinates(row)
        channel = rng.choices(names, weights)[0]
        try:
            with transaction.atomic(), _clock(start):
                complaint = intake.file_complaint(
                    channel=channel,
                    text=row["comment"].strip()[:4000],
                    anonymous=True,
                    subdistrict_code=_subdistrict(row),
                    latitude=lat,
                    longitude=lng,
                    place_text=f"{row['subdistrict']} {row['district']}".strip(),
                    received_at=start,
                    external_id=f"traffy:{row['ticket_id']}",
                    filed_by=None if channel in ("web", "line") else _operator(),
                )
                complaint = _routed_by_its_job(complaint)
        except PrachaError:
            continue  # a sample row our intake refuses (e.g. a point outside Thailand) is skipped
        filed += 1
        with transaction.atomic():
            _progress(complaint, row, start, now, roles)
    _rarer_states(now, roles)
    return filed


def _rarer_states(now: dt.datetime, roles: set[int]) -> None:
    """The sample has few rejected tickets and no merged or waiting ones: make a few, so every state shows."""
    at = now - dt.timedelta(hours=3)
    mine = Complaint.objects.filter(external_id__startswith="traffy:").select_related("case", "agency")
    working = [c for c in mine.filter(case__state="in_progress").order_by("pk")[:3]]
    forwarded = list(mine.filter(case__state="forwarded").order_by("pk"))
    with _clock(at):
        for complaint in working:
            officer.ask_complainant(
                complaint, "ขอทราบจุดที่แน่นอนหรือภาพถ่ายเพิ่มเติม", actor=_operator(complaint.agency, roles)
            )
        for complaint in forwarded[:2]:
            officer.reject(complaint, "เป็นเรื่องข้อพิพาทระหว่างเอกชน", actor=_operator(complaint.agency, roles))
        by_agency: dict[int, Complaint] = {}
        for complaint in forwarded[2:]:
            survivor = by_agency.setdefault(complaint.agency_id, complaint)
            if survivor is not complaint:
                officer.merge(
                    complaint, survivor, actor=_operator(complaint.agency, roles), reason="เรื่องเดียวกัน"
                )
                break
