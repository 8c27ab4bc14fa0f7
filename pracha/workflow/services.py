"""The workflow engine's service layer: the only way other apps start and move cases.

    case = start_case("petition", agency=agency, title="...", applicant=person, subject=complaint)
    for action in available_actions(case, officer): ...
    take_action(case, "accept", actor=officer)

Each change is one transaction: the case row (locked), its CaseEvent, an audit record and the
notifications to the applicant commit together or not at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pracha.agencies import services as agencies
from pracha.agencies.models import Agency, ContactPoint
from pracha.audit.chain import Entry, append_many, object_ref, record
from pracha.core.calendar import BANGKOK, TimeLimit, default_calendar
from pracha.core.errors import PrachaError
from pracha.identity import services as identity
from pracha.identity.models import Person, Role, User
from pracha.notify.services import notify_user

from . import messages, timing
from .definitions import APPLICANT, Action, Definition
from .models import Case, CaseEvent, ProcessVersion, ReferenceCounter
from .registry import load_all

logger = logging.getLogger(__name__)

# Officers who work cases (not only watch them): they may transfer a case or take it on.
WORKING_ROLES = frozenset(
    {Role.COUNTER_OFFICER, Role.CASE_OFFICER, Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN}
)
# Officers who may hand a case to someone else.
ASSIGNING_ROLES = frozenset({Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN})
APPLICANT_LABEL = _("Applicant")
MAX_REASON = 4000
PAGE_SIZE = 25


# --- Process versions --------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    code: str
    version: str
    created: bool  # a new version row
    activated: bool  # became the version new cases start under


def content_hash(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def store_definition(definition: Definition, source: str = "") -> LoadResult:
    """Make this content the current version of its process (a new row only if it is new)."""
    version = content_hash(definition.raw)
    with transaction.atomic():
        row, created = ProcessVersion.objects.get_or_create(
            code=definition.code,
            version=version,
            defaults={"definition": definition.raw, "source": source},
        )
        activated = not row.current
        if activated:
            ProcessVersion.objects.filter(code=definition.code, current=True).update(current=False)
            row.current = True
            row.save(update_fields=["current"])
            record("workflow.process_loaded", row, {"code": row.code, "version": version, "source": source})
    return LoadResult(definition.code, version, created, activated)


def load_processes() -> list[LoadResult]:
    """Store every registered definition (raises DefinitionError, storing nothing, if any is broken)."""
    found = load_all()
    with transaction.atomic():
        return [store_definition(d, str(path)) for _code, (path, d) in sorted(found.items())]


def current_version(code: str) -> ProcessVersion:
    row = ProcessVersion.objects.filter(code=code, current=True).first()
    if row is None:
        # Never loaded: take it from the registered files, so a fresh database can start cases.
        found = load_all().get(code)
        if found is None:
            raise PrachaError("unknown_process", status=404, code=code)
        store_definition(found[1], str(found[0]))
        row = ProcessVersion.objects.get(code=code, current=True)
    return row


def processes() -> QuerySet[ProcessVersion]:
    return ProcessVersion.objects.filter(current=True).order_by("code")


# --- Helpers -----------------------------------------------------------------------------------


def _actor_ref(user: User | None) -> str | None:
    return f"user:{user.pk}" if user is not None else None


def _actor_label(user: User | None) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.username)[:200]


def _subject_ref(subject: models.Model | tuple[str, str] | None) -> tuple[str, str]:
    if subject is None:
        return "", ""
    if isinstance(subject, models.Model):
        return subject._meta.label_lower, str(subject.pk)
    return str(subject[0]), str(subject[1])


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise PrachaError("validation_error", fields={"reason": "too_long"})
    return reason


def _next_references(prefix: str, now: dt.datetime, count: int = 1) -> list[str]:
    """`count` consecutive reference numbers of this prefix and Buddhist-era year, in one counter bump."""
    year = now.astimezone(BANGKOK).year + 543  # Thai offices number their registers by B.E. year
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
                    prefix=prefix, year=year
                )
                first = counter.last + 1
                counter.last += count
                counter.save(update_fields=["last"])
                return [f"{prefix}-{year}-{n:06d}" for n in range(first, counter.last + 1)]
        except IntegrityError:
            continue  # another transaction created this year's counter first; lock theirs
    raise RuntimeError(f"could not number a case for {prefix}-{year}")


def _refresh_due(case: Case) -> None:
    if case.closed_at is not None:
        case.due_at = None
        return
    running = [
        d for d in (case.state_deadline, None if case.case_clock_paused_at else case.case_deadline) if d
    ]
    case.due_at = min(running) if running else None


def _limit(case: Case, key: str, default: TimeLimit | None) -> TimeLimit | None:
    """The case's own time limit for a state (or "case") when it has one, else the definition's."""
    override = (case.time_limits or {}).get(key)
    return TimeLimit.parse(override) if override else default


def _enter_state(case: Case, definition: Definition, code: str, now: dt.datetime) -> None:
    """Move `case` into state `code`: fresh time limit, markers cleared, case clock paused or resumed."""
    leaving = definition.states.get(case.state) if case.state else None
    state = definition.states[code]
    case.state = code
    case.state_entered_at = now
    case.state_deadline = timing.deadline(now, _limit(case, code, state.time_limit))
    case.state_alert_at = timing.alert_moment(case.state_deadline, state.alert_before)
    case.state_alerted_at = case.state_breached_at = None

    if leaving and leaving.pause_case_clock and not state.pause_case_clock and case.case_clock_paused_at:
        case_limit = _limit(case, "case", definition.time_limit)
        if case.case_deadline and case_limit:
            case.case_deadline = timing.extend(case.case_deadline, case_limit, case.case_clock_paused_at, now)
            case.case_alert_at = timing.alert_moment(case.case_deadline, definition.alert_before)
        case.case_clock_paused_at = None
    elif state.pause_case_clock and not case.case_clock_paused_at:
        case.case_clock_paused_at = now

    if state.final:
        case.closed_at = now
        case.state_deadline = case.state_alert_at = None
        case.case_clock_paused_at = None
    _refresh_due(case)


def _applicant_user(case: Case) -> User | None:
    if case.applicant_id is None:
        return None
    return identity.user_of_person(case.applicant_id)


def _notify_applicant(case: Case, texts: Callable[[], tuple[dict, dict]]) -> None:
    """Tell the applicant's account of the case; `texts` is called only when there is one (most
    cases opened for complaints have no applicant with an account, and a message costs both languages)."""
    user = _applicant_user(case)
    if user is not None:
        subject, body = texts()
        notify_user(user, subject=subject, body=body, related=case)


def _copy_into(target: Case, source: Case) -> None:
    """Give the caller's instance what the locked copy now holds."""
    for f in Case._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    for relation in ("agency", "contact_point", "assigned_officer", "process_version"):
        if Case._meta.get_field(relation).is_cached(target):
            Case._meta.get_field(relation).delete_cached_value(target)


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


# --- Starting and moving cases -------------------------------------------------------------------


@dataclass
class NewCase:
    """One case to open with `start_cases` (the arguments of `start_case` but the process)."""

    agency: Agency
    title: str
    contact_point: ContactPoint | None = None
    actor: User | None = None
    applicant: Person | None = None
    subject: models.Model | tuple[str, str] | None = None
    data: dict | None = None
    time_limits: dict[str, dict] | None = None
    initial_state: str | None = None


def start_case(
    process_code: str,
    *,
    agency: Agency,
    contact_point: ContactPoint | None = None,
    title: str,
    actor: User | None = None,
    applicant: Person | None = None,
    subject: models.Model | tuple[str, str] | None = None,
    data: dict | None = None,
    time_limits: dict[str, dict] | None = None,
    initial_state: str | None = None,
) -> Case:
    """Open a case of the current version of a process, held by `contact_point` (default: the
    agency's main unit). `time_limits` replaces the definition's limit of some states ("case" for
    the whole case) for this case only, e.g. {"forwarded": {"amount": 2, "unit": "hours"}};
    `initial_state` may name one of the definition's `entry_states` instead of its initial state."""
    spec = NewCase(
        agency=agency,
        title=title,
        contact_point=contact_point,
        actor=actor,
        applicant=applicant,
        subject=subject,
        data=data,
        time_limits=time_limits,
        initial_state=initial_state,
    )
    return start_cases(process_code, [spec])[0]


def _checked(spec: NewCase, definition: Definition) -> NewCase:
    """The spec with its title cleaned and its unit chosen; errors before anything is written."""
    title = (spec.title or "").strip()
    if not title:
        raise PrachaError("validation_error", fields={"title": "required"})
    contact_point = spec.contact_point
    if contact_point is None:
        units = agencies.contact_points_of(spec.agency.code)
        contact_point = units[0] if units else None
    elif contact_point.agency_id != spec.agency.pk:
        raise ValueError(f"contact point {contact_point.code} is not a unit of {spec.agency.code}")
    start_state = spec.initial_state or definition.initial_state
    if start_state not in (definition.initial_state, *definition.entry_states):
        raise ValueError(f"{definition.code} cannot start in {start_state!r}; add it to entry_states")
    for key, limit in (spec.time_limits or {}).items():
        if key != "case" and key not in definition.states:
            raise ValueError(f"time_limits: {definition.code} has no state {key!r}")
        TimeLimit.parse(limit)  # ValueError for a malformed limit
    return dataclasses.replace(
        spec, title=title[:300], contact_point=contact_point, initial_state=start_state
    )


def start_cases(process_code: str, specs: list[NewCase]) -> list[Case]:
    """Open many cases of one process at once (e.g. a burst of complaints routed together): the same
    rules, events, audit records and notifications as `start_case`, with one reference-counter bump,
    one insert of the cases, one of their events and one append to the audit chain."""
    if not specs:
        return []
    version = current_version(process_code)
    definition = version.parsed()
    specs = [_checked(s, definition) for s in specs]
    with transaction.atomic():
        now = timezone.now()
        references = _next_references(definition.prefix, now, len(specs))
        cases = []
        for spec, reference in zip(specs, references, strict=True):
            subject_type, subject_id = _subject_ref(spec.subject)
            case = Case(
                process_version=version,
                reference=reference,
                title=spec.title,
                agency=spec.agency,
                contact_point=spec.contact_point,
                applicant=spec.applicant,
                subject_type=subject_type,
                subject_id=subject_id,
                data=spec.data or {},
                time_limits=spec.time_limits or {},
                opened_at=now,
            )
            case.case_deadline = timing.deadline(now, _limit(case, "case", definition.time_limit))
            case.case_alert_at = timing.alert_moment(case.case_deadline, definition.alert_before)
            _enter_state(case, definition, spec.initial_state, now)
            cases.append(case)
        Case.objects.bulk_create(cases)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case=case,
                    action="start",
                    to_state=case.state,
                    actor=spec.actor,
                    actor_label=_actor_label(spec.actor),
                    at=now,
                    data={
                        "process": version.code,
                        "version": version.version,
                        "contact_point": getattr(spec.contact_point, "code", ""),
                    },
                )
                for case, spec in zip(cases, specs, strict=True)
            ]
        )
        append_many(
            [
                Entry(
                    action="workflow.case_started",
                    object_type=object_ref(case)[0],
                    object_id=object_ref(case)[1],
                    data={
                        "reference": case.reference,
                        "process": version.code,
                        "version": version.version,
                        "agency": spec.agency.code,
                        "state": case.state,
                        "subject": [case.subject_type, case.subject_id],
                    },
                    actor=_actor_ref(spec.actor),
                )
                for case, spec in zip(cases, specs, strict=True)
            ]
        )
        for case in cases:
            _notify_applicant(case, functools.partial(messages.case_opened, case))
    return cases


def roles_for(case: Case, user: User) -> set[str]:
    """The roles `user` holds for this case: agency roles, plus "applicant" for the person it is about."""
    if not user.is_authenticated:
        return set()
    roles = identity.roles_in_agency(user, case.agency_id)
    if case.applicant_id is not None and user.person_id == case.applicant_id:
        roles.add(APPLICANT)
    return roles


def available_actions(case: Case, user: User) -> list[Action]:
    """The actions of the case's current state that this user may take now."""
    if case.closed_at is not None:
        return []
    roles = roles_for(case, user)
    return [a for a in case.current_state.actions.values() if roles & set(a.roles)]


def _role_names(roles) -> object:
    """The roles' names, lazily, so that the error reads right in both of its languages."""
    labels = [Role(r).label if r in Role.values else APPLICANT_LABEL for r in roles]
    return format_lazy(", ".join(["{}"] * len(labels)), *labels)


def take_action(
    case: Case,
    action: str,
    *,
    actor: User | None,
    reason: str = "",
    data: dict | None = None,
    as_applicant: bool = False,
) -> Case:
    """Take one of the current state's actions. Raises PrachaError action_not_allowed (409),
    role_required (403) or reason_required (400). Updates and returns `case`.

    `as_applicant`: the calling domain app has itself established that the caller is the applicant
    without an account (e.g. holds a complaint's tracking code); the action then counts as taken by
    the applicant, and `actor` may be None."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock(case)
        definition = locked.definition
        state = definition.states[locked.state]
        act = state.actions.get(action) if locked.closed_at is None else None
        if act is None:
            raise PrachaError("action_not_allowed", status=409, action=action, state=state.name)
        roles = roles_for(locked, actor) if actor is not None else set()
        if as_applicant:
            roles.add(APPLICANT)
        if not roles & set(act.roles):
            raise PrachaError("role_required", status=403, action=act.label, roles=_role_names(act.roles))
        if act.reason_required and not reason:
            raise PrachaError("reason_required", fields={"reason": "reason_required"})
        now = timezone.now()
        from_state = locked.state
        _enter_state(locked, definition, act.to, now)
        locked.save()
        CaseEvent.objects.create(
            case=locked,
            action=act.code,
            from_state=from_state,
            to_state=act.to,
            actor=actor,
            actor_label=_actor_label(actor),
            at=now,
            reason=reason,
            data=data or {},
        )
        record(
            "workflow.action",
            locked,
            {
                "action": act.code,
                "from": from_state,
                "to": act.to,
                "reason": reason,
                "reference": locked.reference,
            },
            actor=_actor_ref(actor),
        )
        _notify_applicant(locked, functools.partial(messages.case_moved, locked, act.label, reason))
    _copy_into(case, locked)
    return case


def owner_page(case: Case) -> str:
    """The owning app's page for this case when its process declares `handled_in`, else "".
    A name that does not resolve (an app not installed) falls back to the generic pages."""
    name = case.definition.handled_in
    if not name or not case.subject_id:
        return ""
    try:
        return reverse(name, kwargs={"pk": case.subject_id})
    except NoReverseMatch:
        logger.warning("process %s: handled_in %s does not resolve", case.definition.code, name)
        return ""


def ensure_handled_here(case: Case) -> None:
    """Refuse a generic action on a case that its own app handles (409 case_handled_elsewhere)."""
    url = owner_page(case)
    if url:
        raise PrachaError("case_handled_elsewhere", status=409, url=url)


def can_transfer(case: Case, user: User) -> bool:
    return case.closed_at is None and bool(identity.roles_in_agency(user, case.agency_id) & WORKING_ROLES)


def find_contact_point(code: str) -> ContactPoint:
    """An active unit by code, as a form field error when there is none."""
    try:
        cp = agencies.contact_point(code)
    except PrachaError:
        cp = None
    if cp is None or not cp.active:
        raise PrachaError(
            "unknown_contact_point", fields={"contact_point": "unknown_contact_point"}, code=code
        )
    return cp


def _move(case: Case, contact_point: ContactPoint) -> dict:
    """Hand the case to another unit (maybe of another agency); the unit's officers pick it up."""
    moved = {
        "from": getattr(case.contact_point, "code", ""),
        "to": contact_point.code,
        "from_agency": case.agency.code,
        "to_agency": contact_point.agency.code,
    }
    case.agency_id = contact_point.agency_id
    case.contact_point = contact_point
    case.assigned_officer = None
    return moved


def transfer(case: Case, contact_point: ContactPoint, *, actor: User, reason: str) -> Case:
    """Send the case to another unit ("No Wrong Door"): any working officer of the holding agency."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock(case)
        if not can_transfer(locked, actor):
            raise PrachaError("permission_denied", status=403)
        if not reason:
            raise PrachaError("reason_required", fields={"reason": "reason_required"})
        if not contact_point.active:
            raise PrachaError(
                "unknown_contact_point",
                fields={"contact_point": "unknown_contact_point"},
                code=contact_point.code,
            )
        if contact_point.pk == locked.contact_point_id:
            raise PrachaError("same_contact_point", fields={"contact_point": "same_contact_point"})
        moved = _move(locked, contact_point)
        locked.save()
        CaseEvent.objects.create(
            case=locked,
            action="transfer",
            from_state=locked.state,
            to_state=locked.state,
            actor=actor,
            actor_label=_actor_label(actor),
            at=timezone.now(),
            reason=reason,
            data=moved,
        )
        record("workflow.transferred", locked, {**moved, "reason": reason}, actor=_actor_ref(actor))
        _notify_applicant(locked, functools.partial(messages.case_transferred, locked))
    _copy_into(case, locked)
    return case


def assignable_officers(case: Case) -> list[User]:
    """Officers of the holding unit who work cases, for a supervisor to choose from."""
    if case.contact_point_id is None:
        return []
    found: dict[int, User] = {}
    for role in (Role.COUNTER_OFFICER, Role.CASE_OFFICER, Role.SUPERVISOR):
        for user in identity.officers_with_role(case.contact_point_id, role):
            found.setdefault(user.pk, user)
    return sorted(found.values(), key=lambda u: u.get_full_name() or u.username)


def can_assign(case: Case, user: User, officer: User | None) -> bool:
    if case.closed_at is not None:
        return False
    roles = identity.roles_in_agency(user, case.agency_id)
    if officer is not None and officer.pk == user.pk:
        return bool(roles & WORKING_ROLES)  # anyone who works cases may take one on
    return bool(roles & ASSIGNING_ROLES)


def assign(case: Case, officer: User | None, *, actor: User, reason: str = "") -> Case:
    """Give the case to an officer of the holding agency (or to nobody, with officer=None)."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock(case)
        if not can_assign(locked, actor, officer):
            raise PrachaError("permission_denied", status=403)
        if officer is not None and not identity.roles_in_agency(officer, locked.agency_id) & WORKING_ROLES:
            raise PrachaError("assignee_not_officer", fields={"officer": "assignee_not_officer"})
        previous = locked.assigned_officer_id
        locked.assigned_officer = officer
        locked.save(update_fields=["assigned_officer"])
        data = {"from": previous, "to": officer.pk if officer else None}
        CaseEvent.objects.create(
            case=locked,
            action="assign",
            from_state=locked.state,
            to_state=locked.state,
            actor=actor,
            actor_label=_actor_label(actor),
            at=timezone.now(),
            reason=reason,
            data={**data, "officer": _actor_label(officer)},
        )
        record("workflow.assigned", locked, data, actor=_actor_ref(actor))
        if officer is not None and officer.pk != actor.pk:
            subject, body = messages.assigned(locked)
            notify_user(officer, subject=subject, body=body, related=locked)
    _copy_into(case, locked)
    return case


# --- Reading -----------------------------------------------------------------------------------


def time_left(case: Case, now: dt.datetime | None = None) -> timing.TimeLeft:
    """Working time until the nearer running deadline (state or whole case), with its badge."""
    now = now or timezone.now()
    if case.closed_at is not None:
        return timing.TimeLeft(None, 0.0, "none")
    alerts = [
        a for a in (case.state_alert_at, None if case.case_clock_paused_at else case.case_alert_at) if a
    ]
    return timing.time_left(case.due_at, min(alerts) if alerts else None, now)


def _visible(user: User) -> QuerySet[Case]:
    return identity.scope(Case.objects.all(), user)


def visible_case(user: User, pk: int) -> Case:
    """A case the user may see: of an agency in their scope, or about them. Else not_found (404),
    so that a case of another agency is not even known to exist."""
    if not user.is_authenticated:
        raise PrachaError("not_authenticated", status=401)
    base = Case.objects.select_related("process_version", "agency", "contact_point", "assigned_officer")
    mine = Q(applicant_id=user.person_id) if user.person_id else Q(pk__in=[])
    case = base.filter(pk=pk).filter(Q(pk__in=_visible(user).values("pk")) | mine).first()
    if case is None:
        raise PrachaError("not_found", status=404)
    return case


def queue_for(
    user: User,
    *,
    state: str = "",
    process: str = "",
    overdue: bool = False,
    status: str = "open",
    assigned: str = "",
    contact_point: str = "",
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases an officer may work on, nearest deadline first.

    status: open | closed | all; assigned: "" | me | unassigned; q: part of the reference or title.
    """
    conditions = queue_conditions(
        user,
        state=state,
        process=process,
        overdue=overdue,
        status=status,
        assigned=assigned,
        contact_point=contact_point,
        q=q,
        now=now,
    )
    qs = Case.objects.filter(conditions).select_related(
        "process_version", "agency", "contact_point", "assigned_officer"
    )
    return qs.order_by(F("due_at").asc(nulls_last=True), "opened_at", "id")


def queue_conditions(
    user: User,
    *,
    via: str = "",
    state: str = "",
    process: str = "",
    overdue: bool = False,
    status: str = "open",
    assigned: str = "",
    contact_point: str = "",
    q: str = "",
    now: dt.datetime | None = None,
) -> Q:
    """The queue's filters as one condition, also for a domain model that points to its case
    (`via="case__"`): joined filters, unlike `case__in=<subquery>`, let the database walk the
    open-queue index in deadline order (measured with 1,000,000 complaints on PostgreSQL)."""
    now = now or timezone.now()
    ids = identity.visible_agency_ids(user)
    cond = Q() if ids is None else Q(**{f"{via}agency_id__in": ids})
    if status == "open":
        cond &= Q(**{f"{via}closed_at__isnull": True})
    elif status == "closed":
        cond &= Q(**{f"{via}closed_at__isnull": False})
    if state:
        cond &= Q(**{f"{via}state": state})
    if process:
        cond &= Q(**{f"{via}process_version__code": process})
    if overdue:
        cond &= Q(**{f"{via}closed_at__isnull": True, f"{via}due_at__lt": now})
    if assigned == "me":
        cond &= Q(**{f"{via}assigned_officer": user})
    elif assigned == "unassigned":
        cond &= Q(**{f"{via}assigned_officer__isnull": True})
    if contact_point:
        cond &= Q(**{f"{via}contact_point__code": contact_point})
    text = q.strip()
    if text:
        cond &= Q(**{f"{via}reference__icontains": text}) | Q(**{f"{via}title__icontains": text})
    return cond


def count_queue(user: User, **filters) -> int:
    """How many cases `queue_conditions(user, **filters)` selects, counted on the cases alone."""
    return Case.objects.filter(queue_conditions(user, **filters)).count()


def queue_summary(user: User, now: dt.datetime | None = None) -> dict[str, int]:
    """Open, due within one working day, and overdue counts of the user's queue."""
    now = now or timezone.now()
    cal = default_calendar()
    soon = cal.add_working_seconds(now, cal.seconds_per_day)
    open_cases = _visible(user).filter(closed_at__isnull=True)
    return {
        "open": open_cases.count(),
        "due_soon": open_cases.filter(due_at__gte=now, due_at__lte=soon).count(),
        "overdue": open_cases.filter(due_at__lt=now).count(),
    }


def cases_of_person(person: Person) -> QuerySet[Case]:
    """A person's own cases, newest first (for their page on the portal)."""
    return (
        Case.objects.filter(applicant=person)
        .select_related("process_version", "agency", "contact_point")
        .order_by("-opened_at", "-id")
    )


def cases_for_subject(subject: models.Model | tuple[str, str]) -> QuerySet[Case]:
    """The cases opened about a domain object, newest first."""
    subject_type, subject_id = _subject_ref(subject)
    return Case.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by("-opened_at", "-id")


def events_of(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def event_label(case: Case, event: CaseEvent) -> object:
    """What the timeline calls an event: the action's label in the case's version, or the engine's name."""
    if event.action in messages.EVENT_LABELS:
        return messages.EVENT_LABELS[event.action]
    state = case.definition.states.get(event.from_state)
    action = state.actions.get(event.action) if state else None
    return action.label if action else event.action
