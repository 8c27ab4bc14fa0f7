"""People recorded at a counter: citizens, juristic persons and foreigners; audited look-ups."""

import json

import pytest

from pracha.audit.chain import verify
from pracha.audit.models import AuditRecord
from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(client, make_agency, make_officer):
    client.force_login(make_officer("desk", make_agency("DESK"), role="counter_officer"))
    return client


def post(client, body: dict):
    return client.post("/api/identity/people", json.dumps(body), content_type="application/json")


def test_counter_officer_registers_a_foreigner_by_passport(counter):
    response = post(
        counter,
        {
            "kind": "foreigner",
            "passport_number": "mb 123456",
            "nationality": "mm",
            "name_en": "Aung Aung",
            "phone": "0612345678",
        },
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get()
    assert (person.passport_number, person.nationality, person.id_number) == ("MB123456", "MM", None)
    again = post(
        counter, {"kind": "foreigner", "passport_number": "MB123456", "nationality": "MM", "name_en": "A"}
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (
            {"kind": "foreigner", "passport_number": "12", "nationality": "MM", "name_en": "X"},
            "passport_number",
            "passport_invalid",
        ),
        (
            {"kind": "foreigner", "passport_number": "MB123456", "nationality": "XX", "name_en": "X"},
            "nationality",
            "nationality_invalid",
        ),
        ({"kind": "citizen", "id_number": "1234567890123", "name_th": "ก"}, "id_number", "id_bad_checksum"),
        ({"kind": "juristic", "id_number": "", "name_th": "บริษัท"}, "id_number", "id_required"),
        ({"kind": "citizen", "id_number": make_thai_id("110170020345")}, "name_th", "required"),
    ],
)
def test_bad_person_details_name_the_field_and_store_nothing(counter, body, field, code):
    response = post(counter, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"][field] == code
    assert error["messages"]["th"] != error["messages"]["en"]
    assert not Person.objects.exists()


def test_look_up_needs_a_purpose_and_is_recorded_as_a_read_of_personal_data(counter):
    number = make_thai_id("350010012345")
    assert post(counter, {"kind": "citizen", "id_number": number, "name_th": "บุญมี"}).status_code == 201
    response = counter.get("/api/identity/people/lookup", {"id_number": number, "purpose": ""})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "purpose_required"
    response = counter.get(
        "/api/identity/people/lookup", {"id_number": number, "purpose": "ยื่นคำร้องที่เคาน์เตอร์"}
    )
    assert response.status_code == 200
    assert response.json()["name_th"] == "บุญมี"
    read = AuditRecord.objects.get(action="personal_data.read")
    assert "ยื่นคำร้องที่เคาน์เตอร์" in read.data and read.actor.startswith("user:")
    assert verify().ok


def test_people_desk_is_closed_to_citizens_and_anonymous(client):
    assert post(client, {"kind": "citizen"}).status_code == 401
    from pracha.identity.services import register_person_account

    citizen = register_person_account(
        id_number=make_thai_id("110170099991"), name_th="ก", password="som-tam-2569x"
    )
    client.force_login(citizen)
    assert (
        post(
            client, {"kind": "citizen", "id_number": make_thai_id("110170099992"), "name_th": "ข"}
        ).status_code
        == 403
    )
    assert (
        client.get("/api/identity/people/lookup", {"id_number": "1", "purpose": "curious"}).status_code == 403
    )
