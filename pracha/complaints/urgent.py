"""The urgent issues board: clusters of same-type complaints in one place, ranked.

An issue is (primary category, place): the place is a subdistrict or a district. Over the last two
weeks the database counts each cluster's complaints this week and last week and how many the
classifier called urgent; the rank is

    score = this week's volume × severity × growth

with severity = 1 + the share of critical complaints + half the share of high-urgency ones (1..2)
and growth = (this week + 1) / (last week + 1), kept within 0.5..3, so that a large, growing,
severe cluster comes first and one quiet week does not hide a large one. A supervisor sends an issue
to a committee (IssueReferral): recorded, audited, and told to the agency's administrators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from pracha.agencies import services as agencies
from pracha.audit.chain import record
from pracha.core.errors import PrachaError
from pracha.identity import services as identity
from pracha.identity.models import Role, User
from pracha.notify.services import notify_user

from .models import Complaint, IssueReferral
from .officer_services import both, can_oversee, category_label

WEEK = dt.timedelta(days=7)
LEVELS = ("subdistrict", "district")
PLACE_FIELD = {"subdistrict": "subdistrict_id", "district": "subdistrict__district_id"}
MIN_VOLUME = 2  # one complaint is not yet an issue
SENDING_ROLES = frozenset({Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN})


@dataclass
class Issue:
    category: str
    level: str
    place_code: str
    this_week: int
    last_week: int
    high: int
    critical: int
    place_name: str = ""
    category_name: str = ""
    referral: IssueReferral | None = None

    @property
    def total(self) -> int:
        return self.this_week + self.last_week

    @property
    def severity(self) -> float:
        return 1 + (self.critical + 0.5 * self.high) / self.total if self.total else 1.0

    @property
    def growth(self) -> float:
        return min(3.0, max(0.5, (self.this_week + 1) / (self.last_week + 1)))

    @property
    def score(self) -> float:
        return round(self.this_week * self.severity * self.growth, 2)

    @property
    def key(self) -> str:
        return f"{self.category}|{self.level}|{self.place_code}"

    def figures(self) -> dict:
        return {
            "this_week": self.this_week,
            "last_week": self.last_week,
            "high": self.high,
            "critical": self.critical,
            "severity": round(self.severity, 3),
            "growth": round(self.growth, 3),
            "score": self.score,
        }


def _in_scope(user: User, now: dt.datetime):
    qs = Complaint.objects.filter(
        received_at__gt=now - 2 * WEEK, received_at__lte=now, subdistrict__isnull=False
    ).exclude(categories=[])
    ids = identity.visible_agency_ids(user)
    return qs if ids is None else qs.filter(agency_id__in=ids)


def _clusters(qs, level: str, now: dt.datetime):
    return (
        qs.annotate(category=KT("categories__0__0"), place=F(PLACE_FIELD[level]))
        .values("category", "place")
        .annotate(
            this_week=Count("id", filter=Q(received_at__gt=now - WEEK)),
            last_week=Count("id", filter=Q(received_at__lte=now - WEEK)),
            high=Count("id", filter=Q(urgency="high")),
            critical=Count("id", filter=Q(urgency="critical")),
        )
        .order_by()
    )


def _place_name(code: str) -> str:
    try:
        area = agencies.get_area(code)
    except PrachaError:
        return code
    parent = getattr(area, "district", None) or getattr(area, "province", None)
    return f"{area.name}, {parent.name}" if parent else area.name


def issues(
    user: User, *, level: str = "subdistrict", now: dt.datetime | None = None, limit: int = 30
) -> list[Issue]:
    """The user's scope's urgent issues, highest score first."""
    if not can_oversee(user):
        raise PrachaError("permission_denied", status=403)
    if level not in LEVELS:
        raise PrachaError("validation_error", fields={"level": "invalid"})
    now = now or timezone.now()
    found = [
        Issue(r["category"], level, r["place"], r["this_week"], r["last_week"], r["high"], r["critical"])
        for r in _clusters(_in_scope(user, now), level, now)
        if r["category"] and r["place"] and r["this_week"] + r["last_week"] >= MIN_VOLUME
    ]
    found.sort(key=lambda i: (-i.score, -i.this_week, i.category, i.place_code))
    found = found[:limit]
    referrals = _latest_referrals(user, found)
    for issue in found:
        issue.place_name = _place_name(issue.place_code)
        issue.category_name = category_label(issue.category)
        issue.referral = referrals.get(issue.key)
    return found


def _latest_referrals(user: User, found: list[Issue]) -> dict[str, IssueReferral]:
    if not found:
        return {}
    rows = IssueReferral.objects.filter(
        category__in={i.category for i in found}, place_code__in={i.place_code for i in found}
    ).select_related("sent_by", "agency")
    ids = identity.visible_agency_ids(user)
    if ids is not None:
        rows = rows.filter(agency_id__in=ids)
    latest: dict[str, IssueReferral] = {}
    for r in rows.order_by("sent_at", "id"):
        latest[f"{r.category}|{r.place_level}|{r.place_code}"] = r
    return latest


def issue(user: User, category: str, level: str, place_code: str, now: dt.datetime | None = None) -> Issue:
    """One issue's figures in the user's scope (not_found when it has no complaints there)."""
    if level not in LEVELS:
        raise PrachaError("validation_error", fields={"level": "invalid"})
    now = now or timezone.now()
    qs = _in_scope(user, now).filter(categories__0__0=category, **{PLACE_FIELD[level]: place_code})
    rows = list(_clusters(qs, level, now))
    if not rows:
        raise PrachaError("not_found", status=404)
    r = rows[0]
    return Issue(category, level, place_code, r["this_week"], r["last_week"], r["high"], r["critical"])


def send_to_committee(
    user: User,
    *,
    category: str,
    level: str,
    place_code: str,
    committee: str,
    note: str,
    now: dt.datetime | None = None,
) -> IssueReferral:
    """Send an issue to a committee for the agency in the user's scope that holds most of it."""
    committee, note = (committee or "").strip(), (note or "").strip()
    fields = {}
    if not committee:
        fields["committee"] = "required"
    elif len(committee) > 200:
        fields["committee"] = "too_long"
    if not note:
        fields["note"] = "required"
    elif len(note) > 4000:
        fields["note"] = "too_long"
    if fields:
        raise PrachaError("validation_error", fields=fields)
    now = now or timezone.now()
    found = issue(user, category, level, place_code, now)
    agency = agencies.get_agency(_sending_agency(user, category, level, place_code, now))
    with transaction.atomic():
        referral = IssueReferral.objects.create(
            agency=agency,
            category=category,
            place_level=level,
            place_code=place_code,
            committee=committee,
            note=note,
            figures=found.figures(),
            sent_by=user,
            sent_at=now,
        )
        record(
            "complaints.issue_sent",
            referral,
            {"issue": found.key, "committee": committee, "figures": referral.figures},
            actor=f"user:{user.pk}",
        )
        _tell_admins(referral, found)
    return referral


def _sending_agency(user: User, category: str, level: str, place_code: str, now: dt.datetime) -> str:
    """The agency whose complaints make up most of the issue among those where the user may send."""
    counts = (
        _in_scope(user, now)
        .filter(categories__0__0=category, **{PLACE_FIELD[level]: place_code})
        .values("agency_id", "agency__code")
        .annotate(n=Count("id"))
        .order_by("-n", "agency_id")
    )
    for row in counts:
        if row["agency_id"] and identity.roles_in_agency(user, row["agency_id"]) & SENDING_ROLES:
            return row["agency__code"]
    raise PrachaError("permission_denied", status=403)


def _tell_admins(referral: IssueReferral, found: Issue) -> None:
    place = _place_name(referral.place_code)
    subject = both(
        lambda: (
            _("Urgent issue sent to %(committee)s: %(category)s in %(place)s")
            % {"committee": referral.committee, "category": category_label(referral.category), "place": place}
        )
    )
    body = both(
        lambda: (
            _(
                "%(category)s in %(place)s: %(this)s complaints this week, %(last)s last week. "
                "Sent to %(committee)s with this note: %(note)s"
            )
            % {
                "category": category_label(referral.category),
                "place": place,
                "this": found.this_week,
                "last": found.last_week,
                "committee": referral.committee,
                "note": referral.note,
            }
        )
    )
    told: set[int] = set()
    for unit in agencies.contact_points_of(referral.agency.code):
        for admin in identity.officers_with_role(unit.pk, Role.AGENCY_ADMIN):
            if admin.pk not in told:
                told.add(admin.pk)
                notify_user(admin, subject=subject, body=body, related=referral, agency=referral.agency)
