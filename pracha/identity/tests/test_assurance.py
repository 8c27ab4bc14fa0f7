"""Assurance levels: TOTP enrolment and sign-in, step-up and back, proofing against the registry and
at a counter, all audited."""

import datetime as dt
import time

import pyotp
import pytest
from django.core.cache import cache
from django.test import override_settings

from pracha.audit.models import AuditRecord
from pracha.core.errors import PrachaError
from pracha.core.thai_id import make_thai_id
from pracha.identity import assurance, totp
from pracha.identity.models import Person, Proofing
from pracha.identity.services import assurance_of, proof_in_person, register_person, register_person_account

pytestmark = pytest.mark.django_db
PASSWORD = "som-tam-pu-2569"


@pytest.fixture(autouse=True)
def fresh_cache():
    # The per-person count of failed registry checks lives in the cache, which outlives a test.
    cache.clear()


@pytest.fixture
def citizen():
    return register_person_account(
        id_number=make_thai_id("320010000001"), name_th="นายมานะ ขยันยิ่ง", password=PASSWORD
    )


def enrol(user) -> str:
    secret, uri = totp.start_enrolment(user)
    assert uri.startswith("otpauth://totp/Pracha:") and user.username not in uri
    totp.confirm_enrolment(user, pyotp.TOTP(secret).now())
    return secret


def next_code(secret: str) -> str:
    # A later step than the one just used: an accepted code is never accepted twice.
    return pyotp.TOTP(secret).at(int(time.time()) + 30)


def sign_in(client, username: str, next_url: str = "/my/"):
    return client.post("/id/login/", {"username": username, "password": PASSWORD, "next": next_url})


def test_enrolment_gives_recovery_codes_that_work_once(citizen):
    secret, _ = totp.start_enrolment(citizen)
    with pytest.raises(PrachaError) as wrong:
        totp.confirm_enrolment(citizen, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert wrong.value.code == "totp_wrong_code"
    codes = totp.confirm_enrolment(citizen, pyotp.TOTP(secret).now())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert not any(code in str(citizen.recovery_codes.values_list("code_hash")) for code in codes)
    assert totp.verify(citizen, codes[0]) == "recovery"
    assert totp.verify(citizen, codes[0]) is None
    assert totp.remaining_recovery_codes(citizen) == 9
    assert assurance_of(citizen).aal == "AAL2"  # what the account can reach
    assert AuditRecord.objects.filter(action="identity.totp_enrolled").count() == 1


def test_a_code_is_not_accepted_twice(citizen):
    secret = enrol(citizen)
    code = next_code(secret)
    assert totp.verify(citizen, code) == "otp"
    assert totp.verify(citizen, code) is None


def test_sign_in_asks_for_the_code_when_the_app_is_set_up(client, citizen):
    secret = enrol(citizen)
    response = sign_in(client, citizen.username)
    assert response["Location"] == "/id/login/code/"
    assert "_auth_user_id" not in client.session  # not signed in after the password alone
    wrong = client.post("/id/login/code/", {"code": "12345"})
    assert wrong.status_code == 400
    assert "รหัสไม่ถูกต้อง" in wrong.content.decode()
    response = client.post("/id/login/code/", {"code": next_code(secret)})
    assert response["Location"] == "/my/"
    assert client.session["identity_auth"]["aal"] == "AAL2"


def test_five_wrong_codes_end_the_pending_sign_in(client, citizen):
    enrol(citizen)
    sign_in(client, citizen.username)
    for _ in range(5):
        response = client.post("/id/login/code/", {"code": "999999x"})
    assert response["Location"] == "/id/login/"
    assert client.get("/id/login/code/")["Location"] == "/id/login/"


def test_a_page_needing_aal2_steps_a_password_session_up_and_back(client, citizen):
    secret = enrol(citizen)
    client.force_login(citizen)  # a session at AAL1 (e.g. signed in before the app was set up)
    response = client.get("/id/security/activity/")
    assert response.status_code == 302
    assert response["Location"].startswith("/id/step-up/?next=%2Fid%2Fsecurity%2Factivity%2F")
    page = client.get(response["Location"])
    assert "AAL2" in page.content.decode()
    back = client.post(response["Location"], {"code": next_code(secret)})
    assert back["Location"] == "/id/security/activity/"
    assert client.get("/id/security/activity/").status_code == 200


def test_a_page_needing_aal2_sends_someone_without_an_app_to_set_one_up(client, citizen):
    client.force_login(citizen)
    response = client.get("/id/security/activity/")
    assert response["Location"].startswith("/id/security/?next=")
    page = client.get(response["Location"]).content.decode()
    assert "ตั้งค่าแอปยืนยันตัวตน" in page


def test_security_page_enrols_with_a_qr_code(client, citizen):
    client.force_login(citizen)
    page = client.post("/id/security/", {"action": "start"}).content.decode()
    assert "<svg" in page
    secret = citizen.totp and totp.pending_enrolment(citizen)[0]
    wrong = client.post("/id/security/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code in (200, 400)
    done = client.post("/id/security/", {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert client.session["identity_auth"]["aal"] == "AAL2"


def registry_of(records: dict):
    """The civil registry as the exchange would answer it (the hub is another app's work)."""
    return lambda person, actor: records.get(person.id_number)


def test_remote_proofing_against_the_registry(citizen):
    number = citizen.person.id_number
    record = {
        "id_number": number,
        "first_name": "มานะ",
        "last_name": "ขยันยิ่ง",
        "birth_date": "1990-05-31",
        "house_registration_no": "1001-012345-6",
        "status": "alive",
    }
    previous = assurance.set_registry(registry_of({number: record}))
    try:
        with pytest.raises(PrachaError) as mismatch:
            assurance.proof_against_registry(citizen, birth_date=dt.date(1990, 5, 30))
        assert mismatch.value.code == "proofing_mismatch" and mismatch.value.status == 422
        assert AuditRecord.objects.filter(action="identity.proofing_failed").exists()
        assert assurance_of(citizen).ial == "IAL1"

        assurance.proof_against_registry(citizen, birth_date=dt.date(1990, 5, 31))
        citizen.person.refresh_from_db()
        assert citizen.person.ial == "IAL2.1"
        assurance.proof_against_registry(
            citizen, birth_date=dt.date(1990, 5, 31), house_registration_no="10010123456"
        )
        citizen.person.refresh_from_db()
        assert assurance_of(citizen).ial == "IAL2.2"
        assert citizen.person.birth_date == dt.date(1990, 5, 31)
    finally:
        assurance.set_registry(previous)


def test_proofing_is_closed_after_five_mismatches_a_day(citizen):
    previous = assurance.set_registry(registry_of({}))
    try:
        for _ in range(5):
            with pytest.raises(PrachaError):
                assurance.proof_against_registry(citizen, birth_date=dt.date(1990, 1, 1))
        with pytest.raises(PrachaError) as closed:
            assurance.proof_against_registry(citizen, birth_date=dt.date(1990, 1, 1))
        assert closed.value.code == "proofing_too_many"
    finally:
        assurance.set_registry(previous)


def test_counter_registration_and_counter_proofing_give_ial23(citizen, make_agency, make_officer):
    officer = make_officer("desk", make_agency("DESK"), role="counter_officer")
    walk_in = register_person(
        officer, kind="citizen", id_number=make_thai_id("150010000002"), name_th="นางสาวใจ ดี"
    )
    assert walk_in.ial == "IAL2.3"
    assert Proofing.objects.get(person=walk_in).officer == officer

    proof_in_person(officer, citizen.person, document="id_card")
    assert Person.objects.get(pk=citizen.person.pk).ial == "IAL2.3"
    assert AuditRecord.objects.filter(action="identity.proofed", actor=f"user:{officer.pk}").exists()
    with pytest.raises(PrachaError):
        proof_in_person(citizen, citizen.person, document="id_card")


def test_proofing_page_needs_ial_and_comes_back(client, citizen):
    client.force_login(citizen)
    response = client.get("/id/proofing/?ial=IAL2.1&next=/my/")
    assert response.status_code == 200
    assert "ทะเบียนราษฎร" in response.content.decode()
    number = citizen.person.id_number
    record = {"id_number": number, "first_name": "มานะ", "last_name": "ขยันยิ่ง", "birth_date": "1990-05-31"}
    previous = assurance.set_registry(registry_of({number: record}))
    try:
        done = client.post("/id/proofing/", {"birth_date": "1990-05-31", "ial": "IAL2.1", "next": "/my/"})
    finally:
        assurance.set_registry(previous)
    assert done.status_code == 302, done.content.decode()[-3000:]
    assert done["Location"] == "/my/"


def test_officers_record_counter_proofing_through_the_api(client, citizen, make_agency, make_officer):
    import json

    url = f"/api/identity/people/{citizen.person.pk}/proofing"
    client.force_login(citizen)
    assert client.get("/api/identity/me").json()["ial"] == "IAL1"
    refused = client.post(url, json.dumps({"document": "id_card"}), content_type="application/json")
    assert refused.status_code == 403
    client.force_login(make_officer("desk2", make_agency("DESK2"), role="counter_officer"))
    done = client.post(url, json.dumps({"document": "id_card"}), content_type="application/json")
    assert done.status_code == 201 and done.json()["level"] == "IAL2.3"
    bad = client.post(url, json.dumps({"document": "selfie"}), content_type="application/json")
    assert bad.status_code in (400, 422) and "error" in bad.json()


def test_demo_data_proofs_the_demo_citizen_at_the_counter(citizen, make_agency, make_officer):
    from pracha.identity.demo_data import seed

    officer = make_officer("counter.chatuchak", make_agency("BMA.CHATUCHAK"), role="counter_officer")
    line = seed({"somchai": citizen, "counter.chatuchak": officer})
    assert "IAL2.3" in line and "pracha-portal" in line
    assert Person.objects.get(pk=citizen.person.pk).ial == "IAL2.3"


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_sign_in_lockout(client, citizen):
    enrol(citizen)
    assert sign_in(client, citizen.username)["Location"] == "/id/login/code/"
    for _ in range(3):
        client.post("/id/login/code/", {"code": "000001"})
    locked = sign_in(client, citizen.username)
    assert locked.status_code == 429
