"""Open311 GeoReport v2 against the spec (http://wiki.open311.org/GeoReport_v2): services, service
definitions, filing and reading requests in JSON and XML, the error format and its HTTP codes."""

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from pracha.audit.models import AuditRecord
from pracha.complaints import open311, services
from pracha.complaints.models import Complaint, Open311Key
from pracha.core.models import Job
from pracha.core.queue import claim, run_job
from pracha.workflow import services as workflow

pytestmark = pytest.mark.django_db
BASE = "/complaints/open311/v2"
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
TEXT = "ฝาท่อระบายน้ำหน้าตลาดหายไป รถจักรยานยนต์ตกหลุมหลายคันแล้ว"
PERSONAL = {"first_name": "สมศรี", "last_name": "ใจดีมาก", "email": "somsri@example.org", "phone": "0812345678"}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()  # the Open311 rate limit counts per address in the cache


@pytest.fixture
def api_key() -> str:
    return open311.issue_key("Citizen reporting app")[1]


@pytest.fixture
def code() -> str:
    return next(iter(open311.catalogue()))


def parse(response, root: str) -> ET.Element:
    """The body as the spec's XML: declared UTF-8, well-formed, the expected root, no namespace."""
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    tree = ET.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    assert tree.tag == root
    return tree


def as_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def errors_of(response, fmt: str) -> list[tuple[int, str]]:
    """The spec's error list from either format, checking its shape on the way."""
    if fmt == "json":
        items = as_json(response)
        assert all(set(e) == {"code", "description"} for e in items)
        return [(e["code"], e["description"]) for e in items]
    tree = parse(response, "errors")
    assert all(e.tag == "error" and [c.tag for c in e] == ["code", "description"] for e in tree)
    return [(int(e.findtext("code")), e.findtext("description")) for e in tree]


def post(client, fmt: str = "json", **params):
    return client.post(f"{BASE}/requests.{fmt}", params)


def valid(api_key: str, code: str, **extra) -> dict:
    return {
        "api_key": api_key,
        "service_code": code,
        "lat": "13.746",
        "long": "100.5347",
        "description": TEXT,
    } | extra


def file(received_at=None, **extra) -> Complaint:
    values = {"channel": "web", "text": TEXT, "anonymous": True, "latitude": "13.7", "longitude": "100.5"}
    return services.file_complaint(**(values | extra), received_at=received_at)


# --- Services ------------------------------------------------------------------------------------------


def test_service_list_json_has_every_category_with_the_spec_fields(client, code):
    services_ = as_json(client.get(f"{BASE}/services.json"))
    catalogue = open311.catalogue()
    assert [s["service_code"] for s in services_] == list(catalogue)
    for item in services_:
        assert list(item) == SERVICE_FIELDS
        assert (item["metadata"], item["type"]) == (False, "realtime")
        assert item["service_name"] == catalogue[item["service_code"]].name("th")


def test_service_list_xml_and_english_names(client, code):
    tree = parse(client.get(f"{BASE}/services.xml", HTTP_ACCEPT_LANGUAGE="en"), "services")
    catalogue = open311.catalogue()
    assert [s.tag for s in tree] == ["service"] * len(catalogue)
    first = tree[0]
    assert [child.tag for child in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "false" and first.findtext("type") == "realtime"
    assert first.findtext("service_name") == catalogue[first.findtext("service_code")].name("en")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_is_404_for_metadata_false_and_for_unknown_codes(client, code, fmt):
    known = client.get(f"{BASE}/services/{code}.{fmt}")
    assert known.status_code == 404
    [(status, text)] = errors_of(known, fmt)
    assert status == 404 and code in text
    unknown = client.get(f"{BASE}/services/no_such_service.{fmt}")
    assert unknown.status_code == 404
    assert "no_such_service" in errors_of(unknown, fmt)[0][1]


def test_unknown_format_and_wrong_method_answer_in_the_error_format(client):
    answer = client.get(f"{BASE}/services.csv")
    assert answer.status_code == 404 and errors_of(answer, "json")[0][0] == 404
    answer = client.delete(f"{BASE}/requests.xml")
    assert answer.status_code == 405 and answer["Allow"] == "GET, POST"
    assert errors_of(answer, "xml")[0][0] == 405


def test_discovery_names_the_endpoint_and_formats(client):
    document = as_json(client.get(f"{BASE}/discovery.json"))
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == open311.SPEC_URL
    assert endpoint["url"] == f"http://testserver{BASE}"
    tree = parse(client.get(f"{BASE}/discovery.xml"), "discovery")
    assert [f.text for f in tree.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


# --- Filing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_files_the_complaint_enqueues_routing_and_answers_the_id(client, api_key, code, fmt):
    answer = post(client, fmt, **valid(api_key, code, media_url="https://img.example.org/1.jpg", **PERSONAL))
    assert answer.status_code == 200
    if fmt == "json":
        [body] = as_json(answer)
    else:
        [request] = parse(answer, "service_requests")
        assert request.tag == "request"
        assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
        body = {c.tag: c.text for c in request}
    complaint = Complaint.objects.get()
    assert body["service_request_id"] == str(complaint.pk)
    assert complaint.tracking_code in body["service_notice"]  # the filer's key to follow it up
    assert (complaint.channel, complaint.requested_category) == ("open311", code)
    assert complaint.media_url == "https://img.example.org/1.jpg"
    assert (complaint.contact_name, complaint.contact_phone) == ("สมศรี ใจดีมาก", "0812345678")
    assert complaint.contact_email == "somsri@example.org" and not complaint.anonymous
    assert (complaint.latitude, complaint.longitude) == (Decimal("13.746000"), Decimal("100.534700"))
    [job] = Job.objects.filter(kind="complaints.route")
    assert job.payload["complaint_id"] == complaint.pk and job.payload["filed"]["channel"] == "open311"
    audit = AuditRecord.objects.get(action="complaints.open311_request")
    assert json.loads(audit.data)["client"] == "Citizen reporting app"
    assert Open311Key.objects.get().last_used_at is not None


def test_post_echoes_account_id_and_takes_an_address_instead_of_coordinates(client, api_key, code):
    params = valid(api_key, code, account_id="acc-77", address_string="ซอยสุขุมวิท 11 เขตวัฒนา")
    del params["lat"], params["long"]
    [body] = as_json(post(client, **params))
    assert body["account_id"] == "acc-77"
    complaint = Complaint.objects.get()
    assert complaint.place_text == "ซอยสุขุมวิท 11 เขตวัฒนา" and complaint.latitude is None
    assert complaint.anonymous


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "not-a-key"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "no_such_service"}, 404, "no_such_service"),
        ({"lat": "", "long": ""}, 400, "address_string"),
        ({"long": ""}, 400, "long"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "", "long": "", "address_id": "545483"}, 400, "address_id"),
        ({"description": ""}, 400, "description"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"lat": "48.85", "long": "2.35"}, 400, "lat"),  # Paris: intake keeps complaints to Thailand
        ({"phone": "12"}, 400, "phone"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_posts_get_the_spec_error_and_store_nothing(client, api_key, code, change, status, says, fmt):
    answer = post(client, fmt, **(valid(api_key, code) | change))
    assert answer.status_code == status
    found = errors_of(answer, fmt)
    assert found and all(c == status for c, _ in found)
    assert any(says in text for _, text in found), found
    assert not Complaint.objects.exists() and not Job.objects.exists()


def test_a_revoked_key_is_refused(client, code):
    client_key, key = open311.issue_key("Old app")
    open311.revoke_key(client_key)
    assert post(client, **valid(key, code)).status_code == 403
    actions = list(AuditRecord.objects.values_list("action", flat=True))
    assert actions == ["complaints.open311_key_issued", "complaints.open311_key_revoked"]


def test_keys_are_issued_listed_and_revoked_by_command(client, code):
    out = io.StringIO()
    call_command("open311_key", "add", "Traffy Fondue", stdout=out)
    key = out.getvalue().split(": ", 1)[1].split()[0]
    assert Open311Key.objects.get().key_hash != key  # only the hash is kept
    assert post(client, **valid(key, code)).status_code == 200
    out = io.StringIO()
    call_command("open311_key", "list", stdout=out)
    assert key[:8] in out.getvalue() and "Traffy Fondue" in out.getvalue() and key not in out.getvalue()
    call_command("open311_key", "revoke", key[:8], stdout=io.StringIO())
    assert post(client, **valid(key, code)).status_code == 403


def test_no_key_starts_with_a_dash_which_the_revoke_command_would_read_as_an_option(monkeypatch):
    drawn = iter(["-dash-first-key", "plain-second-key"])
    monkeypatch.setattr(open311.secrets, "token_urlsafe", lambda n: next(drawn))
    _client, key = open311.issue_key("Citizen reporting app")
    assert key == "plain-second-key"


# --- Reading --------------------------------------------------------------------------------------------


def test_a_filed_request_reads_back_and_follows_routing_and_closing(
    client, api_key, code, make_officer, places
):
    [body] = as_json(post(client, **valid(api_key, code, **PERSONAL)))
    rid = body["service_request_id"]
    [before] = as_json(client.get(f"{BASE}/requests/{rid}.json"))
    assert list(before) == REQUEST_FIELDS
    complaint = Complaint.objects.get()
    assert before["status"] == "open" and before["service_code"] == code
    assert before["requested_datetime"] == complaint.received_at.astimezone(open311.BANGKOK).isoformat(
        timespec="seconds"
    )
    assert before["requested_datetime"].endswith("+07:00")
    assert before["agency_responsible"] is None and before["expected_datetime"] is None

    # The routing job (the worker's pass); whatever it decides, the request says so.
    assert [run_job(j) for j in claim(me="test")] == [True]
    complaint.refresh_from_db()
    [routed] = as_json(client.get(f"{BASE}/requests/{rid}.json"))
    assert routed["status"] == "open"
    assert routed["agency_responsible"] == complaint.agency.name_th
    assert routed["status_notes"] == complaint.case.definition.states[complaint.case.state].name["th"]
    assert routed["expected_datetime"] == open311.w3(complaint.case.case_deadline)

    officer = make_officer("triage-officer", complaint.agency, role="supervisor")
    workflow.take_action(complaint.case, "reject", actor=officer, reason="ไม่ใช่เรื่องร้องเรียน")
    complaint.refresh_from_db()
    [closed] = as_json(client.get(f"{BASE}/requests/{rid}.json", HTTP_ACCEPT_LANGUAGE="en"))
    assert closed["status"] == "closed" and closed["expected_datetime"] is None
    assert closed["updated_datetime"] == open311.w3(complaint.case.closed_at)
    assert closed["status_notes"] == complaint.case.definition.states["rejected"].name["en"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_carry_no_personal_data(client, api_key, code, fmt):
    [body] = as_json(post(client, **valid(api_key, code, **PERSONAL)))
    complaint = Complaint.objects.get()
    for path in (f"requests/{body['service_request_id']}", "requests"):
        text = client.get(f"{BASE}/{path}.{fmt}").content.decode("utf-8")
        assert str(complaint.pk) in text
        for secret in [*PERSONAL.values(), TEXT, complaint.tracking_code]:
            assert secret not in text


def test_single_request_in_xml_has_the_spec_elements(client, code):
    complaint = file()
    tree = parse(client.get(f"{BASE}/requests/{complaint.pk}.xml"), "service_requests")
    [request] = tree
    assert request.tag == "request" and [c.tag for c in request] == REQUEST_FIELDS
    assert request.findtext("service_request_id") == str(complaint.pk)
    assert float(request.findtext("lat")) == pytest.approx(13.7)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_404_and_a_tracking_code_is_not_an_id(client, fmt):
    complaint = file()
    for rid in ("999999", complaint.tracking_code):
        answer = client.get(f"{BASE}/requests/{rid}.{fmt}")
        assert answer.status_code == 404 and errors_of(answer, fmt)[0][0] == 404


def ids(response) -> list[str]:
    return [r["service_request_id"] for r in as_json(response)]


def test_request_list_filters(client, code, monkeypatch):
    now = timezone.now()
    old = file(received_at=now - dt.timedelta(days=100))
    recent = file(received_at=now - dt.timedelta(days=2))
    newest = file()
    other = list(open311.catalogue())[-1]
    Complaint.objects.filter(pk=recent.pk).update(requested_category=code)
    Complaint.objects.filter(pk=newest.pk).update(requested_category=other)

    # Default window: the last 90 days, newest first.
    assert ids(client.get(f"{BASE}/requests.json")) == [str(newest.pk), str(recent.pk)]
    # Ids override every other filter, in the order asked, unknown ones left out.
    asked = f"{old.pk},999999,{newest.pk}"
    assert ids(client.get(f"{BASE}/requests.json", {"service_request_id": asked, "status": "closed"})) == [
        str(old.pk),
        str(newest.pk),
    ]
    if other != code:
        assert ids(client.get(f"{BASE}/requests.json", {"service_code": code})) == [str(recent.pk)]
    window = {
        "start_date": (now - dt.timedelta(days=120)).isoformat(),
        "end_date": (now - dt.timedelta(days=50)).isoformat(),
    }
    assert ids(client.get(f"{BASE}/requests.json", window)) == [str(old.pk)]
    assert ids(client.get(f"{BASE}/requests.json", {"status": "open"})) == [str(newest.pk), str(recent.pk)]
    assert ids(client.get(f"{BASE}/requests.json", {"status": "closed"})) == []
    monkeypatch.setattr(open311, "MAX_RESULTS", 1)
    assert ids(client.get(f"{BASE}/requests.json")) == [str(newest.pk)]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),  # > 90 days
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, 400),
        ({"start_date": "yesterday"}, 400),
        ({"status": "pending"}, 400),
        ({"service_code": "no_such_service"}, 404),
    ],
)
def test_bad_request_list_queries(client, params, status):
    answer = client.get(f"{BASE}/requests.xml", params)
    assert answer.status_code == status
    assert errors_of(answer, "xml")[0][0] == status


def test_confidential_categories_stay_out_of_the_feed(client):
    shown, hidden = file(), file(place_text="ซอยเปลี่ยว หลังตลาด")
    secret = sorted(open311.CONFIDENTIAL_CATEGORIES)[0]
    Complaint.objects.filter(pk=hidden.pk).update(requested_category=secret)
    assert ids(client.get(f"{BASE}/requests.json")) == [str(shown.pk)]
    [alone] = as_json(client.get(f"{BASE}/requests/{hidden.pk}.json"))
    assert (alone["lat"], alone["long"], alone["address"], alone["media_url"]) == (None, None, None, None)


def test_rate_limit_answers_429_in_the_error_format(client, settings):
    settings.PRACHA_RATE_LIMIT_PER_MINUTE = 2
    assert [client.get(f"{BASE}/services.json").status_code for _ in range(2)] == [200, 200]
    answer = client.get(f"{BASE}/services.xml")
    assert answer.status_code == 429 and errors_of(answer, "xml")[0][0] == 429


def test_classified_category_wins_over_the_requested_one_in_codes_filters_and_privacy(client, code):
    other = list(open311.catalogue())[-1]
    classified, requested, secret = file(), file(), file()
    Complaint.objects.filter(pk=classified.pk).update(requested_category=other, categories=[[code, 0.91]])
    Complaint.objects.filter(pk=requested.pk).update(requested_category=code)
    hidden = sorted(open311.CONFIDENTIAL_CATEGORIES)[-1]
    Complaint.objects.filter(pk=secret.pk).update(categories=[[hidden, 0.8], [code, 0.1]])
    found = as_json(client.get(f"{BASE}/requests.json", {"service_code": code}))
    assert [r["service_request_id"] for r in found] == [str(requested.pk), str(classified.pk)]
    assert {r["service_code"] for r in found} == {code}
    assert str(secret.pk) not in ids(client.get(f"{BASE}/requests.json"))
