"""The commands and the demo seed make keys idempotently; rotation through the command keeps old ones."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pracha.core.thai_id import make_thai_id
from pracha.credentials import demo_data, services
from pracha.credentials.models import CredentialKey


def test_init_and_rotate_commands(dit):
    out = StringIO()
    call_command("init_credential_keys", "MOC.DIT", stdout=out)
    call_command("init_credential_keys", "MOC.DIT", stdout=StringIO())  # idempotent
    assert CredentialKey.objects.count() == 3 and "root_ca" in out.getvalue()
    call_command("rotate_credential_key", "MOC.DIT", stdout=StringIO())
    assert CredentialKey.objects.filter(agency=dit).count() == 4
    assert CredentialKey.objects.filter(agency=dit, current=True).count() == 2
    with pytest.raises(CommandError):
        call_command("rotate_credential_key", "NO.SUCH", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("init_credential_keys", "NO.SUCH", stdout=StringIO())


def test_demo_seed(dit, holder, django_user_model):
    from pracha.agencies.models import Agency

    Agency.objects.create(
        code="MOTS.DOT", name_th="กรมการท่องเที่ยว", name_en="Department of Tourism", kind="department"
    )
    somchai = django_user_model.objects.create_user(username="somchai-id", person=holder)
    from pracha.identity.models import Person

    malee_person = Person.objects.create(
        kind="citizen", id_number=make_thai_id("310060012345"), name_en="Malee Srisuk", name_th="มาลี"
    )
    malee = django_user_model.objects.create_user(username="malee-id", person=malee_person)
    line = demo_data.seed({"somchai": somchai, "malee": malee})
    assert "2 agencies" in line and "3 sample" in line
    states = sorted(c.status for c in services.credentials_of(malee_person)) + [
        c.status for c in services.credentials_of(holder)
    ]
    assert states == ["expired", "revoked", "valid"]
