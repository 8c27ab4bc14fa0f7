"""Agency systems: client credentials, the hub's token look-up, revocation (contract F)."""

import base64

import pytest
from django.core.management import call_command

from pracha.audit.models import AuditRecord
from pracha.identity.oidc import client_for_access_token, create_system_client

pytestmark = pytest.mark.django_db


def token_for(client, client_id: str, secret: str, scope: str = "exchange") -> dict:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = client.post(
        "/o/token/", {"grant_type": "client_credentials", "scope": scope}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    return {"status": response.status_code, **response.json()}


def test_an_agency_system_gets_a_token_and_the_hub_knows_whose_it_is(client, make_agency):
    agency = make_agency("MOL.SSO")
    client_id, secret = create_system_client(agency=agency, name="Insured-person service")
    answer = token_for(client, client_id, secret)
    assert answer["status"] == 200 and answer["token_type"] == "Bearer"
    assert "refresh_token" not in answer and "id_token" not in answer

    identity = client_for_access_token(answer["access_token"])
    assert identity.client_id == client_id
    assert identity.agency_code == "MOL.SSO"
    assert identity.scopes == {"exchange"}
    assert identity.user is None and identity.expires_at is not None
    assert AuditRecord.objects.filter(action="identity.system_client_registered").exists()


def test_wrong_secret_unknown_scope_and_unknown_tokens_are_refused(client, make_agency):
    client_id, secret = create_system_client(agency=make_agency("MOI.DOPA"), name="Registry")
    assert token_for(client, client_id, "not-the-secret")["status"] == 401
    assert token_for(client, client_id, secret, scope="pracha_id")["error"] == "invalid_scope"
    assert client_for_access_token("no-such-token") is None
    assert client_for_access_token("") is None


def test_a_revoked_token_stops_working(client, make_agency):
    client_id, secret = create_system_client(agency=make_agency("MOL.DOE"), name="Workers abroad")
    token = token_for(client, client_id, secret)["access_token"]
    assert client_for_access_token(token) is not None
    response = client.post(
        "/o/revoke_token/", {"token": token, "client_id": client_id, "client_secret": secret}
    )
    assert response.status_code == 200
    assert client_for_access_token(token) is None


def test_register_a_system_client_from_the_command_line(make_agency, capsys):
    make_agency("DGA")
    call_command("register_system_client", "--agency", "DGA", "--name", "Digital ID registry check")
    out = capsys.readouterr().out
    assert "client_id" in out and "client_secret" in out
