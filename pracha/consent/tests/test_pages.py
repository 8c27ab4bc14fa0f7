"""The "my data" page, its give/withdraw forms, the JSON download and the API, as a person sees them."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from pracha.consent import services
from pracha.consent.services import DataUse
from pracha.identity.models import Person

DOPA = "eservice.dopa.population_record"
SSO = "eservice.sso.insured_status"
PASSWORD = "correct-horse-battery"


class FakeHub:
    """A stand-in for the exchange app's source (another app's records): uses per person, newest first."""

    def __init__(self) -> None:
        self.uses: dict[int, list[DataUse]] = {}
        self.calls: list[tuple[int, int, int]] = []

    def add(self, person: Person, count: int, **extra) -> None:
        start = timezone.now() - dt.timedelta(days=count)
        made = [
            DataUse(
                at=start + dt.timedelta(days=i),
                consumer_agency=extra.get("agency", "กรมการค้าภายใน"),
                system="ระบบใบอนุญาตค้าข้าว",
                service="ทะเบียนราษฎร (population record)",
                purpose=extra.get("purpose", f"ตรวจสอบคำขอ #{i}"),
                fields=("first_name", "last_name", "address"),
                outcome=extra.get("outcome", "ok"),
                provider_agency="กรมการปกครอง",
                reference=f"TX-{person.pk}-{i}",
            )
            for i in range(count)
        ]
        self.uses[person.pk] = sorted(self.uses.get(person.pk, []) + made, key=lambda u: u.at, reverse=True)

    def __call__(self, person: Person, offset: int, limit: int) -> tuple[list[DataUse], int]:
        self.calls.append((person.pk, offset, limit))
        mine = self.uses.get(person.pk, [])
        return mine[offset : offset + limit], len(mine)


@pytest.fixture
def hub(monkeypatch):
    """The fake as the only source (the real exchange app registers its own in ready())."""
    monkeypatch.setattr(services, "_sources", [])
    fake = FakeHub()
    services.register_data_use_source(fake)
    return fake


@pytest.fixture
def signed_in(client, shipped, citizen):
    client.force_login(citizen)
    return client


URL = "/consent/my-data/"


def test_url_names():
    assert reverse("consent:my_data") == URL
    assert reverse("consent:give", args=[DOPA]) == f"{URL}{DOPA}/give/"


def test_sign_in_required(client, shipped):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(f"{URL}{DOPA}/give/", {"confirm": "yes"}).status_code == 302
    assert client.get(f"{URL}history.json").status_code == 302


def test_page_shows_consents_agreements_and_uses(signed_in, citizen, other, hub):
    services.give(citizen.person, DOPA, channel="eservice")
    hub.add(citizen.person, 3, purpose="ตรวจสอบที่อยู่ผู้ขอใบอนุญาต")
    hub.add(other.person, 2, purpose="เรื่องของคนอื่น", agency="หน่วยงานอื่นที่ไม่ควรเห็น")
    with translation.override("th"):
        response = signed_in.get(URL, HTTP_ACCEPT_LANGUAGE="th")
    html = response.content.decode()
    assert response.status_code == 200
    assert "ดึงข้อมูลทะเบียนราษฎรแทนการแนบสำเนาบัตรประชาชนและทะเบียนบ้าน" in html
    assert "ให้ความยินยอมแล้ว" in html  # the DOPA agreement's status
    assert "ตรวจสอบสถานะบุคคลและที่อยู่กับทะเบียนราษฎรเพื่อจ่ายสิทธิประโยชน์" in html  # public task, no consent
    assert "ตรวจสอบที่อยู่ผู้ขอใบอนุญาต" in html and f"TX-{citizen.person.pk}-2" in html
    assert "เรื่องของคนอื่น" not in html and "หน่วยงานอื่นที่ไม่ควรเห็น" not in html
    assert {c[0] for c in hub.calls} == {citizen.person.pk}
    # Buddhist-era dates.
    assert str(timezone.localtime().year + 543) in html


def test_uses_are_paged(signed_in, citizen, hub):
    hub.add(citizen.person, 23)
    first = signed_in.get(URL).content.decode()
    assert "ตรวจสอบคำขอ #22" in first and "ตรวจสอบคำขอ #12" not in first
    assert hub.calls[-1] == (citizen.person.pk, 0, 10)
    third = signed_in.get(URL, {"page": 3}).content.decode()
    assert "ตรวจสอบคำขอ #0" in third and "ตรวจสอบคำขอ #3" not in third
    assert hub.calls[-1] == (citizen.person.pk, 20, 10)
    past_end = signed_in.get(URL, {"page": 99}).content.decode()
    assert "ตรวจสอบคำขอ #0" in past_end
    assert signed_in.get(URL, {"page": "x"}).status_code == 200


def test_several_sources_merge_into_exact_pages(citizen, hub):
    second = FakeHub()
    services.register_data_use_source(second)
    services.register_data_use_source(second)  # a second ready() changes nothing
    hub.add(citizen.person, 7)
    second.add(citizen.person, 6, agency="กรมการจัดหางาน")
    everything, total = services.data_uses(citizen.person, 0, 100)
    assert total == 13 and [u.at for u in everything] == sorted((u.at for u in everything), reverse=True)
    for offset in (0, 4, 8, 12):
        page, count = services.data_uses(citizen.person, offset, 4)
        assert count == 13 and page == everything[offset : offset + 4]


def test_empty_states(signed_in, hub):
    html = signed_in.get(URL).content.decode()
    assert 'data-testid="uses-empty"' in html


def test_give_and_withdraw_need_confirmation(signed_in, citizen):
    person = citizen.person
    refused = signed_in.post(f"{URL}{DOPA}/give/", {})
    assert refused.status_code == 400 and "ติ๊กช่อง" in refused.content.decode()
    assert not services.has_consent(person, DOPA)
    done = signed_in.post(f"{URL}{DOPA}/give/", {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == f"{URL}#consent-{DOPA}"
    assert services.has_consent(person, DOPA)
    assert signed_in.post(f"{URL}{DOPA}/withdraw/", {"reason": "ไม่ใช้แล้ว"}).status_code == 400
    assert services.has_consent(person, DOPA)
    done = signed_in.post(f"{URL}{DOPA}/withdraw/", {"confirm": "yes", "reason": "ไม่ใช้แล้ว"})
    assert done.status_code == 302 and not services.has_consent(person, DOPA)
    record = services.history(person)[0]
    assert record.channel == "web" and record.reason == "ไม่ใช้แล้ว" and record.actor == f"user:{citizen.pk}"
    again = signed_in.post(f"{URL}{DOPA}/withdraw/", {"confirm": "yes"})
    assert again.status_code == 400 and "ไม่มีอะไรให้ถอน" in again.content.decode()
    assert signed_in.post(f"{URL}no.such/give/", {"confirm": "yes"}).status_code == 404
    assert signed_in.post(f"{URL}registry.dopa.status_check/give/", {"confirm": "yes"}).status_code == 400
    assert signed_in.get(f"{URL}{DOPA}/give/").status_code == 405


def test_an_account_without_a_person(client, shipped, make_agency, make_officer):
    officer = make_officer("officer.x", make_agency("X"))
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 200 and "ไม่ได้เชื่อมกับบุคคล" in response.content.decode()
    assert client.post(f"{URL}{DOPA}/give/", {"confirm": "yes"}).status_code == 403
    assert client.get(f"{URL}history.json").status_code == 403


def test_history_download_is_own_only(signed_in, citizen, other):
    services.give(citizen.person, DOPA, channel="web")
    services.withdraw(citizen.person, DOPA, channel="web")
    services.give(other.person, SSO, channel="web")
    response = signed_in.get(f"{URL}history.json")
    assert response["Content-Disposition"] == 'attachment; filename="pracha-consent-history.json"'
    body = json.loads(response.content)
    assert body["person"]["id_number"] == citizen.person.id_number
    assert [c["action"] for c in body["consents"]] == ["withdrawn", "given"]
    assert body["consents"][0]["prev_hash"] == body["consents"][1]["hash"]
    assert [a["code"] for a in body["agreements"]] == [DOPA]
    assert other.person.id_number not in response.content.decode()


# --- API -------------------------------------------------------------------------------------------


def test_api_directory_is_public(client, shipped):
    listed = client.get("/api/consent/agreements").json()
    assert {a["code"] for a in listed} >= {DOPA, SSO, "eservice.doe.worker_abroad"}
    one = client.get(f"/api/consent/agreements/{DOPA}").json()
    assert one["controller"]["code"] == "MOI.DOPA" and one["needs_consent"] is True
    missing = client.get("/api/consent/agreements/no.such")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_agreement"


def test_api_mine(client, shipped, citizen, other, hub):
    assert client.get("/api/consent/mine").status_code == 401
    client.force_login(citizen)
    given = client.post(f"/api/consent/mine/{DOPA}/give")
    assert given.status_code == 201 and given.json()["channel"] == "api"
    mine = {c["agreement"]: c for c in client.get("/api/consent/mine").json()}
    assert mine[DOPA]["status"] == "given" and mine[SSO]["status"] == "never"
    withdrawn = client.post(
        f"/api/consent/mine/{DOPA}/withdraw", {"reason": "พอแล้ว"}, content_type="application/json"
    )
    assert withdrawn.status_code == 201 and not services.has_consent(citizen.person, DOPA)
    again = client.post(f"/api/consent/mine/{DOPA}/withdraw", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "consent_not_given"
    assert len(client.get("/api/consent/mine/history").json()) == 2
    hub.add(citizen.person, 5)
    hub.add(other.person, 4)
    uses = client.get("/api/consent/mine/uses", {"offset": 3, "limit": 2}).json()
    assert uses["total"] == 5 and len(uses["items"]) == 2
    assert all(u["reference"].startswith(f"TX-{citizen.person.pk}-") for u in uses["items"])
    assert client.get("/api/consent/mine/uses", {"limit": 1000}).status_code == 422
    too_long = client.post(
        f"/api/consent/mine/{SSO}/withdraw", {"reason": "x" * 600}, content_type="application/json"
    )
    assert too_long.status_code == 422
