"""The complaint system's service layer: one intake for every channel, routing, follow-up.

    complaint = file_complaint(channel="web", text="ทางเท้าชำรุด ...", subdistrict_code="103001", photos=[...])
    # -> stored with its photos and a `complaints.route` job in one transaction; returns at once.
    route(complaint)                       # what the job does: classify, apply the rules, open the case
    decision_for("ไฟดับทั้งซอย", subdistrict_code="120101").as_dict()   # the same answer, nothing stored
    public_status("7KQ2M9XHRT")            # what anyone holding the tracking code may see
    add_update(complaint, "preliminary", "ส่งช่างไปตรวจแล้ว", officer)   # told to the complainant
    notify_complainant(complaint, subject={"th": ..., "en": ...}, body={...})

Other apps and the channels (LINE, Open311, officer forms) call only these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pracha.agencies import services as agencies
from pracha.agencies.models import ContactPoint, Subdistrict
from pracha.audit.chain import Entry, append_many, appended_last, current_actor, object_ref, record
from pracha.core.bulk import insert_row, update_rows
from pracha.core.calendar import BANGKOK, TimeLimit, default_calendar
from pracha.core.errors import PrachaError
from pracha.core.masking import mask_text
from pracha.core.queue import enqueue
from pracha.core.thai_dates import format_date
from pracha.core.thai_id import is_valid_phone, normalize_phone
from pracha.identity import services as identity
from pracha.identity.models import Person, User
from pracha.notify.services import Message, Text, send_many, user_messages
from pracha.workflow import services as workflow
from pracha.workflow.models import Case, CaseEvent

from . import duplicates, routing
from .models import Attachment, Channel, Complaint, Update

log = logging.getLogger("pracha.complaints")

# Limits of what one complaint may carry (PSC 1111 and Traffy take a few photos of a few MB each).
TEXT_MIN, TEXT_MAX = 10, 5000
PHOTOS_MAX = 5
PHOTO_MAX_MB, LETTER_MAX_MB = 10, 20
PLACE_MAX, NAME_MAX = 300, 200
UPDATE_MAX = 4000
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}
LETTER_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# Thailand's bounding box (5°37′N-20°28′N, 97°21′E-105°38′E) with a small margin for the sea coast.
LAT_RANGE, LNG_RANGE = (5.5, 20.5), (97.3, 105.7)
# Channels where an officer keys in what a citizen said or sent.
OFFICER_CHANNELS = frozenset({Channel.HOTLINE, Channel.COUNTER, Channel.MAIL})
MB = 1024 * 1024
_SPACES = re.compile(r"\s+")
_CODE_JUNK = re.compile(r"[\s-]")
PROCESS = "complaint"


def limits() -> dict[str, Any]:
    """Parameters of every intake message, so that any field's message renders with its numbers."""
    return {
        "text_min": TEXT_MIN,
        "text_max": TEXT_MAX,
        "photos_max": PHOTOS_MAX,
        "photo_mb": PHOTO_MAX_MB,
        "letter_mb": LETTER_MAX_MB,
        "max_reopens": max_reopens(),
    }


def confidence_threshold() -> float:
    return float(getattr(settings, "PRACHA_COMPLAINT_CONFIDENCE_THRESHOLD", 0.45))


def max_reopens() -> int:
    return int(getattr(settings, "PRACHA_COMPLAINT_MAX_REOPENS", 2))


def _both(render) -> dict[str, str]:
    """{"th": ..., "en": ...}: `render` runs once with each language active."""
    out = {}
    for lang in ("th", "en"):
        with translation.override(lang):
            out[lang] = str(render())
    return out


# --- Validation at the edge ----------------------------------------------------------------------


@dataclass
class _Upload:
    file: File
    name: str
    size: int
    content_type: str
    ext: str


def _as_file(item: Any, default_name: str) -> File:
    """An uploaded file, a Django File, raw bytes or (name, bytes) as a Django File."""
    if isinstance(item, File):
        return item
    if isinstance(item, bytes | bytearray):
        return ContentFile(bytes(item), name=default_name)
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes | bytearray):
        return ContentFile(bytes(item[1]), name=str(item[0]) or default_name)
    raise TypeError(f"not a file: {type(item).__name__}")


def _sniff(f: File) -> str | None:
    """The file's type from its first bytes (never from its name or the browser's say-so)."""
    f.seek(0)
    head = f.read(8192)
    f.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def _check_upload(item: Any, allowed: dict[str, str], max_mb: int, default_name: str) -> tuple[_Upload, str]:
    """(upload, problem): problem is "" or "too_large" / "type_not_allowed"."""
    f = _as_file(item, default_name)
    name = (getattr(f, "name", "") or default_name).rsplit("/", 1)[-1][:100]
    size = f.size if f.size is not None else len(f.read())
    mime = _sniff(f) if size <= max_mb * MB else None
    upload = _Upload(f, name, size, mime or "", allowed.get(mime or "", ""))
    if size > max_mb * MB:
        return upload, "too_large"
    if mime not in allowed:
        return upload, "type_not_allowed"
    return upload, ""


def _clean_text(text: str, fields: dict[str, str]) -> str:
    text = (text or "").strip()
    length = len(_SPACES.sub(" ", text))
    if not text:
        fields["text"] = "complaint_text_required"
    elif length < TEXT_MIN:
        fields["text"] = "complaint_text_too_short"
    elif len(text) > TEXT_MAX:
        fields["text"] = "complaint_text_too_long"
    return text


def _coordinate(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def clean_location(
    latitude: Any, longitude: Any, subdistrict_code: str | None, fields: dict[str, str]
) -> tuple[Decimal | None, Decimal | None, Subdistrict | None, tuple[float, float] | None]:
    """A map pin (both coordinates, inside Thailand) and/or a known subdistrict; problems into `fields`.
    With a pin and no subdistrict, the pin's subdistrict is looked up from reference points; the last
    item is then (confidence, metres to the nearest point), else None. A subdistrict given always wins
    over the pin, however far apart they are: people pin where they stand (decision 0151)."""
    lat = lng = None
    try:
        lat, lng = _coordinate(latitude), _coordinate(longitude)
    except ValueError:
        fields["latitude"] = fields["longitude"] = "location_invalid"
    else:
        if (lat is None) != (lng is None):
            fields["latitude" if lat is None else "longitude"] = "location_incomplete"
        elif lat is not None and lng is not None:
            inside = LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]
            if not inside:
                fields["latitude"] = fields["longitude"] = "location_outside_thailand"
    sub = None
    code = (subdistrict_code or "").strip()
    if code:
        try:
            area = agencies.get_area(code)
        except PrachaError:
            area = None
        if isinstance(area, Subdistrict):
            sub = area
        else:
            fields["subdistrict"] = "unknown_area"
    elif lat is not None and lng is not None and not fields.keys() & {"latitude", "longitude"}:
        found = agencies.subdistrict_at(float(lat), float(lng))
        if found is not None:
            sub, confidence, distance_m = found
            return lat, lng, sub, (confidence, distance_m)
    return lat, lng, sub, None


def may_file_for_others(user: User | None) -> bool:
    """Counter, case and supervising officers key in complaints from the hotline, the counter and mail."""
    return bool(user is not None and user.is_authenticated and identity.may_handle_people(user))


def _raise(fields: dict[str, str], **params: Any) -> None:
    if fields:
        first = next(iter(fields.values()))
        raise PrachaError(first, fields=fields, **{**limits(), **params})


# --- Filing --------------------------------------------------------------------------------------


def file_complaint(
    *,
    channel: str,
    text: str,
    complainant: Person | None = None,
    user: User | None = None,
    anonymous: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    line_user_id: str = "",
    language: str = "th",
    subdistrict_code: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
    place_text: str = "",
    photos: Iterable[Any] = (),
    letter: Any = None,
    filed_by: User | None = None,
    received_at: dt.datetime | None = None,
    external_id: str = "",
) -> Complaint:
    """Check everything, then store the complaint, its files and its routing job in one transaction.

    `user` is a signed-in citizen filing for themselves; `complainant` a person an officer files for
    (`filed_by`, required on the hotline, counter and mail channels). Anonymous complaints keep no
    identity, only an optional contact for updates. Raises PrachaError naming every field to fix;
    nothing is stored then. Routing happens in the background job `complaints.route`.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if channel in OFFICER_CHANNELS and not may_file_for_others(filed_by):
        raise PrachaError("permission_denied", status=403)
    if filed_by is not None and not may_file_for_others(filed_by):
        raise PrachaError("permission_denied", status=403)

    fields: dict[str, str] = {}
    text = _clean_text(text, fields)
    lat, lng, sub, from_pin = clean_location(latitude, longitude, subdistrict_code, fields)
    place_text = (place_text or "").strip()
    if len(place_text) > PLACE_MAX:
        fields["place_text"] = "too_long"

    if anonymous:
        complainant, contact_name = None, ""
    elif complainant is None and user is not None and user.is_authenticated:
        complainant = user.person
    contact_name = (contact_name or "").strip()
    if len(contact_name) > NAME_MAX:
        fields["contact_name"] = "too_long"
    phone = normalize_phone(contact_phone) if (contact_phone or "").strip() else ""
    if phone and not is_valid_phone(phone):
        fields["contact_phone"] = "phone_invalid"
    email = (contact_email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            fields["contact_email"] = "email_invalid"
    line_user_id = (line_user_id or "").strip()[:64]
    if not anonymous and complainant is None:
        if channel == Channel.MAIL:
            # A letter is answered by post when it gives no phone or e-mail; it must name its sender.
            if not contact_name and "contact_name" not in fields:
                fields["contact_name"] = "name_required"
        elif not (phone or email or line_user_id):
            # Someone who gives their name wants an answer: we need a way to send it.
            fields["contact_phone"] = "contact_required"

    now = timezone.now()
    if received_at is not None and received_at > now + dt.timedelta(minutes=5):
        fields["received_at"] = "received_in_future"

    photo_list = list(photos or ())
    checked: list[tuple[str, _Upload]] = []
    bad_file = ""
    if len(photo_list) > PHOTOS_MAX:
        fields["photos"] = "too_many_photos"
    else:
        for i, item in enumerate(photo_list, start=1):
            upload, problem = _check_upload(item, PHOTO_TYPES, PHOTO_MAX_MB, f"photo-{i}")
            if problem and "photos" not in fields:
                fields["photos"], bad_file = f"photo_{problem}", upload.name
            checked.append((Attachment.Kind.PHOTO, upload))
    if letter is not None:
        upload, problem = _check_upload(letter, LETTER_TYPES, LETTER_MAX_MB, "letter")
        if problem:
            fields["letter"] = f"letter_{problem}"
            bad_file = bad_file or upload.name
        checked.append((Attachment.Kind.LETTER, upload))
    _raise(fields, file=bad_file, code=(subdistrict_code or "").strip())

    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            # One INSERT built once per process (decision 0542).
            complaint = insert_row(
                Complaint(
                    channel=channel,
                    text=text,
                    complainant=complainant,
                    anonymous=anonymous,
                    contact_name=contact_name,
                    contact_phone=phone,
                    contact_email=email,
                    line_user_id=line_user_id,
                    language=language if language in ("th", "en") else "th",
                    filed_by=filed_by,
                    subdistrict=sub,
                    subdistrict_from_pin=from_pin is not None,
                    subdistrict_confidence=round(from_pin[0], 3) if from_pin else None,
                    latitude=lat,
                    longitude=lng,
                    place_text=place_text,
                    external_id=(external_id or "")[:64],
                    received_at=received_at or now,
                    created_at=now,
                )
            )
            for kind, upload in checked:
                saved.append(_store(complaint, kind, upload, filed_by or user))
            # The filing's audit entry travels in the routing job, written in this transaction, and
            # is chained by the burst that routes it (decision 0537): intake then takes no lock that
            # every other filing on the platform waits for.
            enqueue(
                "complaints.route",
                {
                    "complaint_id": complaint.pk,
                    "filed": {
                        "tracking_code": complaint.tracking_code,
                        "channel": channel,
                        "anonymous": anonymous,
                        "complainant": complainant.pk if complainant else None,
                        "filed_by": filed_by.pk if filed_by else None,
                        "subdistrict": sub.code if sub else None,
                        "pin": lat is not None,
                        "subdistrict_from_pin": (
                            {"confidence": round(from_pin[0], 3), "distance_m": round(from_pin[1])}
                            if from_pin
                            else None
                        ),
                        "attachments": [[a.kind, a.sha256] for a in saved],
                        "external_id": complaint.external_id,
                        "filed_at": now.isoformat(),
                    },
                    "actor": f"user:{(filed_by or user).pk}" if filed_by or user else current_actor.get(),
                },
            )
    except BaseException:
        # The database rolled back; files already written to storage must go too.
        for attachment in saved:
            attachment.file.delete(save=False)
        raise
    return complaint


def _store(complaint: Complaint, kind: str, upload: _Upload, by: User | None) -> Attachment:
    digest = hashlib.sha256()
    upload.file.seek(0)
    for chunk in upload.file.chunks():
        digest.update(chunk)
    upload.file.seek(0)
    attachment = Attachment(
        complaint=complaint,
        kind=kind,
        content_type=upload.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    # A random name: what the sender called the file says nothing we need and may say too much.
    attachment.file.save(f"{secrets.token_hex(12)}.{upload.ext}", upload.file, save=False)
    attachment.save()
    return attachment


def find_by_tracking_code(code: str) -> Complaint:
    """A complaint by its tracking code as people type it (any case, spaces or dashes); else 404."""
    wanted = _CODE_JUNK.sub("", code or "").upper()
    found = (
        Complaint.objects.select_related("agency", "contact_point", "subdistrict__district__province", "case")
        .filter(tracking_code=wanted)
        .first()
        if 6 <= len(wanted) <= 12
        else None
    )
    if found is None:
        raise PrachaError("not_found", status=404)
    return found


# --- Classifying and routing -------------------------------------------------------------------------


@dataclass(frozen=True)
class _NoPrediction:
    """What routing gets when the classifier cannot answer: no category, so human triage."""

    categories: tuple = ()
    intent: tuple[str, float] = ("", 0.0)
    urgency: tuple[str, float] = ("", 0.0)
    model_version: str = ""


def _classify(text: str) -> Any:
    return _classify_many([text])[0]


def _classify_many(texts: list[str]) -> list[Any]:
    from .classifier import ModelNotFoundError, classify_many

    # A missing or broken model must not hold complaints back: people triage them instead.
    try:
        return classify_many(texts)
    except ModelNotFoundError as exc:
        log.warning("no complaint classifier model, sending to human triage: %s", exc)
    except Exception:
        log.exception("the complaint classifier failed; sending to human triage")
    return [_NoPrediction() for _ in texts]


def decision_for(
    text: str,
    subdistrict_code: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
    *,
    at: dt.datetime | None = None,
) -> routing.Decision:
    """Where a complaint with this text and place would go, and why. Stores nothing."""
    fields: dict[str, str] = {}
    text = _clean_text(text, fields)
    _lat, _lng, sub, _from_pin = clean_location(latitude, longitude, subdistrict_code, fields)
    _raise(fields, code=(subdistrict_code or "").strip())
    return routing.decide(
        _classify(text),
        subdistrict=sub,
        at=at or timezone.now(),
        rules=routing.load_rules(),
        threshold=confidence_threshold(),
        units=routing.unit_cache(),
    )


def _remaining(limit: TimeLimit, since: dt.datetime, now: dt.datetime) -> TimeLimit:
    """What is left at `now` of a limit that started at `since` (a letter received days ago has used
    part of its time). The workflow counts from the case's start, so it gets the remainder."""
    if since >= now:
        return limit
    cal = default_calendar()
    if limit.unit == "working_days":
        # Working days count from the first working day after the day of receipt, so the remainder is
        # the limit less the whole working days gone by: exact, whatever the hour the worker runs.
        day = cal.next_working_day(since.astimezone(BANGKOK).date())
        today = cal.next_working_day(now.astimezone(BANGKOK).date())
        used = 0
        while day < today:
            used += 1
            day = cal.next_working_day(day)
        if limit.amount > used:
            return TimeLimit(limit.amount - used, "working_days")
        hours = 0.0
    elif limit.unit in ("hours", "days"):
        hours = (cal.deadline(since, limit) - now).total_seconds() / 3600
    else:
        hours = cal.working_seconds_between(now, cal.deadline(since, limit)) / 3600
    unit = "working_hours" if limit.unit == "working_hours" else "hours"
    # Already late on arrival: the smallest limit, so the first sweep marks it overdue.
    return TimeLimit(Decimal(str(round(max(hours, 0.001), 6))), unit)


def _title(complaint: Complaint, category: str | None) -> str:
    """What queues and "My complaints" show: the category and the start of the text, masked."""
    excerpt = mask_text(_SPACES.sub(" ", complaint.text).strip())
    if len(excerpt) > 90:
        excerpt = excerpt[:89].rstrip() + "…"
    if not category:
        return excerpt
    return f"{routing.category_label(category, complaint.language)}: {excerpt}"


def _case_limits(complaint: Complaint, decision: routing.Decision, now: dt.datetime) -> dict[str, dict]:
    rules = routing.load_rules()
    forwarding = _remaining(rules.forwarding_limit(complaint.channel), complaint.received_at, now)
    return {
        # The channel's limit is the time to get the complaint to the unit that acts on it: it runs
        # in triage (the 1111 centre) and again while the unit has not accepted.
        "triage": forwarding.as_dict(),
        "forwarded": forwarding.as_dict(),
        "in_progress": rules.resolution_limit(decision.category).as_dict(),
    }


def _unrouted(ids: list[int]) -> list[Complaint]:
    """The complaints among `ids` that have no case yet, locked (in id order, so two workers routing
    overlapping batches cannot deadlock)."""
    return list(
        Complaint.objects.select_for_update(of=("self",))
        .select_related("subdistrict__district__province")
        .filter(pk__in=ids, case__isnull=True)
        .order_by("pk")
    )


def _lock(complaint: Complaint | int) -> Complaint:
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    # Only the complaint's row is locked; its place comes along for routing's reasons (of="self":
    # PostgreSQL cannot lock the nullable side of the join).
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("subdistrict__district__province")
        .get(pk=pk)
    )


def route(complaint: Complaint | int) -> Complaint:
    """Classify, decide, open the workflow case and tell the complainant: once per complaint.

    Idempotent: a complaint that already has its case is returned as it is (the job may run twice if a
    worker dies after routing; the row lock makes a second worker wait and then see the case).
    """
    with transaction.atomic():
        locked = _lock(complaint)
        if locked.case_id is not None:
            return locked
        decision = routing.decide(
            _classify(locked.text),
            subdistrict=locked.subdistrict,
            at=locked.received_at,
            rules=routing.load_rules(),
            threshold=confidence_threshold(),
            units=routing.unit_cache(),
        )
        _open_cases([locked], [decision])
        enqueue("complaints.flag_duplicates", {"complaint_ids": [locked.pk]})
    return locked


def route_many(complaint_ids: list[int]) -> list[Complaint]:
    """`route` for a burst of complaints in one transaction: one classification of all texts, one
    insert of their cases, one append to the audit chain. Complaints already routed are skipped."""
    # The audit head is taken only at the end: intake, which appends for every complaint filed,
    # does not wait for the whole burst.
    with transaction.atomic(), appended_last():
        locked = _unrouted(complaint_ids)
        if not locked:
            return []
        rules, threshold = routing.load_rules(), confidence_threshold()
        predictions = _classify_many([c.text for c in locked])
        units = routing.unit_cache()  # the registry's answers, kept for a minute
        units.prefetch(c.subdistrict for c in locked)  # the burst's new places in two queries
        decisions = [
            routing.decide(
                p, subdistrict=c.subdistrict, at=c.received_at, rules=rules, threshold=threshold, units=units
            )
            for c, p in zip(locked, predictions, strict=True)
        ]
        _open_cases(locked, decisions)
        # One job for the burst's duplicate checks: a row per complaint cost more than its check.
        enqueue("complaints.flag_duplicates", {"complaint_ids": [c.pk for c in locked]})
    return locked


def route_to_triage(complaint: Complaint | int, why: str) -> Complaint:
    """The safety net when routing keeps failing: the complaint goes to people, unclassified."""
    with transaction.atomic():
        locked = _lock(complaint)
        if locked.case_id is not None:
            return locked
        triage = agencies.contact_point(routing.load_rules().triage)
        reason = _both(
            lambda: _("Automatic routing failed, so officers of the 1111 centre will send it on by hand.")
        )
        decision = routing.Decision(
            status=routing.TRIAGE,
            agency=triage.agency,
            contact_point=triage,
            rule=f"triage:{why}",
            reason=reason,
            categories=[],
            intent=("", 0.0),
            urgency=("", 0.0),
            model_version="",
            threshold=confidence_threshold(),
            subdistrict=locked.subdistrict,
        )
        _open_cases([locked], [decision])
    return locked


_ROUTED_FIELDS = [
    "categories",
    "intent",
    "intent_confidence",
    "urgency",
    "urgency_confidence",
    "model_version",
    "routing",
    "routing_reason",
    "agency",
    "contact_point",
    "case",
    "text_words",
]


def _open_cases(complaints: list[Complaint], decisions: list[routing.Decision]) -> None:
    """Open the workflow case of each complaint as decided, record it and tell the complainants."""
    now = timezone.now()
    cases = workflow.start_cases(
        PROCESS,
        [
            workflow.NewCase(
                agency=decision.agency,
                contact_point=decision.contact_point,
                title=_title(complaint, decision.category),
                applicant=complaint.complainant,
                subject=complaint,
                data={"tracking_code": complaint.tracking_code, "channel": complaint.channel},
                time_limits=_case_limits(complaint, decision, now),
                initial_state=None if decision.routed else "triage",
            )
            for complaint, decision in zip(complaints, decisions, strict=True)
        ],
    )
    entries = []
    for complaint, decision, case in zip(complaints, decisions, cases, strict=True):
        complaint.categories = [[c, round(p, 4)] for c, p in decision.categories]
        complaint.intent, complaint.intent_confidence = decision.intent[0], decision.intent[1] or None
        complaint.urgency, complaint.urgency_confidence = decision.urgency[0], decision.urgency[1] or None
        complaint.model_version = decision.model_version
        complaint.routing = Complaint.Routing.ROUTED if decision.routed else Complaint.Routing.TRIAGE
        complaint.routing_reason = _reason_with_place(complaint, decision)
        complaint.agency = decision.agency
        complaint.contact_point = decision.contact_point
        complaint.case = case
        complaint.text_words = " ".join(duplicates.words(complaint.text))
        entries.append(
            Entry(
                action="complaints.routed",
                object_type=object_ref(complaint)[0],
                object_id=object_ref(complaint)[1],
                data={
                    "status": decision.status,
                    "rule": decision.rule,
                    "category": decision.category,
                    "categories": complaint.categories[:3],
                    "model_version": decision.model_version,
                    "agency": decision.agency.code,
                    "contact_point": decision.contact_point.code,
                    "case": case.reference,
                },
            )
        )
    update_rows(complaints, _ROUTED_FIELDS)
    append_many(entries)
    messages = []
    for complaint, case in zip(complaints, cases, strict=True):
        # Only a contact given with the complaint hears it from us: an account is told by the
        # workflow engine, and anyone else follows it by tracking code (`_workflow_tells`).
        if _explicit_contact(complaint) is not None:
            subject, body = _routed_message(complaint, case)
            messages += complainant_messages(complaint, subject, body)
    send_many(messages)


def _reason_with_place(complaint: Complaint, decision: routing.Decision) -> dict:
    """The decision as stored, saying so when its place was found from the map pin."""
    reason = decision.as_dict()
    if complaint.subdistrict_from_pin and decision.subdistrict is not None:
        confidence = complaint.subdistrict_confidence or 0.0
        reason["place_from_pin"] = {"confidence": round(confidence, 4)}
        note = _both(
            lambda: (
                _("The subdistrict was found from the map pin (confidence %(percent)d%%).")
                % {"percent": round(confidence * 100)}
            )
        )
        reason["reason"] = {lang: f"{text} {note[lang]}" for lang, text in reason["reason"].items()}
    return reason


def _workflow_tells(complaint: Complaint) -> bool:
    """The workflow engine already tells an applicant with an account about every move of the case;
    other complainants (anonymous with a contact, LINE, a phone at the counter) hear it from us."""
    return not _explicit_contact(complaint) and identity.user_of_person(complaint.complainant_id) is not None


def received_message(complaint: Complaint) -> dict[str, str]:
    """What the complainant is told the moment a complaint is accepted, on every channel."""
    return _both(
        lambda: (
            _(
                "We received your complaint. Its tracking code is %(code)s: keep it to follow the complaint. "
                "We are now finding the agency responsible."
            )
            % {"code": complaint.tracking_code}
        )
    )


def status_path(complaint: Complaint) -> str:
    return f"/complaints/track/{complaint.tracking_code}/"


def _follow_hint(complaint: Complaint) -> str:
    base = getattr(settings, "PRACHA_PUBLIC_URL", "").rstrip("/")
    if base:
        return _("Follow it at %(url)s") % {"url": base + status_path(complaint)}
    return _("Follow it on the Pracha website under “Follow a complaint” with code %(code)s.") % {
        "code": complaint.tracking_code
    }


def _routed_message(complaint: Complaint, case: Case) -> tuple[Text, Text]:
    def unit(lang: str) -> str:
        cp, agency = complaint.contact_point, complaint.agency
        if lang == "en":
            return f"{cp.name_en or cp.name_th}, {agency.name_en or agency.name_th}"
        return f"{cp.name_th} {agency.name_th}"

    subject = _both(lambda: _("Complaint %(code)s received") % {"code": complaint.tracking_code})

    def body() -> str:
        lang = translation.get_language() or "th"
        if complaint.routing == Complaint.Routing.ROUTED:
            text = _("We received your complaint (code %(code)s) and sent it to %(unit)s.")
        else:
            text = _(
                "We received your complaint (code %(code)s). Officers of the 1111 centre will send it to "
                "the agency responsible (now with %(unit)s)."
            )
        text = text % {"code": complaint.tracking_code, "unit": unit(lang)}
        if case.state_deadline:
            text += " " + _("It is to be taken up by %(date)s.") % {
                "date": format_date(case.state_deadline, lang, long=True)
            }
        return f"{text} {_follow_hint(complaint)}"

    return subject, _both(body)


# --- Telling the complainant ---------------------------------------------------------------------------


def _explicit_contact(complaint: Complaint) -> tuple[str, str] | None:
    """The way back the complainant gave with this complaint: LINE, then SMS, then e-mail."""
    if complaint.line_user_id:
        return "line", complaint.line_user_id
    if complaint.contact_phone:
        return "sms", complaint.contact_phone
    if complaint.contact_email:
        return "email", complaint.contact_email
    return None


def notify_complainant(complaint: Complaint, subject: Text | str, body: Text | str) -> list:
    """Tell the complainant something through the channel they came from (LINE user → LINE, a phone →
    SMS, an e-mail), else through their account's channels. Call inside the change's transaction."""
    return send_many(complainant_messages(complaint, subject, body))


def complainant_messages(complaint: Complaint, subject: Text | str, body: Text | str) -> list[Message]:
    """`notify_complainant`'s messages, to queue with others' through `send_many`."""
    subject = subject if isinstance(subject, dict) else {"th": str(subject), "en": str(subject)}
    body = body if isinstance(body, dict) else {"th": str(body), "en": str(body)}
    contact = _explicit_contact(complaint)
    user = identity.user_of_person(complaint.complainant_id)
    if contact is not None:
        channel, address = contact
        return [
            Message(channel, address, subject, body, complaint.language, user, complaint, complaint.agency_id)
        ]
    if user is None:
        return []  # anonymous without a contact: they follow it by tracking code
    return user_messages(user, subject=subject, body=body, related=complaint, agency=complaint.agency_id)


def add_update(
    complaint: Complaint, kind: str, text: str, author: User | None, *, public: bool = True
) -> Update:
    """A reply, preliminary or final result (or a message from the complainant) on a complaint.
    Public updates from officers are sent to the complainant and shown on the status page."""
    if kind not in Update.Kind.values:
        raise ValueError(f"unknown update kind {kind!r}")
    text = (text or "").strip()
    if not text:
        raise PrachaError("update_text_required", fields={"text": "update_text_required"})
    if len(text) > UPDATE_MAX:
        raise PrachaError("too_long", fields={"text": "too_long"})
    with transaction.atomic():
        update = Update.objects.create(
            complaint=complaint, kind=kind, text=text, author=author, public=public, created_at=timezone.now()
        )
        record(
            "complaints.update_added",
            complaint,
            {"update": update.pk, "kind": kind, "public": public},
            actor=f"user:{author.pk}" if author is not None else None,
        )
        if public and kind != Update.Kind.COMPLAINANT:
            label = Update.Kind(kind).label
            subject = _both(
                lambda: _("Complaint %(code)s: %(kind)s") % {"code": complaint.tracking_code, "kind": label}
            )
            body = _both(lambda: f"{label}: {text}\n{_follow_hint(complaint)}")
            notify_complainant(complaint, subject=subject, body=body)
    return update


# --- Follow-up by the complainant -------------------------------------------------------------------------


def may_follow_up(complaint: Complaint, user: User | None) -> bool:
    """Who may confirm, rate or reopen: the complainant signed in to their account when they have one;
    otherwise (anonymous, or filed for someone without an account) whoever holds the tracking code,
    which only the complainant was given."""
    owner = identity.user_of_person(complaint.complainant_id)
    if owner is None:
        return True
    return user is not None and user.is_authenticated and user.pk == owner.pk


def _follow_up_case(complaint: Complaint, user: User | None) -> Case:
    if not may_follow_up(complaint, user):
        raise PrachaError("complaint_sign_in_required", status=403)
    if complaint.case_id is None or complaint.case.state != "resolved":
        raise PrachaError("complaint_not_resolved", status=409)
    return complaint.case


def _applicant_action(case: Case, action: str, user: User | None, reason: str) -> None:
    owner_signed_in = user is not None and user.is_authenticated and user.person_id == case.applicant_id
    if owner_signed_in:
        workflow.take_action(case, action, actor=user, reason=reason)
    else:
        workflow.take_action(case, action, actor=None, reason=reason, as_applicant=True)


def confirm_resolution(
    complaint: Complaint, *, rating: Any, comment: str = "", user: User | None = None
) -> Complaint:
    """The complainant accepts the result with a 1-5 rating (and a comment); the case closes."""
    try:
        stars = int(str(rating).strip())
    except (TypeError, ValueError):
        stars = 0
    comment = (comment or "").strip()
    fields = {}
    if not 1 <= stars <= 5:
        fields["rating"] = "rating_invalid"
    if len(comment) > UPDATE_MAX:
        fields["comment"] = "too_long"
    _raise(fields)
    with transaction.atomic():
        locked = _lock(complaint)
        case = _follow_up_case(locked, user)
        _applicant_action(case, "confirm", user, comment)
        locked.rating, locked.rating_comment = stars, comment
        locked.save(update_fields=["rating", "rating_comment"])
        record("complaints.rated", locked, {"rating": stars, "comment": bool(comment)})
    _copy(complaint, locked)
    return complaint


def reopen(complaint: Complaint, *, reason: str, user: User | None = None) -> Complaint:
    """The complainant says the problem is not solved: back to the agency, a limited number of times."""
    reason = (reason or "").strip()
    if not reason:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    if len(reason) > UPDATE_MAX:
        raise PrachaError("too_long", fields={"reason": "too_long"})
    with transaction.atomic():
        locked = _lock(complaint)
        case = _follow_up_case(locked, user)
        if locked.reopen_count >= max_reopens():
            raise PrachaError("reopen_limit", status=409, **limits())
        _applicant_action(case, "reopen", user, reason)
        locked.reopen_count += 1
        locked.save(update_fields=["reopen_count"])
        record("complaints.reopened", locked, {"count": locked.reopen_count})
    _copy(complaint, locked)
    return complaint


def _copy(target: Complaint, source: Complaint) -> None:
    for f in Complaint._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    if Complaint._meta.get_field("case").is_cached(target):
        Complaint._meta.get_field("case").delete_cached_value(target)


# --- What the public may see -------------------------------------------------------------------------

PUBLIC_STATE_NAMES = {
    "pending": gettext_lazy("Received, being routed"),
}
# Case events the complainant is shown; the rest (alerts, assignment) is the agency's own business.
_HIDDEN_EVENTS = frozenset({"alert", "escalate", "assign"})
_EVENT_TEXTS = {
    "received": gettext_lazy("Complaint received"),
    "start_triage": gettext_lazy("Sent to the 1111 centre to find the agency responsible"),
    "start": gettext_lazy("Forwarded to %(unit)s"),
    "forward": gettext_lazy("Forwarded to %(unit)s"),
    "transfer": gettext_lazy("Forwarded to %(unit)s"),
    "accept": gettext_lazy("Accepted by %(unit)s"),
    "breach": gettext_lazy("The time limit of this step passed"),
}
# Officers' notes the complainant is meant to read (a question, a result, why it was turned down).
_PUBLIC_REASONS = frozenset(
    {"ask_complainant", "resolve", "reject", "reopen", "merge", "close_no_response", "confirm"}
)


def _names(obj: Any) -> dict[str, str] | None:
    if obj is None:
        return None
    return {"code": obj.code, "name_th": obj.name_th, "name_en": obj.name_en or obj.name_th}


def _unit_text(cp: ContactPoint | None, lang: str) -> str:
    if cp is None:
        return ""
    if lang == "en":
        return f"{cp.name_en or cp.name_th}, {cp.agency.name_en or cp.agency.name_th}"
    return f"{cp.name_th} {cp.agency.name_th}"


def _event_text(key: str, unit: ContactPoint | None, label: Any = None) -> dict[str, str]:
    def render() -> str:
        lang = translation.get_language() or "th"
        if key in _EVENT_TEXTS:
            return str(_EVENT_TEXTS[key]) % {"unit": _unit_text(unit, lang)}
        return str(label)

    return _both(render)


def _timeline(complaint: Complaint, case: Case | None) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {
            "at": complaint.received_at,
            "kind": "received",
            "label": _both(lambda: _EVENT_TEXTS["received"]),
            "channel": complaint.channel,
            "text": "",
        }
    ]
    updates = list(complaint.updates.filter(public=True).exclude(kind=Update.Kind.COMPLAINANT))
    said = {u.text for u in updates}
    if case is not None:
        events = list(workflow.events_of(case))
        codes = {e.data.get(k) for e in events for k in ("contact_point", "to") if isinstance(e.data, dict)}
        units = {
            cp.code: cp
            for cp in ContactPoint.objects.select_related("agency").filter(code__in=[c for c in codes if c])
        }
        holder: ContactPoint | None = None
        for i, event in enumerate(events):
            data = event.data or {}
            following = events[i + 1] if i + 1 < len(events) else None
            if event.action == "forward" and following is not None and following.action == "transfer":
                continue  # the 1111 centre forwards and hands over at once: one step, named by the handover
            if event.action == "start":
                holder = units.get(data.get("contact_point", ""))
                key = "start_triage" if event.to_state == "triage" else "start"
            elif event.action == "transfer":
                holder = units.get(data.get("to", ""), holder)
                key = "transfer"
            else:
                key = event.action
            if key in _HIDDEN_EVENTS:
                continue
            items.append(
                {
                    "at": event.at,
                    "kind": event.action,
                    "label": _event_text(key, holder, workflow.event_label(case, event)),
                    "state": event.to_state,
                    # A result also given as an update is said once, as the update.
                    "text": event.reason
                    if event.action in _PUBLIC_REASONS and event.reason not in said
                    else "",
                }
            )
    for update in updates:
        label = Update.Kind(update.kind).label
        items.append(
            {
                "at": update.created_at,
                "kind": update.kind,
                "label": _both(lambda label=label: label),
                "text": update.text,
            }
        )
    items.sort(key=lambda item: item["at"])
    return items


def _state_name(complaint: Complaint, case: Case | None) -> dict[str, str]:
    if case is None:
        return _both(lambda: PUBLIC_STATE_NAMES["pending"])
    name = case.definition.states[case.state].name
    return {"th": name.get("th", ""), "en": name.get("en") or name.get("th", "")}


def public_status(tracking_code: str) -> dict[str, Any]:
    """What anyone holding the tracking code may know: state, timeline of public events, the agency,
    the deadline and the results. No personal data: no text, no names, no contact details."""
    complaint = find_by_tracking_code(tracking_code)
    case = (
        Case.objects.select_related("process_version", "agency", "contact_point").get(pk=complaint.case_id)
        if complaint.case_id
        else None
    )
    reason = complaint.routing_reason or {}
    category = reason.get("category")
    sub = complaint.subdistrict
    results = [
        {"at": u.created_at, "kind": u.kind, "text": u.text}
        for u in complaint.updates.filter(public=True, kind__in=[Update.Kind.PRELIMINARY, Update.Kind.FINAL])
    ]
    last_event = (
        CaseEvent.objects.filter(case_id=complaint.case_id).order_by("-at").values_list("at", flat=True)
    )
    updated = max([d for d in (complaint.created_at, last_event.first() if case else None) if d])
    return {
        "tracking_code": complaint.tracking_code,
        "reference": case.reference if case else None,
        "channel": complaint.channel,
        "received_at": complaint.received_at,
        "updated_at": updated,
        "state": case.state if case else "pending",
        "state_name": _state_name(complaint, case),
        "open": case is None or case.closed_at is None,
        "closed_at": case.closed_at if case else None,
        "routing": complaint.routing,
        "category": (
            {
                "code": category,
                "label_th": routing.category_label(category, "th"),
                "label_en": routing.category_label(category, "en"),
            }
            if category
            else None
        ),
        "agency": _names(case.agency if case else None),
        "contact_point": _names(case.contact_point if case else None),
        "place": (
            {
                "subdistrict": sub.code,
                "name_th": f"{sub.name_th} {sub.district.name_th} {sub.district.province.name_th}",
                "name_en": f"{sub.name_en}, {sub.district.name_en}, {sub.district.province.name_en}",
            }
            if sub
            else None
        ),
        "latitude": float(complaint.latitude) if complaint.latitude is not None else None,
        "longitude": float(complaint.longitude) if complaint.longitude is not None else None,
        "deadline": case.state_deadline if case and case.closed_at is None else None,
        "case_deadline": case.case_deadline if case and case.closed_at is None else None,
        "timeline": _timeline(complaint, case),
        "results": results,
        "rating": complaint.rating,
        "awaiting_confirmation": bool(case and case.state == "resolved"),
        "reopen_count": complaint.reopen_count,
        "reopens_left": max(max_reopens() - complaint.reopen_count, 0),
    }
