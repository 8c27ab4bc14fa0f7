"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the complaint system, so that
existing Open311 applications can list our categories, file complaints and follow them.

    GET  services.{fmt}              the complaint categories as services
    GET  services/{code}.{fmt}       service definition (none of ours has attributes: 404)
    POST requests.{fmt}              file a complaint (api_key required, as the spec says)
    GET  requests.{fmt}              the public feed: filters, 90-day window, at most 1000
    GET  requests/{id}.{fmt}         one request
    GET  discovery.{fmt}             the Open311 service discovery document

{fmt} is xml or json. Every error answers in the spec's format ([{"code", "description"}] or
<errors><error>…) with 400 (bad request), 403 (api_key), 404 (unknown resource). The feed never
carries personal data: no description, no contact, nothing of complaints in confidential categories.
service_request_id is the complaint's public number, not its tracking code: the tracking code lets
an anonymous complainant confirm, rate and reopen (services.may_follow_up), so only the filer gets it,
in the POST answer's service_notice. See docs/decisions/0700-open311-georeport.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from pracha.audit.chain import record
from pracha.core.calendar import BANGKOK
from pracha.core.errors import PrachaError, render_message
from pracha.core.throttling import WindowThrottle

from . import services
from .models import Channel, Complaint, Open311Key

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+07:00"  # when this endpoint's behaviour last changed (discovery)
FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
WINDOW = dt.timedelta(days=90)  # the spec's default and largest date range
MAX_RESULTS = 1000
DESCRIPTION_LIMIT = 4000  # the spec's limit of a request's description
KEY_BYTES = 32

# Complaints of these categories are never in the public feed, not even as a point on a map: a tip-off
# about crime or corruption must not show where the complainant looked, and a worker abroad's claim is
# about one person.
CONFIDENTIAL_CATEGORIES = frozenset({"crime", "corruption", "labour_abroad"})

# The spec's parameter for each field of file_complaint, so errors name what the client sent.
_PARAM_OF_FIELD = {
    "text": "description",
    "latitude": "lat",
    "longitude": "long",
    "place_text": "address_string",
    "subdistrict_code": "address_string",
    "contact_name": "first_name",
    "contact_phone": "phone",
    "contact_email": "email",
    "photos": "media_url",
}
# Element names of list items in XML (the spec's "Spark convention" mapping of JSON arrays).
_ITEM_OF = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


# --- The categories as services ----------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    code: str
    names: dict[str, str]
    descriptions: dict[str, str]
    group: str
    keywords: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("th") or self.code

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions.get("th") or ""


def _text(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items() if v}
    return {"th": str(value)} if value else {}


def catalogue() -> dict[str, Service]:
    """The services, one per complaint category, in the classifier's order. The vocabulary is the
    classifier's (pracha.complaints.classifier.CATEGORIES); until it is installed, the categories
    named in the routing rules stand in (names are then the codes)."""
    try:
        from .classifier import CATEGORIES
    except ImportError:
        from .routing import load_rules

        codes = dict.fromkeys(c for rule in load_rules().rules for c in sorted(rule.categories))
        return {code: Service(code, {}, {}, "", ()) for code in codes}
    found = {}
    for code, entry in CATEGORIES.items():
        info = entry if isinstance(entry, dict) else {"th": entry}
        names = {lang: str(info[lang]) for lang in ("th", "en") if info.get(lang)}
        keywords = info.get("keywords") or ()
        if isinstance(keywords, str):
            keywords = tuple(k.strip() for k in keywords.split(",") if k.strip())
        found[code] = Service(
            code, names, _text(info.get("description")), str(info.get("group") or ""), tuple(keywords)
        )
    return found


def _language() -> str:
    lang = (translation.get_language() or "th")[:2]
    return lang if lang in ("th", "en") else "th"


def service_record(service: Service, lang: str) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name(lang),
        "description": service.description(lang),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(service.keywords),
        "group": service.group,
    }


# --- Rendering: XML and JSON as the spec shows them ---------------------------------------------------


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _xml_value(element, _ITEM_OF.get(name, "item"), item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(fmt: str, data: Any, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    """`data` is a list of records (each an <item> under <root>) or, with item None, one record."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, default=str)
    else:
        top = ET.Element(root)
        for record_ in data if item else [data]:
            parent = ET.SubElement(top, item) if item else top
            for key, value in record_.items():
                _xml_value(parent, key, value)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode")
    return HttpResponse(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions


def error_response(fmt: str, status: int, descriptions: Iterable[str]) -> HttpResponse:
    errors = [{"code": status, "description": str(d)} for d in descriptions]
    # An unknown format still gets an error it can read: JSON is the lingua franca.
    return render(fmt if fmt in FORMATS else "json", errors, "errors", "error", status=status)


def _from_pracha(exc: PrachaError) -> Open311Error:
    """A PrachaError of intake as Open311 errors: one per field, named as the client named it."""
    status = exc.status if exc.status in (403, 404) else 400
    if not exc.fields:
        return Open311Error(status, render_message(exc.code, **exc.params))
    return Open311Error(
        status,
        *(
            f"{_PARAM_OF_FIELD.get(field, field)}: {render_message(code, **exc.params)}"
            for field, code in exc.fields.items()
        ),
    )


class Open311Throttle(WindowThrottle):
    """The API's rate limit per client address, applied to Open311 calls too (read at each request)."""

    scope = "open311"

    def rate(self, request: HttpRequest) -> str:
        return f"{settings.PRACHA_RATE_LIMIT_PER_MINUTE}/m"


_open311_throttle = Open311Throttle()


def endpoint(*methods: str):
    """An Open311 view: checks the format and the method, applies the rate limit, and turns
    Open311Error and PrachaError into the spec's error answer. Never a 500 for bad input."""

    def wrap(view):
        @csrf_exempt
        def run(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return error_response(fmt, 404, [_("Formats are xml and json, e.g. services.xml.")])
            if request.method not in methods:
                answer = error_response(fmt, 405, [_("This method is not allowed here.")])
                answer["Allow"] = ", ".join(methods)
                return answer
            if not _open311_throttle.allow_request(request):
                return error_response(fmt, 429, [render_message("rate_limited")])
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc.status, exc.descriptions)
            except PrachaError as exc:
                converted = _from_pracha(exc)
                return error_response(fmt, converted.status, converted.descriptions)

        return run

    return wrap


# --- API keys ----------------------------------------------------------------------------------------


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_key(name: str, agency=None) -> tuple[Open311Key, str]:
    """A new api_key for an application; the key is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise PrachaError("validation_error", fields={"name": "validation_error"})
    key = secrets.token_urlsafe(KEY_BYTES)
    while key.startswith("-"):  # a prefix "-…" would read as an option to `open311-key revoke`
        key = secrets.token_urlsafe(KEY_BYTES)
    with transaction.atomic():
        client = Open311Key.objects.create(
            name=name[:200], agency=agency, prefix=key[:8], key_hash=_hash(key)
        )
        record(
            "complaints.open311_key_issued",
            client,
            {"name": client.name, "prefix": client.prefix, "agency": agency.code if agency else None},
        )
    return client, key


def revoke_key(client: Open311Key) -> Open311Key:
    with transaction.atomic():
        client = Open311Key.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is None:
            client.revoked_at = timezone.now()
            client.save(update_fields=["revoked_at"])
            record("complaints.open311_key_revoked", client, {"name": client.name, "prefix": client.prefix})
    return client


def client_of(api_key: str) -> Open311Key:
    """The application an api_key belongs to; 403 in the spec's words when it is missing or not valid."""
    api_key = (api_key or "").strip()
    if not api_key:
        raise Open311Error(403, _("api_key is missing: ask the platform for a key for your application."))
    client = Open311Key.objects.filter(key_hash=_hash(api_key), revoked_at__isnull=True).first()
    if client is None:
        raise Open311Error(403, _("Invalid api_key received: the request was not accepted."))
    return client


# --- Service requests as Open311 sees them ----------------------------------------------------------


def w3(moment: dt.datetime | None) -> str | None:
    """2026-11-24T09:30:00+07:00: the spec's W3C date-time, in Thai time with its offset."""
    return moment.astimezone(BANGKOK).isoformat(timespec="seconds") if moment else None


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def service_code_of(complaint: Complaint) -> str:
    """The complaint's category as it stands (classified or corrected), else the one it was filed under."""
    if complaint.categories:
        return str(complaint.categories[0][0])
    return complaint.requested_category


def is_confidential(complaint: Complaint) -> bool:
    codes = {str(c[0]) for c in complaint.categories or ()} | {complaint.requested_category}
    return bool(codes & CONFIDENTIAL_CATEGORIES)


def _address(complaint: Complaint) -> tuple[str | None, str | None]:
    """(address, zipcode): the place as the complainant described it, else the subdistrict's names."""
    sub = complaint.subdistrict
    zipcodes = sub.postal_codes.split() if sub else []
    zipcode = zipcodes[0] if len(zipcodes) == 1 else None
    if complaint.place_text:
        return complaint.place_text, zipcode
    if sub is None:
        return None, None
    return ", ".join([sub.name, sub.district.name, sub.district.province.name]), zipcode


def request_record(complaint: Complaint, names: dict[str, Service], lang: str) -> dict[str, Any]:
    """One <request>: the spec's fields in the spec's order. Deliberately empty: description (free
    text names people), address_id (we have no address register)."""
    case = complaint.case
    closed = case is not None and case.closed_at is not None
    if case is not None:
        status_notes = str(case.state_name)
        updated = case.closed_at or max(case.state_entered_at, complaint.created_at)
    else:
        status_notes = _("Received; being sent to the agency responsible.")
        updated = complaint.created_at
    code = service_code_of(complaint)
    service = names.get(code)
    hidden = is_confidential(complaint)
    address, zipcode = (None, None) if hidden else _address(complaint)
    return {
        "service_request_id": str(complaint.pk),
        "status": "closed" if closed else "open",
        "status_notes": status_notes,
        "service_name": service.name(lang) if service else (code or None),
        "service_code": code or None,
        "description": None,
        "agency_responsible": complaint.agency.name if complaint.agency else None,
        "service_notice": None,
        "requested_datetime": w3(complaint.received_at),
        "updated_datetime": w3(updated),
        "expected_datetime": None if closed or case is None else w3(case.case_deadline),
        "address": address,
        "address_id": None,
        "zipcode": zipcode,
        "lat": None if hidden else _number(complaint.latitude),
        "long": None if hidden else _number(complaint.longitude),
        "media_url": None if hidden else (complaint.media_url or None),
    }


def _complaints():
    return Complaint.objects.select_related(
        "case__process_version", "agency", "subdistrict__district__province"
    ).order_by("-received_at", "-id")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_moment(name: str, value: str) -> dt.datetime:
    """A W3C date-time (2026-01-01T00:00:00Z, or with an offset); a bare date is midnight Thai time."""
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = dt.datetime.combine(day, dt.time(), tzinfo=BANGKOK)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400, _("%(name)s must be a date-time such as 2026-01-31T00:00:00Z.") % {"name": name}
        )
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=BANGKOK)


def window(start: str | None, end: str | None, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The spec's date range: the most recent 90 days by default, never more than 90 days."""
    start_at = parse_moment("start_date", start) if start else None
    end_at = parse_moment("end_date", end) if end else None
    if start_at and end_at:
        if end_at < start_at:
            raise Open311Error(400, _("end_date is before start_date."))
        if end_at - start_at > WINDOW:
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
        return start_at, end_at
    if start_at:
        return start_at, start_at + WINDOW
    end_at = end_at or now
    return end_at - WINDOW, end_at


def find_requests(params: dict[str, str], names: dict[str, Service], now: dt.datetime) -> list[Complaint]:
    """GET requests: by ids (which overrides every other filter), else by codes, dates and status."""
    ids = _split(params.get("service_request_id"))
    if ids:
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, _("Ask for at most 1000 service_request_id at once."))
        numbers = [int(i) for i in dict.fromkeys(ids) if _is_id(i)]
        found = {c.pk: c for c in _complaints().filter(pk__in=numbers)}
        return [found[n] for n in numbers if n in found]
    query = _complaints()
    codes = _split(params.get("service_code"))
    if codes:
        unknown = [c for c in codes if c not in names]
        if unknown:
            raise Open311Error(404, *(_unknown_service(c) for c in unknown))
        query = query.filter(
            Q(categories__0__0__in=codes) | (Q(categories=[]) & Q(requested_category__in=codes))
        )
    statuses = set(_split(params.get("status")))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status is open, closed or both (open,closed)."))
    if statuses == {"open"}:
        query = query.filter(Q(case__isnull=True) | Q(case__closed_at__isnull=True))
    elif statuses == {"closed"}:
        query = query.filter(case__closed_at__isnull=False)
    start_at, end_at = window(params.get("start_date"), params.get("end_date"), now)
    query = query.filter(received_at__gte=start_at, received_at__lte=end_at)
    # Confidential complaints stay out of the feed; asked for by id, they answer without a place.
    # (A JSON path that is absent is NULL in SQL: "has a first category" keeps NOT(...) true for those.)
    secret = list(CONFIDENTIAL_CATEGORIES)
    query = query.exclude(requested_category__in=secret).exclude(
        Q(categories__0__0__isnull=False) & Q(categories__0__0__in=secret)
    )
    return list(query[:MAX_RESULTS])


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 18


def _unknown_service(code: str) -> str:
    return _("There is no service with service_code “%(code)s”. The list is at services.xml.") % {
        "code": code
    }


# --- Views -------------------------------------------------------------------------------------------


@endpoint("GET")
def services_view(request: HttpRequest, fmt: str) -> HttpResponse:
    lang = _language()
    return render(fmt, [service_record(s, lang) for s in catalogue().values()], "services", "service")


@endpoint("GET")
def service_definition_view(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if code not in catalogue():
        raise Open311Error(404, _unknown_service(code))
    # Every service has metadata=false: there are no attributes to define, as the spec allows.
    raise Open311Error(
        404,
        _("Service “%(code)s” has no attributes (metadata is false): no definition is needed.")
        % {"code": code},
    )


@endpoint("GET", "POST")
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    names = catalogue()
    lang = _language()
    found = find_requests(request.GET.dict(), names, timezone.now())
    return render(fmt, [request_record(c, names, lang) for c in found], "service_requests", "request")


@endpoint("GET")
def request_view(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    complaint = _complaints().filter(pk=int(request_id)).first() if _is_id(request_id) else None
    if complaint is None:
        raise Open311Error(404, _("There is no service request “%(id)s”.") % {"id": request_id})
    record_ = request_record(complaint, catalogue(), _language())
    return render(fmt, [record_], "service_requests", "request")


@endpoint("GET")
def discovery_view(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("complaints:open311-services", kwargs={"fmt": "xml"}))
    document = {
        "changeset": CHANGESET,
        "contact": _("Public Service Center 1111, Office of the Prime Minister: call 1111."),
        "key_service": _("Applications get an api_key from the platform's administrators."),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base.rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, document, "discovery")


def _coordinate(name: str, value: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        raise Open311Error(400, _("%(name)s must be a number of degrees (WGS84).") % {"name": name})
    return number.quantize(Decimal("0.000001"))


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST requests: file the complaint through intake (which validates, stores and routes it)."""
    params = {k: v.strip() for k, v in request.POST.items()}
    client = client_of(params.get("api_key", ""))
    problems = []
    code = params.get("service_code", "")
    if not code:
        problems.append(_("service_code is required: pick one from services.xml."))
    elif code not in catalogue():
        raise Open311Error(404, _unknown_service(code))
    lat, lon = params.get("lat", ""), params.get("long", "")
    address = params.get("address_string", "")
    if bool(lat) != bool(lon):
        problems.append(_("Send lat and long together."))
    elif not (lat or address):
        if params.get("address_id"):
            problems.append(_("address_id is not supported here: send lat and long, or address_string."))
        else:
            problems.append(_("A location is required: lat and long, or address_string."))
    description = params.get("description", "")
    if len(description) > DESCRIPTION_LIMIT:
        problems.append(_("description is limited to 4,000 characters."))
    media_url = params.get("media_url", "")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(_("media_url must be an http or https address."))
        if len(media_url) > Complaint._meta.get_field("media_url").max_length:
            problems.append(_("media_url is too long."))
    latitude = longitude = None
    if lat and lon:
        try:
            latitude, longitude = _coordinate("lat", lat, -90, 90), _coordinate("long", lon, -180, 180)
        except Open311Error as exc:
            problems.extend(exc.descriptions)
    if problems:
        raise Open311Error(400, *problems)
    name = " ".join(p for p in (params.get("first_name", ""), params.get("last_name", "")) if p)
    email, phone = params.get("email", ""), params.get("phone", "")
    with transaction.atomic():
        complaint = services.file_complaint(
            channel=Channel.OPEN311,
            text=description,
            anonymous=not (name or email or phone),
            contact_name=name[:200],
            contact_phone=phone,
            contact_email=email,
            language=_language(),
            latitude=latitude,
            longitude=longitude,
            place_text=address[:300],
        )
        Complaint.objects.filter(pk=complaint.pk).update(requested_category=code, media_url=media_url)
        Open311Key.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        record(
            "complaints.open311_request",
            complaint,
            {"client": client.name, "key": client.prefix, "service_code": code, "media_url": media_url},
        )
    # The tracking code goes to the filer only: with it they follow, confirm and reopen the complaint.
    notice = _(
        "Complaint received; it goes to the agency responsible. Your tracking code is %(code)s: keep it "
        "to follow the complaint and to confirm or reopen it."
    ) % {"code": complaint.tracking_code}
    answer = {
        "service_request_id": str(complaint.pk),
        "service_notice": notice,
        "account_id": params.get("account_id") or None,
    }
    return render(fmt, [answer], "service_requests", "request")
