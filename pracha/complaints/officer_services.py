"""What officers do with complaints: read their agency's queue, look at one complaint, and act on it.

Every move of a complaint goes through the workflow engine (take_action, transfer, assign), so its
case keeps the one timeline, deadlines and audit trail; this module adds what only complaints have:
the classifier's categories and their corrections, updates to the complainant, evidence, merging
of duplicates, and the milestones the dashboards aggregate. Scope comes from the engine: a complaint
is visible only through `workflow.queue_for` / `workflow.visible_case` and only to officers of an
agency in the user's scope, so another agency's complaints answer 404 as if they did not exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pracha.agencies import services as agencies
from pracha.agencies.models import ContactPoint, Subdistrict
from pracha.audit.chain import record, record_read
from pracha.core.errors import PrachaError, render_message
from pracha.identity import services as identity
from pracha.identity.models import Role, User
from pracha.workflow import services as workflow

from . import services as intake
from .models import Attachment, Complaint, Correction, DuplicateCandidate, Update

if TYPE_CHECKING:
    from pracha.workflow.models import Case

PAGE_SIZE = 25
BULK_LIMIT = 100
MAX_TEXT = 4000
MAX_CATEGORIES = 5
# Evidence of a result: photos or a PDF report, each up to 10 MB, five at a time.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_MAX_FILES = 5
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Roles that see the units' backlog, the urgent issues board and the dashboards.
OVERSIGHT_ROLES = frozenset(
    {Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.EXECUTIVE, Role.AUDITOR, Role.PLATFORM_ADMIN}
)
UPDATE_KINDS = (Update.Kind.REPLY, Update.Kind.PRELIMINARY, Update.Kind.FINAL)
LANGS = ("th", "en")

# What each field problem means on a form (the API sends the codes in `fields`).
FIELD_MESSAGES = {
    "required": gettext_lazy("This field is required."),
    "too_long": gettext_lazy("This text is too long."),
    "unknown_category": gettext_lazy("Choose categories from the list."),
    "too_many": gettext_lazy("Choose at most five categories."),
    "unknown_intent": gettext_lazy("Choose complaint, suggestion or question."),
    "file_too_large": gettext_lazy("Each file may be at most 10 MB."),
    "too_many_files": gettext_lazy("Attach at most five files."),
    "file_type": gettext_lazy("Attach photos (JPEG, PNG, WebP) or PDF documents only."),
    "unknown_complaint": gettext_lazy("There is no open complaint with this tracking code that you can see."),
    "same_complaint": gettext_lazy("A complaint cannot be merged into itself."),
    "not_open": gettext_lazy("This complaint is already closed."),
    "already_merged": gettext_lazy("This complaint was itself merged into another one."),
    "unknown_kind": gettext_lazy("Choose reply, preliminary result or final result."),
    "reason_required": gettext_lazy("Give a reason for this action."),
    "unknown_contact_point": gettext_lazy("There is no active unit with this code."),
    "same_contact_point": gettext_lazy("The complaint is already held by this unit."),
    "assignee_not_officer": gettext_lazy("This person holds no role in the agency that holds the case."),
    "purpose_required": gettext_lazy("State why you need the contact details (at least a few words)."),
    "unknown_subdistrict": gettext_lazy("There is no subdistrict with this code. Give its 6-digit code."),
    "same_subdistrict": gettext_lazy("The complaint is already in this subdistrict."),
    "invalid": gettext_lazy("This value is not valid."),
}


def field_message(code: str) -> str:
    return str(FIELD_MESSAGES.get(code, FIELD_MESSAGES["invalid"]))


def both(render: Callable[[], str]) -> dict[str, str]:
    """A notification text in Thai and English: `render` runs with each language active."""
    out = {}
    for lang in LANGS:
        with translation.override(lang):
            out[lang] = render()
    return out


# --- Labels of the classifier's codes ------------------------------------------------------------

INTENT_LABELS = {
    "complaint": gettext_lazy("Complaint"),
    "suggestion": gettext_lazy("Suggestion"),
    "question": gettext_lazy("Question"),
}
# The classifier's urgency levels, lowest first.
URGENCY_LABELS = {
    "low": gettext_lazy("Low"),
    "normal": gettext_lazy("Normal"),
    "high": gettext_lazy("High"),
    "critical": gettext_lazy("Critical"),
}
URGENT_LEVELS = ("high", "critical")


def categories_known() -> dict[str, object]:
    """The classifier's categories: code -> its name ({"th", "en"} or text); none before it exists."""
    try:
        from pracha.complaints.classifier import CATEGORIES
    except ImportError:
        return {}
    if isinstance(CATEGORIES, dict):
        return dict(CATEGORIES)
    return {getattr(c, "code", c): getattr(c, "name", c) for c in CATEGORIES}


def _local(name: object) -> str:
    if isinstance(name, dict):
        lang = translation.get_language() or "th"
        return str(name.get(lang) or name.get("th") or name.get("en") or "")
    for attr in ("name_en" if (translation.get_language() or "th") == "en" else "name_th", "name"):
        if hasattr(name, attr) and getattr(name, attr):
            return str(getattr(name, attr))
    return str(name)


def category_label(code: str) -> str:
    name = categories_known().get(code)
    return _local(name) if name is not None else code


def category_choices() -> list[tuple[str, str]]:
    return sorted(((code, _local(name)) for code, name in categories_known().items()), key=lambda c: c[1])


def intent_label(code: str) -> str:
    return str(INTENT_LABELS.get(code, code))


def urgency_label(code: str) -> str:
    return str(URGENCY_LABELS.get(code, code))


def category_codes(complaint: Complaint) -> list[str]:
    return [str(c[0]) for c in complaint.categories or [] if c]


def primary_category(complaint: Complaint) -> str:
    codes = category_codes(complaint)
    return codes[0] if codes else ""


# --- Who may do what -----------------------------------------------------------------------------


def is_officer(user: User) -> bool:
    return bool(user.is_authenticated and user.is_officer)


def require_officer(user: User) -> None:
    if not user.is_authenticated:
        raise PrachaError("not_authenticated", status=401)
    if not user.is_officer:
        raise PrachaError("permission_denied", status=403)


def can_oversee(user: User) -> bool:
    """Supervisors, agency administrators, executives, auditors and platform administrators."""
    if not user.is_authenticated:
        return False
    if identity.is_platform_admin(user):
        return True
    return user.roles.filter(active=True, role__in=OVERSIGHT_ROLES).exists()


def can_work(complaint: Complaint, user: User) -> bool:
    """Officers who work complaints of the agency that holds this one (not executives or auditors)."""
    case = complaint.case
    return bool(
        case is not None
        and case.closed_at is None
        and identity.roles_in_agency(user, case.agency_id) & workflow.WORKING_ROLES
    )


def _require_work(complaint: Complaint, user: User) -> None:
    if complaint.case is not None and complaint.case.closed_at is not None:
        raise PrachaError("validation_error", fields={"complaint": "not_open"})
    if not can_work(complaint, user):
        raise PrachaError("permission_denied", status=403)


# --- The queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    state: str = ""
    category: str = ""
    channel: str = ""
    urgency: str = ""
    overdue: bool = False
    place: str = ""  # a province (2 digits), district (4) or subdistrict (6) code
    q: str = ""
    status: str = "open"  # open | closed | all
    assigned: str = ""  # "" | me | unassigned
    unit: str = ""  # a contact point code
    duplicates: bool = False  # only complaints flagged as possible duplicates

    @property
    def active(self) -> bool:
        return self != QueueFilters()


PLACE_FIELDS = {2: "subdistrict__district__province_id", 4: "subdistrict__district_id", 6: "subdistrict_id"}


def visible_cases(user: User, **filters) -> QuerySet[Case]:
    """The complaint cases this officer may see (the workflow's scope), nearest deadline first."""
    require_officer(user)
    return workflow.queue_for(user, process="complaint", **filters)


def queue(user: User, filters: QueueFilters | None = None, now: dt.datetime | None = None) -> QuerySet:
    """The agency's complaints, nearest deadline first (open ones by default)."""
    f = filters or QueueFilters()
    require_officer(user)
    qs = Complaint.objects.filter(case__isnull=False).filter(
        workflow.queue_conditions(
            user,
            via="case__",
            state=f.state,
            overdue=f.overdue,
            status=f.status if f.status in ("open", "closed", "all") else "open",
            assigned=f.assigned if f.assigned in ("me", "unassigned") else "",
            contact_point=f.unit,
            now=now,
        )
    )
    if f.category:
        qs = qs.filter(categories__0__0=f.category)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    place = f.place.strip()
    if place.isdigit() and len(place) in PLACE_FIELDS:
        qs = qs.filter(**{PLACE_FIELDS[len(place)]: place})
    elif place:
        qs = qs.filter(place_text__icontains=place[:100])
    text = f.q.strip()[:100]
    if text:
        qs = qs.filter(
            Q(tracking_code=text.upper()) | Q(case__reference__iexact=text) | Q(text__icontains=text)
        )
    if f.duplicates:
        open_flags = DuplicateCandidate.objects.filter(dismissed_at__isnull=True)
        qs = qs.filter(pk__in=open_flags.values("complaint_id"))
    return qs.select_related(
        "case__process_version",
        "case__agency",
        "case__contact_point",
        "case__assigned_officer",
        "subdistrict__district__province",
    ).order_by(F("case__due_at").asc(nulls_last=True), "case__opened_at", "id")


def queue_count(user: User, filters: QueueFilters | None = None, now: dt.datetime | None = None) -> int:
    """How many complaints `queue` lists. When only the case's own filters are set, the count comes from
    the workflow's cases alone (every complaint case has its one complaint): an index-only walk of the
    agency's open queue instead of a join per row, which took ~200 ms at 9,000 open complaints."""
    f = filters or QueueFilters()
    if f.category or f.channel or f.urgency or f.place.strip() or f.q.strip() or f.duplicates:
        return queue(user, f, now).count()
    require_officer(user)
    return workflow.count_queue(
        user,
        process=intake.PROCESS,
        state=f.state,
        overdue=f.overdue,
        status=f.status if f.status in ("open", "closed", "all") else "open",
        assigned=f.assigned if f.assigned in ("me", "unassigned") else "",
        contact_point=f.unit,
        now=now,
    )


class CountedPaginator(Paginator):
    """A paginator told its count (from `queue_count`) instead of counting the joined rows."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def row(complaint: Complaint, now: dt.datetime | None = None) -> dict:
    """What a queue row shows of a complaint (no personal data)."""
    case = complaint.case
    return {
        "complaint": complaint,
        "case": case,
        "left": workflow.time_left(case, now),
        "category": primary_category(complaint),
        "category_label": category_label(primary_category(complaint)) if complaint.categories else "",
    }


# --- One complaint -------------------------------------------------------------------------------


def complaint_for(user: User, pk: int) -> Complaint:
    """A complaint this officer may see; not_found (404) otherwise, exactly as if it did not exist."""
    require_officer(user)
    complaint = (
        Complaint.objects.select_related("subdistrict__district__province", "agency", "contact_point")
        .filter(pk=pk, case__isnull=False)
        .first()
    )
    if complaint is None:
        raise PrachaError("not_found", status=404)
    case = workflow.visible_case(user, complaint.case_id)
    # visible_case also lets a complainant see their own case; the officer side needs the agency.
    if not identity.can_see_agency(user, case.agency_id):
        raise PrachaError("not_found", status=404)
    complaint.case = case
    return complaint


def complaint_by_code(user: User, code: str) -> Complaint:
    found = Complaint.objects.filter(tracking_code=(code or "").strip().upper()).values_list("pk", flat=True)
    pk = found.first()
    if pk is None:
        raise PrachaError("not_found", status=404)
    return complaint_for(user, pk)


def contact_details(complaint: Complaint, user: User, purpose: str) -> dict[str, str]:
    """The complainant's name and how to reach them. Each read is recorded with its purpose."""
    purpose = (purpose or "").strip()
    if len(purpose) < 5:
        raise PrachaError("purpose_required", fields={"purpose": "purpose_required"})
    if len(purpose) > 500:
        raise PrachaError("validation_error", fields={"purpose": "too_long"})
    if not identity.roles_in_agency(user, complaint.case.agency_id) & workflow.WORKING_ROLES:
        raise PrachaError("permission_denied", status=403)
    actor = f"user:{user.pk}"
    with transaction.atomic():
        record_read(complaint, Complaint.PERSONAL_FIELDS, purpose, actor=actor)
        details = {
            "name": complaint.contact_name,
            "phone": complaint.contact_phone,
            "email": complaint.contact_email,
            "line": "LINE" if complaint.line_user_id else "",
            "anonymous": complaint.anonymous,
        }
        person = complaint.complainant
        if person is not None:
            record_read(person, ["name_th", "name_en", "phone", "email"], purpose, actor=actor)
            details["name"] = details["name"] or person.name_th or person.name_en
            details["phone"] = details["phone"] or person.phone
            details["email"] = details["email"] or person.email
    return details


def attachments_of(complaint: Complaint) -> QuerySet[Attachment]:
    return complaint.attachments.order_by("created_at", "id")


def attachment_for(user: User, complaint_pk: int, pk: int) -> Attachment:
    complaint = complaint_for(user, complaint_pk)
    found = complaint.attachments.filter(pk=pk).first()
    if found is None:
        raise PrachaError("not_found", status=404)
    return found


def followers_of(complaint: Complaint) -> QuerySet[Complaint]:
    """Complaints merged into this one: their complainants follow it."""
    return Complaint.objects.filter(duplicate_of=complaint)


def timeline(complaint: Complaint) -> list[dict]:
    """The case's events and the complaint's updates and files, oldest first."""
    case = complaint.case
    items: list[dict] = []
    for event in workflow.events_of(case):
        moved = event.to_state and event.to_state != event.from_state
        to_state = case.definition.states.get(event.to_state) if moved else None
        items.append(
            {
                "kind": "event",
                "at": event.at,
                "label": workflow.event_label(case, event),
                "to": to_state.name if to_state else "",
                "actor": event.actor_label,
                "text": event.reason,
                "detail": _event_detail(event),
            }
        )
    for update in complaint.updates.select_related("author"):
        items.append(
            {
                "kind": "update",
                "at": update.created_at,
                "label": update.get_kind_display(),
                "to": "",
                "actor": (update.author.get_full_name() or update.author.username) if update.author else "",
                "text": update.text,
                "detail": "" if update.public else _("internal note"),
            }
        )
    for attachment in attachments_of(complaint):
        items.append(
            {
                "kind": "file",
                "at": attachment.created_at,
                "label": attachment.get_kind_display(),
                "to": "",
                "actor": "",
                "text": "",
                "detail": attachment.content_type,
                "attachment": attachment,
            }
        )
    items.sort(key=lambda i: i["at"])
    return items


def unit_name(code: str) -> str:
    """A unit by its name and its agency's in the page language (what officers read); the code
    itself when there is no such unit any more."""
    try:
        cp = agencies.contact_point(code)
    except PrachaError:
        return code
    return f"{cp.name}, {cp.agency.name}"


def _event_detail(event) -> str:
    data = event.data or {}
    if event.action == "transfer":
        return _("from %(from)s to %(to)s") % {
            "from": unit_name(data.get("from", "")),
            "to": unit_name(data.get("to", "")),
        }
    if event.action == "merge" and data.get("into"):
        return _("into complaint %(code)s") % {"code": data["into"]}
    if event.action == "assign":
        return data.get("officer") or _("nobody")
    return ""


# --- Telling the complainant -------------------------------------------------------------------


def _tell_followers(complaint: Complaint, subject: dict, body: dict) -> None:
    """The complainants of duplicates merged into this complaint follow it."""
    for follower in followers_of(complaint):
        intake.notify_complainant(follower, subject, body)


def _tell(complaint: Complaint, subject: dict, body: dict) -> None:
    """Tell the complainant of a move of the case, and its followers. The workflow engine already
    tells a complainant who is the case's applicant with an account (and gave no other contact)."""
    if not intake._workflow_tells(complaint):
        intake.notify_complainant(complaint, subject, body)
    _tell_followers(complaint, subject, body)


def _state_texts(complaint: Complaint, note: str) -> tuple[dict, dict]:
    case = complaint.case
    subject = both(
        lambda: (
            _("Your complaint %(code)s: %(state)s")
            % {"code": complaint.tracking_code, "state": case.state_name}
        )
    )

    def body() -> str:
        text = _("Complaint %(code)s is now: %(state)s.") % {
            "code": complaint.tracking_code,
            "state": case.state_name,
        }
        if note:
            text += " " + _("From the officer: %(note)s") % {"note": note}
        return text

    return subject, both(body)


# --- Actions -------------------------------------------------------------------------------------


def _clean_text(value: str | None, name: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PrachaError("validation_error", fields={name: "required"})
    if len(value) > MAX_TEXT:
        raise PrachaError("validation_error", fields={name: "too_long"})
    return value


def _act(complaint: Complaint, action: str, actor: User, reason: str = "", data: dict | None = None) -> None:
    """Take a process action and keep the milestones the dashboards count."""
    case = complaint.case
    now = timezone.now()
    state_due, due = case.state_deadline, case.due_at
    workflow.take_action(case, action, actor=actor, reason=reason, data=data)
    fields: list[str] = []
    if action == "accept":
        complaint.accepted_at, complaint.accepted_late = now, bool(state_due and now > state_due)
        fields += ["accepted_at", "accepted_late"]
    elif action == "resolve":
        complaint.resolved_at, complaint.resolved_late = now, bool(due and now > due)
        fields += ["resolved_at", "resolved_late"]
    if fields:
        complaint.save(update_fields=fields)


def accept(complaint: Complaint, *, actor: User, note: str = "") -> Complaint:
    """The agency takes the complaint on (forwarded -> in progress)."""
    note = _clean_text(note, "reason", required=False)
    with transaction.atomic():
        _act(complaint, "accept", actor, note)
        record("complaints.accepted", complaint, {"late": complaint.accepted_late}, actor=f"user:{actor.pk}")
        _tell(complaint, *_state_texts(complaint, note))
    return complaint


def _check_categories(codes: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for code in codes:
        code = (code or "").strip()
        if code and code not in cleaned:
            cleaned.append(code)
    if not cleaned:
        raise PrachaError("validation_error", fields={"categories": "required"})
    if len(cleaned) > MAX_CATEGORIES:
        raise PrachaError("validation_error", fields={"categories": "too_many"})
    known = categories_known()
    if any(code not in known for code in cleaned):
        raise PrachaError("validation_error", fields={"categories": "unknown_category"})
    return cleaned


def transfer(
    complaint: Complaint,
    contact_point: str | ContactPoint,
    *,
    actor: User,
    reason: str,
    categories: list[str] | None = None,
) -> Complaint:
    """Send the complaint to another agency or unit ("No Wrong Door"). The wrong routing is kept as
    a Correction (from and to agency, and the officer's categories when given) for retraining."""
    reason = _clean_text(reason, "reason")
    target = (
        contact_point
        if isinstance(contact_point, ContactPoint)
        else workflow.find_contact_point(contact_point)
    )
    codes = _check_categories(categories) if categories else []
    _require_work(complaint, actor)
    case = complaint.case
    with transaction.atomic():
        from_agency_id = case.agency_id
        if case.state == "triage":
            # Triage ends by forwarding: the receiving agency then accepts within the forwarding limit.
            workflow.take_action(case, "forward", actor=actor, reason=reason)
        workflow.transfer(case, target, actor=actor, reason=reason)
        Correction.objects.create(
            complaint=complaint,
            officer=actor,
            predicted_categories=complaint.categories,
            categories=codes,
            intent=complaint.intent,
            from_agency_id=from_agency_id,
            to_agency=target.agency,
            reason=reason,
        )
        if codes:
            complaint.categories = [[code, 1.0] for code in codes]
        complaint.agency, complaint.contact_point = target.agency, target
        complaint.routing = Complaint.Routing.MANUAL
        complaint.save(update_fields=["categories", "agency", "contact_point", "routing"])
        record(
            "complaints.transferred",
            complaint,
            {"to": target.code, "from_agency": from_agency_id, "categories": codes, "reason": reason},
            actor=f"user:{actor.pk}",
        )
        _tell(
            complaint,
            both(lambda: _("Your complaint %(code)s was forwarded") % {"code": complaint.tracking_code}),
            both(
                lambda: (
                    _("Complaint %(code)s is now handled by %(agency)s.")
                    % {"code": complaint.tracking_code, "agency": target.agency.name}
                )
            ),
        )
    return complaint


def correct_categories(
    complaint: Complaint, categories: list[str], *, actor: User, reason: str = "", intent: str = ""
) -> Complaint:
    """The officer's categories (and intent) replace the classifier's; the prediction is kept."""
    codes = _check_categories(categories)
    if intent and intent not in INTENT_LABELS:
        raise PrachaError("validation_error", fields={"intent": "unknown_intent"})
    reason = _clean_text(reason, "reason", required=False)
    _require_work(complaint, actor)
    with transaction.atomic():
        Correction.objects.create(
            complaint=complaint,
            officer=actor,
            predicted_categories=complaint.categories,
            categories=codes,
            intent=intent or complaint.intent,
            reason=reason,
        )
        before = category_codes(complaint)
        complaint.categories = [[code, 1.0] for code in codes]
        fields = ["categories"]
        if intent:
            complaint.intent, complaint.intent_confidence = intent, 1.0
            fields += ["intent", "intent_confidence"]
        complaint.save(update_fields=fields)
        record(
            "complaints.categories_corrected",
            complaint,
            {"from": before, "to": codes, "intent": intent},
            actor=f"user:{actor.pk}",
        )
    return complaint


def correct_place(complaint: Complaint, subdistrict_code: str, reason: str, *, actor: User) -> Complaint:
    """The officer's subdistrict replaces a wrong one (found from the map pin, or chosen wrongly by the
    complainant). It does not re-route: the officer transfers the complaint if the unit is wrong too.
    The correction shows in the timeline as an internal note (the complainant is not told)."""
    reason = _clean_text(reason, "reason")
    code = (subdistrict_code or "").strip()
    try:
        target = agencies.get_area(code) if code.isdigit() and len(code) == 6 else None
    except PrachaError:
        target = None
    if not isinstance(target, Subdistrict):
        raise PrachaError("validation_error", fields={"subdistrict": "unknown_subdistrict"})
    _require_work(complaint, actor)
    with transaction.atomic():
        # The row lock orders this against intake's and another officer's writes of the same complaint.
        locked = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        before = locked.subdistrict_id
        if before == target.code and not locked.subdistrict_from_pin:
            raise PrachaError("validation_error", fields={"subdistrict": "same_subdistrict"})
        complaint.subdistrict = target
        complaint.subdistrict_from_pin, complaint.subdistrict_confidence = False, None
        complaint.save(update_fields=["subdistrict", "subdistrict_from_pin", "subdistrict_confidence"])
        old = agencies.get_area(before) if before else None
        Update.objects.create(
            complaint=complaint,
            kind=Update.Kind.PLACE,
            # Place names are proper nouns: kept in Thai, with the codes, whatever the page language.
            text=f"{_place_label(old) if old else '—'} → {_place_label(target)}\n{reason}",
            author=actor,
            public=False,
            created_at=timezone.now(),
        )
        record(
            "complaints.place_corrected",
            complaint,
            {"from": before, "to": target.code, "reason": reason},
            actor=f"user:{actor.pk}",
        )
    return complaint


def _place_label(sub: Subdistrict) -> str:
    return f"{sub.name_th} {sub.district.name_th} {sub.district.province.name_th} ({sub.code})"


UPDATE_SUBJECTS = {
    Update.Kind.REPLY: gettext_lazy("A reply about your complaint %(code)s"),
    Update.Kind.PRELIMINARY: gettext_lazy("Preliminary result of your complaint %(code)s"),
    Update.Kind.FINAL: gettext_lazy("Final result of your complaint %(code)s"),
}


def post_update(complaint: Complaint, kind: str, text: str, *, actor: User) -> Update:
    """A reply, preliminary result or final result for the complainant (who is told)."""
    if kind not in UPDATE_KINDS:
        raise PrachaError("validation_error", fields={"kind": "unknown_kind"})
    text = _clean_text(text, "text")
    _require_work(complaint, actor)
    with transaction.atomic():
        update = intake.add_update(complaint, kind, text, actor)  # tells the complainant
        _tell_followers(
            complaint,
            both(lambda: str(UPDATE_SUBJECTS[kind]) % {"code": complaint.tracking_code}),
            both(lambda: text),
        )
    return update


def ask_complainant(complaint: Complaint, question: str, *, actor: User) -> Complaint:
    """Ask for more information; the case waits (its clock stopped) until the answer comes."""
    question = _clean_text(question, "reason")
    with transaction.atomic():
        _act(complaint, "ask_complainant", actor, question)
        record("complaints.asked", complaint, {}, actor=f"user:{actor.pk}")
        _tell(complaint, *_state_texts(complaint, question))
    return complaint


def reject(complaint: Complaint, reason: str, *, actor: User) -> Complaint:
    reason = _clean_text(reason, "reason")
    with transaction.atomic():
        _act(complaint, "reject", actor, reason)
        record("complaints.rejected", complaint, {"reason": reason}, actor=f"user:{actor.pk}")
        _tell(complaint, *_state_texts(complaint, reason))
    return complaint


@dataclass(frozen=True)
class Evidence:
    name: str
    content_type: str
    data: bytes


def check_evidence(files: Iterable[UploadedFile]) -> list[Evidence]:
    """Photos (checked by decoding them) and PDF documents, within the size limit."""
    from PIL import Image, UnidentifiedImageError

    files = list(files)
    if len(files) > EVIDENCE_MAX_FILES:
        raise PrachaError("validation_error", fields={"evidence": "too_many_files"})
    found: list[Evidence] = []
    for upload in files:
        if upload.size is None or upload.size > EVIDENCE_MAX_BYTES:
            raise PrachaError("validation_error", fields={"evidence": "file_too_large"})
        data = upload.read(EVIDENCE_MAX_BYTES + 1)
        if len(data) > EVIDENCE_MAX_BYTES:
            raise PrachaError("validation_error", fields={"evidence": "file_too_large"})
        if data.startswith(b"%PDF-"):
            found.append(Evidence(upload.name or "evidence.pdf", "application/pdf", data))
            continue
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise PrachaError("validation_error", fields={"evidence": "file_type"}) from exc
        if kind not in IMAGE_TYPES:
            raise PrachaError("validation_error", fields={"evidence": "file_type"})
        found.append(Evidence(upload.name or "evidence", IMAGE_TYPES[kind], data))
    return found


def _store_evidence(complaint: Complaint, evidence: list[Evidence], actor: User) -> list[Attachment]:
    from django.core.files.base import ContentFile

    stored = []
    for item in evidence:
        suffix = {"application/pdf": ".pdf", "image/png": ".png", "image/webp": ".webp"}.get(
            item.content_type, ".jpg"
        )
        attachment = Attachment(
            complaint=complaint,
            kind=Attachment.Kind.EVIDENCE,
            content_type=item.content_type,
            size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(),
            uploaded_by=actor,
        )
        # The stored name is ours (never the uploader's), the original name is not kept.
        attachment.file.save(f"evidence-{complaint.pk}{suffix}", ContentFile(item.data), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def resolve(
    complaint: Complaint, reason: str, *, actor: User, evidence: Iterable[UploadedFile] = ()
) -> Complaint:
    """Report the result with evidence: the case goes to `resolved`, waiting for the complainant to
    confirm; the result is posted as the final result and the complainant is told."""
    reason = _clean_text(reason, "reason")
    checked = check_evidence(evidence)
    _require_work(complaint, actor)
    with transaction.atomic():
        _act(complaint, "resolve", actor, reason)
        stored = _store_evidence(complaint, checked, actor)
        # The final result tells the complainant (and the engine tells an applicant of the move).
        intake.add_update(complaint, Update.Kind.FINAL, reason, actor)
        record(
            "complaints.resolved",
            complaint,
            {"late": complaint.resolved_late, "evidence": [a.sha256 for a in stored]},
            actor=f"user:{actor.pk}",
        )
        _tell_followers(complaint, *_state_texts(complaint, reason))
    return complaint


def merge(duplicate: Complaint, survivor: Complaint, *, actor: User, reason: str) -> Complaint:
    """Merge `duplicate` into `survivor`: the duplicate's case ends as `merged`, its complainant is
    told and from now on follows the survivor (as do complaints merged into the duplicate before)."""
    reason = _clean_text(reason, "reason")
    if survivor.pk == duplicate.pk:
        raise PrachaError("validation_error", fields={"into": "same_complaint"})
    if survivor.case is None or survivor.case.closed_at is not None:
        raise PrachaError("validation_error", fields={"into": "not_open"})
    if survivor.duplicate_of_id is not None:
        raise PrachaError("validation_error", fields={"into": "already_merged"})
    _require_work(duplicate, actor)
    with transaction.atomic():
        data = {"into": survivor.tracking_code, "into_reference": survivor.case.reference}
        _act(duplicate, "merge", actor, reason, data=data)
        duplicate.duplicate_of = survivor
        duplicate.save(update_fields=["duplicate_of"])
        followers_of(duplicate).update(duplicate_of=survivor)
        DuplicateCandidate.objects.filter(complaint=duplicate, dismissed_at__isnull=True).update(
            dismissed_by=actor, dismissed_at=timezone.now()
        )
        # The update tells the complainant where to follow from now on.
        intake.add_update(
            duplicate,
            Update.Kind.REPLY,
            _("This complaint repeats complaint %(code)s and was merged into it. Follow %(code)s.")
            % {"code": survivor.tracking_code},
            actor,
        )
        record("complaints.merged", duplicate, {**data, "reason": reason}, actor=f"user:{actor.pk}")
    return duplicate


def dismiss_duplicate(complaint: Complaint, candidate_pk: int, *, actor: User) -> None:
    """An officer says a flagged candidate is not a duplicate."""
    _require_work(complaint, actor)
    with transaction.atomic():
        done = DuplicateCandidate.objects.filter(
            complaint=complaint, candidate_id=candidate_pk, dismissed_at__isnull=True
        ).update(dismissed_by=actor, dismissed_at=timezone.now())
        if not done:
            raise PrachaError("not_found", status=404)
        record(
            "complaints.duplicate_dismissed", complaint, {"candidate": candidate_pk}, actor=f"user:{actor.pk}"
        )


def assign(complaint: Complaint, officer: User | None, *, actor: User) -> Complaint:
    workflow.assign(complaint.case, officer, actor=actor)
    return complaint


def assignable_officers(complaint: Complaint) -> list[User]:
    return workflow.assignable_officers(complaint.case)


# --- Several at once -----------------------------------------------------------------------------

BULK_ACTIONS = ("accept", "assign", "transfer")


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # tracking codes
    failed: list[tuple[str, str]] = field(default_factory=list)  # (tracking code or id, message)


def bulk(
    user: User,
    action: str,
    ids: Iterable[int],
    *,
    officer: User | None = None,
    contact_point: str = "",
    reason: str = "",
) -> BulkResult:
    """Accept, assign or transfer several complaints; each succeeds or fails on its own."""
    if action not in BULK_ACTIONS:
        raise PrachaError("validation_error", fields={"action": "invalid"})
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise PrachaError("validation_error", fields={"ids": "required"})
    if len(ids) > BULK_LIMIT:
        raise PrachaError("validation_error", fields={"ids": "too_many"})
    target = None
    if action == "transfer":
        _clean_text(reason, "reason")
        target = workflow.find_contact_point(contact_point)
    result = BulkResult()
    for pk in ids:
        try:
            complaint = complaint_for(user, pk)
            if action == "accept":
                accept(complaint, actor=user, note=reason)
            elif action == "assign":
                assign(complaint, officer, actor=user)
            else:
                transfer(complaint, target, actor=user, reason=reason)
        except PrachaError as exc:
            label = str(pk)
            if exc.code != "not_found":
                label = (
                    Complaint.objects.filter(pk=pk).values_list("tracking_code", flat=True).first() or label
                )
            problem = next(iter(exc.fields.values()), "") if exc.fields else ""
            message = field_message(problem) if problem else render_message(exc.code, **exc.params)
            result.failed.append((label, message))
        else:
            result.done.append(complaint.tracking_code)
    return result


# --- Supervisors: the units' backlog -------------------------------------------------------------


def unit_backlog(user: User, now: dt.datetime | None = None) -> list[dict]:
    """Open complaints per unit in the user's scope: counts by state and overdue."""
    if not can_oversee(user):
        raise PrachaError("permission_denied", status=403)
    now = now or timezone.now()
    cases = visible_cases(user, now=now).order_by()
    rows = cases.values(
        "contact_point_id",
        "contact_point__code",
        "contact_point__name_th",
        "contact_point__name_en",
        "agency__name_th",
        "agency__name_en",
        "state",
    ).annotate(n=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    units: dict[int | None, dict] = {}
    en = (translation.get_language() or "th") == "en"
    for r in rows:
        unit = units.setdefault(
            r["contact_point_id"],
            {
                "code": r["contact_point__code"] or "",
                "name": (en and r["contact_point__name_en"]) or r["contact_point__name_th"] or "",
                "agency": (en and r["agency__name_en"]) or r["agency__name_th"],
                "states": {},
                "open": 0,
                "overdue": 0,
            },
        )
        unit["states"][r["state"]] = unit["states"].get(r["state"], 0) + r["n"]
        unit["open"] += r["n"]
        unit["overdue"] += r["overdue"]
    return sorted(units.values(), key=lambda u: (-u["overdue"], -u["open"], u["code"]))


def open_states() -> list[tuple[str, object]]:
    """The complaint process's states (code, name) in the order of its definition."""
    version = workflow.current_version("complaint").parsed()
    return [(code, state.name) for code, state in version.states.items()]
