"""Figures of the complaint system, aggregated in the database: per agency for its officers, and for
everyone on the public statistics page (counts only, never a complaint's text or a person).

"Forwarded within the limit": the agency accepted the complaint before the forwarding limit of its
channel ran out (a complaint still waiting past that limit counts as late). "Resolved within the
limit": resolved before the case's running deadline (the category's resolution limit). Times are
medians from receipt, in hours (calendar time, as a complainant lives it).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import TruncWeek
from django.utils import timezone

from pracha.agencies import services as agencies
from pracha.core.errors import PrachaError
from pracha.identity import services as identity
from pracha.identity.models import User

from .models import Complaint
from .officer_services import require_officer

PERIODS = (30, 90, 365)
TOP = 10
PUBLIC_CACHE_SECONDS = 300


@dataclass
class Share:
    within: int = 0
    late: int = 0

    @property
    def decided(self) -> int:
        return self.within + self.late

    @property
    def percent(self) -> float | None:
        return round(100 * self.within / self.decided, 1) if self.decided else None


@dataclass
class Figures:
    days: int
    volume: int = 0
    weekly: list[tuple[dt.date, int]] = field(default_factory=list)
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_state: list[tuple[str, int]] = field(default_factory=list)
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    forwarded: Share = field(default_factory=Share)
    resolved: Share = field(default_factory=Share)
    median_accept_hours: float | None = None
    median_resolve_hours: float | None = None
    ratings: int = 0
    rating_average: float | None = None
    rating_counts: dict[int, int] = field(default_factory=dict)
    open: int = 0
    overdue: int = 0
    as_of: dt.datetime | None = None  # when they were counted (the public ones are kept a few minutes)

    def as_dict(self) -> dict:
        return {
            "days": self.days,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "volume": self.volume,
            "weekly": [{"week": w.isoformat(), "count": n} for w, n in self.weekly],
            "by_channel": [{"code": c, "count": n} for c, n in self.by_channel],
            "by_state": [{"code": c, "count": n} for c, n in self.by_state],
            "top_categories": [{"code": c, "count": n} for c, n in self.top_categories],
            "forwarded_within_limit": {
                "within": self.forwarded.within,
                "late": self.forwarded.late,
                "percent": self.forwarded.percent,
            },
            "resolved_within_limit": {
                "within": self.resolved.within,
                "late": self.resolved.late,
                "percent": self.resolved.percent,
            },
            "median_accept_hours": self.median_accept_hours,
            "median_resolve_hours": self.median_resolve_hours,
            "satisfaction": {
                "ratings": self.ratings,
                "average": self.rating_average,
                "counts": {str(k): v for k, v in sorted(self.rating_counts.items())},
            },
            "backlog": {"open": self.open, "overdue": self.overdue},
        }


def _median_hours(qs: QuerySet, start: str, end: str) -> float | None:
    """The median of end - start, found by the database: count, then read the middle row(s)."""
    done = qs.filter(**{f"{end}__isnull": False}).annotate(
        took=ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    )
    n = done.count()
    if not n:
        return None
    middle = list(done.order_by("took").values_list("took", flat=True)[(n - 1) // 2 : n // 2 + 1])
    return round(statistics.fmean(t.total_seconds() for t in middle) / 3600, 1)


def _every_week(
    counted: dict[dt.date, int], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.date, int]]:
    """Each week (from Monday, local time) of the period with its count, a quiet week as 0: a chart
    that skipped it would join the weeks around it as if nothing had dropped."""
    monday = timezone.localtime(start).date()
    monday -= dt.timedelta(days=monday.weekday())
    last = timezone.localtime(end).date()
    weeks = []
    while monday <= last:
        weeks.append((monday, counted.get(monday, 0)))
        monday += dt.timedelta(days=7)
    return weeks


def figures(base: QuerySet, days: int, now: dt.datetime | None = None) -> Figures:
    """Every figure for the complaints of `base` received in the last `days` days (backlog: all open)."""
    now = now or timezone.now()
    days = days if days in PERIODS else PERIODS[0]
    period = base.filter(received_at__gt=now - dt.timedelta(days=days), received_at__lte=now)
    out = Figures(days, as_of=now)
    totals = period.aggregate(
        volume=Count("id"),
        accepted_within=Count("id", filter=Q(accepted_late=False)),
        accepted_late=Count("id", filter=Q(accepted_late=True)),
        waiting_late=Count(
            "id",
            filter=Q(accepted_at__isnull=True, case__state="forwarded", case__state_deadline__lt=now),
        ),
        resolved_within=Count("id", filter=Q(resolved_late=False)),
        resolved_late=Count("id", filter=Q(resolved_late=True)),
        # Not resolved and past the resolution limit (while being dealt with), or past the whole
        # case's limit in any open step.
        unresolved_late=Count(
            "id",
            filter=Q(resolved_at__isnull=True, case__closed_at__isnull=True)
            & (Q(case__state="in_progress", case__due_at__lt=now) | Q(case__case_deadline__lt=now)),
        ),
        ratings=Count("rating"),
        rating_average=Avg("rating"),
    )
    out.volume = totals["volume"]
    out.forwarded = Share(totals["accepted_within"], totals["accepted_late"] + totals["waiting_late"])
    out.resolved = Share(totals["resolved_within"], totals["resolved_late"] + totals["unresolved_late"])
    out.ratings = totals["ratings"]
    avg = totals["rating_average"]
    out.rating_average = round(float(avg), 2) if avg is not None else None
    out.rating_counts = {
        r["rating"]: r["n"]
        for r in period.filter(rating__isnull=False).values("rating").annotate(n=Count("id")).order_by()
    }
    counted = {
        (r["week"].date() if isinstance(r["week"], dt.datetime) else r["week"]): r["n"]
        for r in period.annotate(week=TruncWeek("received_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    }
    out.weekly = _every_week(counted, now - dt.timedelta(days=days), now) if counted else []
    out.by_channel = [
        (r["channel"], r["n"])
        for r in period.values("channel").annotate(n=Count("id")).order_by("-n", "channel")
    ]
    out.by_state = [
        (r["case__state"] or "pending", r["n"])
        for r in period.values("case__state").annotate(n=Count("id")).order_by("-n", "case__state")
    ]
    out.top_categories = [
        (r["category"], r["n"])
        for r in period.exclude(categories=[])
        .annotate(category=KT("categories__0__0"))
        .values("category")
        .annotate(n=Count("id"))
        .order_by("-n", "category")[:TOP]
    ]
    out.median_accept_hours = _median_hours(period, "received_at", "accepted_at")
    out.median_resolve_hours = _median_hours(period, "received_at", "resolved_at")
    backlog = base.filter(case__isnull=False, case__closed_at__isnull=True).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(case__due_at__lt=now))
    )
    out.open, out.overdue = backlog["open"], backlog["overdue"]
    return out


def agencies_in_scope(user: User) -> list:
    """The agencies whose dashboard this officer may open, by name (those holding complaints)."""
    require_officer(user)
    ids = identity.visible_agency_ids(user)
    holding = Complaint.objects.exclude(agency__isnull=True)
    if ids is not None:
        holding = holding.filter(agency_id__in=ids)
    codes = list(holding.values_list("agency__code", flat=True).distinct().order_by("agency__code")[:500])
    return sorted(agencies.search_agencies().filter(code__in=codes), key=lambda a: a.name)


def agency_figures(
    user: User, *, agency_code: str = "", days: int = 30, now: dt.datetime | None = None
) -> tuple[object | None, Figures]:
    """(agency or None for all in scope, figures). An agency out of scope is not_found (404)."""
    require_officer(user)
    ids = identity.visible_agency_ids(user)
    agency = None
    base = Complaint.objects.all()
    if agency_code:
        try:
            agency = agencies.get_agency(agency_code)
        except PrachaError as exc:
            raise PrachaError("not_found", status=404) from exc
        if ids is not None and agency.pk not in ids:
            raise PrachaError("not_found", status=404)
        base = base.filter(agency_id=agency.pk)
    elif ids is not None:
        base = base.filter(agency_id__in=ids)
    return agency, figures(base, days, now)


def public_figures(days: int = 365) -> Figures:
    """The whole platform's figures for the public page (cached for a few minutes)."""
    days = days if days in PERIODS else PERIODS[-1]
    return cache.get_or_set(
        f"complaints:public-figures:{days}",
        lambda: figures(Complaint.objects.all(), days),
        PUBLIC_CACHE_SECONDS,
    )


# --- Charts (plotly, served from this server; each with its table for screen readers) ------------

CHART_FONT = "Noto Sans Thai, system-ui, sans-serif"


def _count_axis(values: list[int]) -> dict:
    """An axis of counts: from zero, whole numbers with thousands separators (plotly would otherwise
    draw 0.5 steps for small counts and start a line chart at its lowest week)."""
    axis = {"rangemode": "tozero", "tickformat": ",d", "automargin": True, "fixedrange": True}
    if max(values, default=0) <= 5:
        axis["dtick"] = 1
    return axis


def _chart(
    chart_id: str, x: list, y: list, *, horizontal: bool = False, kind: str = "bar", ticks: dict | None = None
) -> str:
    """One chart; its title is the page's heading above it (not repeated inside the picture)."""
    import plotly.graph_objects as go

    hover = "%{x}: %{y:,d}<extra></extra>"
    if kind == "line":
        trace = go.Scatter(x=x, y=y, mode="lines+markers", line={"color": "#1d4f91"}, hovertemplate=hover)
    elif horizontal:
        trace = go.Bar(
            x=y,
            y=x,
            orientation="h",
            marker={"color": "#1d4f91"},
            hovertemplate="%{y}: %{x:,d}<extra></extra>",
        )
    else:
        trace = go.Bar(x=x, y=y, marker={"color": "#1d4f91"}, hovertemplate=hover)
    fig = go.Figure(trace)
    fig.update_layout(
        font={"family": CHART_FONT, "size": 14},
        margin={"l": 8, "r": 16, "t": 12, "b": 8},
        # A horizontal bar chart grows with its categories so that each label keeps its line.
        height=max(160, 44 * len(x) + 60) if horizontal else 300,
        autosize=True,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hoverlabel={"font": {"family": CHART_FONT}},
    )
    counts = _count_axis(y)
    if horizontal:
        fig.update_yaxes(autorange="reversed", automargin=True, fixedrange=True)
        fig.update_xaxes(**counts)
    else:
        fig.update_xaxes(automargin=True, fixedrange=True, type="category", **(ticks or {}))
        fig.update_yaxes(**counts)
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=chart_id,
        config={"displayModeBar": False, "responsive": True},
    )


def _week_ticks(weeks: list[dt.date], labels: list[str], most: int = 7) -> dict:
    """Which weeks the weekly chart's axis names, and how: at most `most` of them, evenly spaced, as
    day and month ("19 ต.ค.") with the year (Buddhist era in Thai) on the first and where it changes,
    so that a year of weeks fits a phone's width. Hovering a point still shows its full date."""
    from pracha.core.thai_dates import format_date

    step = -(-len(weeks) // most) or 1
    vals, texts, year = [], [], None
    for week, label in list(zip(weeks, labels, strict=True))[::step]:
        text = format_date(week)
        vals.append(label)
        texts.append(text if week.year != year else text.rsplit(" ", 1)[0])
        year = week.year
    return {"tickmode": "array", "tickvals": vals, "ticktext": texts}


def charts(found: Figures) -> list[dict]:
    """The figures as charts, each with the same numbers as a table (the charts are hidden from
    screen readers; the tables are not)."""
    from django.utils.translation import gettext as _

    from pracha.core.thai_dates import format_date

    from .models import Channel
    from .officer_services import category_label

    channel_names = dict(Channel.choices)
    out = []
    specs = [
        (
            "chart-weekly",
            _("Complaints received per week"),
            [(format_date(w), n) for w, n in found.weekly],
            _("Week from"),
            "line",
        ),
        (
            "chart-categories",
            _("Most frequent categories"),
            [(category_label(c), n) for c, n in found.top_categories],
            _("Category"),
            "hbar",
        ),
        (
            "chart-channels",
            _("Complaints by channel"),
            [(str(channel_names.get(c, c)), n) for c, n in found.by_channel],
            _("Channel"),
            "bar",
        ),
        (
            "chart-ratings",
            _("Satisfaction ratings (1 to 5)"),
            [(str(r), found.rating_counts.get(r, 0)) for r in range(1, 6)] if found.ratings else [],
            _("Rating"),
            "bar",
        ),
    ]
    for chart_id, title, rows, label, kind in specs:
        if not rows:
            continue
        x, y = [r[0] for r in rows], [r[1] for r in rows]
        out.append(
            {
                "id": chart_id,
                "title": title,
                "html": _chart(
                    chart_id,
                    x,
                    y,
                    horizontal=kind == "hbar",
                    kind=kind,
                    ticks=_week_ticks([w for w, _n in found.weekly], x) if kind == "line" else None,
                ),
                "headers": (label, _("Complaints")),
                "rows": rows,
            }
        )
    return out
