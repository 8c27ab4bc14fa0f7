"""The one error format: every 4xx has a machine code and messages in Thai and English, never a 500."""

import json

import pytest

from pracha.core.thai_id import make_thai_id

pytestmark = pytest.mark.django_db

VALID_ID = make_thai_id("110170020345")


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["code"] and err["message"]
    assert err["messages"]["th"] != err["messages"]["en"], "both languages must be present and translated"
    return err


def test_invalid_citizen_id_gets_400_with_thai_and_english(client):
    bad = VALID_ID[:12] + str((int(VALID_ID[12]) + 1) % 10)
    response = client.post("/api/identity/check-id", {"id_number": bad}, content_type="application/json")
    assert response.status_code == 400
    err = error_of(response)
    assert err["code"] == "id_bad_checksum"
    assert err["fields"] == {"id_number": "id_bad_checksum"}
    assert "เลขประจำตัว" in err["messages"]["th"]
    assert "last digit" in err["messages"]["en"]


def test_message_follows_the_request_language(client):
    response = client.post(
        "/api/identity/check-id",
        {"id_number": "12345"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    err = error_of(response)
    assert err["code"] == "id_not_13_digits"
    assert err["message"] == err["messages"]["en"]
    response = client.post(
        "/api/identity/check-id",
        {"id_number": "12345"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="th",
    )
    assert error_of(response)["message"] == error_of(response)["messages"]["th"]


def test_valid_id_with_dashes_is_accepted(client):
    dashed = f"{VALID_ID[0]}-{VALID_ID[1:5]}-{VALID_ID[5:10]}-{VALID_ID[10:12]}-{VALID_ID[12]}"
    response = client.post("/api/identity/check-id", {"id_number": dashed}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"valid": True, "id_number": VALID_ID}


@pytest.mark.parametrize("body", ['{"id_number": ', "not json at all", '{"id_number": "1"'])
def test_malformed_json_gets_400(client, body):
    response = client.post("/api/identity/check-id", body, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_missing_field_gets_422_naming_the_field(client):
    response = client.post("/api/identity/check-id", {}, content_type="application/json")
    assert response.status_code == 422
    err = error_of(response)
    assert err["code"] == "validation_error"
    assert "id_number" in err["fields"]


def test_unknown_agency_code_gets_404(client):
    response = client.get("/api/agencies/NO-SUCH-AGENCY")
    assert response.status_code == 404
    err = error_of(response)
    assert err["code"] == "unknown_agency"
    assert "NO-SUCH-AGENCY" in err["messages"]["en"] and "NO-SUCH-AGENCY" in err["messages"]["th"]


def test_protected_endpoint_without_sign_in_gets_401(client):
    response = client.get("/api/identity/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_unknown_api_path_gets_404_in_the_error_format(client):
    response = client.get("/api/no/such/thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_openapi_document_is_served(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/identity/check-id" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_register_then_me(client):
    response = client.post(
        "/api/identity/register",
        json.dumps(
            {
                "id_number": VALID_ID,
                "name_th": "สมชาย ใจดี",
                "password": "kluay-tod-2569",
                "phone": "081-234-5678",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["id_number_masked"].endswith(VALID_ID[-1])
    assert VALID_ID not in response.content.decode()
    again = client.post(
        "/api/identity/register",
        {"id_number": VALID_ID, "name_th": "ซ้ำ", "password": "kluay-tod-2569"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert error_of(again)["code"] == "duplicate_id"


def test_register_refuses_bad_phone_and_weak_password(client):
    response = client.post(
        "/api/identity/register",
        {"id_number": VALID_ID, "name_th": "ก", "password": "kluay-tod-2569", "phone": "12345"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"phone": "phone_invalid"}
    response = client.post(
        "/api/identity/register",
        {"id_number": VALID_ID, "name_th": "ก", "password": "12345678"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "password" in error_of(response)["fields"]
