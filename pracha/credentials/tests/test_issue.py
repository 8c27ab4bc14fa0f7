"""Issuing: the signed PDF, the JWS, the registry entry and its audit record, the keys behind them."""

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization

from pracha.audit.models import AuditRecord
from pracha.core.errors import PrachaError
from pracha.credentials import keys, services
from pracha.credentials.models import Credential, CredentialKey


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_issue_signs_pdf_and_jws_and_registers(issue, dit, holder):
    credential = issue()
    assert credential.pdf.startswith(b"%PDF-")
    assert hashlib.sha256(credential.pdf).hexdigest() == credential.pdf_sha256
    assert credential.status == "valid"
    assert credential.verification_url.endswith(f"/credentials/verify/{credential.public_id}/")
    assert (
        credential.holder_id_masked
        == f"{holder.id_number[0]}-{holder.id_number[1:5]}-XXXXX-XX-{holder.id_number[12]}"
    )

    header = json.loads(base64.urlsafe_b64decode(credential.jws.split(".")[0] + "=="))
    assert header == {"alg": "EdDSA", "kid": credential.jws_key.kid, "typ": "JWT"}
    payload = _payload(credential.jws)
    assert payload["jti"] == credential.public_id
    assert payload["iss"].endswith("/api/credentials/jwks/MOC.DIT")
    assert payload["sub"].startswith("urn:pracha:holder:") and holder.id_number not in credential.jws
    assert payload["exp"] > payload["nbf"] and payload["claims"]["shop_name"] == "ร้านข้าวหอมมะลิทุ่งกุลา"
    assert payload["pdf_sha256"] == credential.pdf_sha256

    audit = AuditRecord.objects.get(action="credentials.issued")
    assert (
        audit.object_id == str(credential.pk) and json.loads(audit.data)["pdf_kid"] == credential.pdf_key.kid
    )
    assert list(services.credentials_for(("test.application", "1"))) == [credential]


def test_private_keys_are_stored_encrypted(issue):
    issue()
    for key in CredentialKey.objects.all():
        stored = bytes(key.private_key)
        with pytest.raises(ValueError):
            serialization.load_der_private_key(stored, None)
        serialization.load_der_private_key(keys.decrypt_private(stored), None)  # our key opens it


def test_keys_are_made_once_per_agency(issue, dit):
    issue()
    issue()
    assert CredentialKey.objects.filter(kind="root_ca").count() == 1
    assert CredentialKey.objects.filter(agency=dit).count() == 2  # one PDF, one JWS key
    assert keys.init_keys([dit]) and CredentialKey.objects.count() == 3


def test_same_pseudonym_for_the_same_holder(issue):
    first, second = issue(), issue()
    assert _payload(first.jws)["sub"] == _payload(second.jws)["sub"]


def test_issue_refuses_bad_input(issue):
    with pytest.raises(PrachaError) as caught:
        issue(title={"en": "No Thai"})
    assert caught.value.code == "credential_title_required"
    with pytest.raises(PrachaError) as caught:
        issue(holder_name="  ")
    assert caught.value.code == "credential_holder_required"
    import datetime as dt

    with pytest.raises(PrachaError) as caught:
        issue(valid_from=dt.date(2026, 5, 1), valid_until=dt.date(2026, 4, 1))
    assert caught.value.code == "credential_dates_invalid"
    assert not Credential.objects.exists()


def test_claims_keep_dates_and_decimals(issue):
    import datetime as dt
    from decimal import Decimal

    credential = issue(claims={"area_rai": Decimal("12.50"), "surveyed_on": dt.date(2026, 3, 2)})
    assert credential.claims == {"area_rai": "12.50", "surveyed_on": "2026-03-02"}
