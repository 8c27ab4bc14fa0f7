"""Stored versions: what an application pins, and pracha load-services / check-services."""

import io

import pytest
import yaml
from django.core.management import CommandError, call_command

from pracha.audit.models import AuditRecord
from pracha.core.errors import PrachaError
from pracha.services import catalogue
from pracha.services.models import ServiceVersion
from pracha.services.services import current_version, definition_of_version, load_services, store_definition


@pytest.fixture
def agencies(make_agency):
    for code in sorted({d.agency for d in catalogue.load_definitions().values()}):
        make_agency(code)


@pytest.mark.django_db
def test_current_version_is_stored_once_and_pinned():
    first = current_version("rice-trading-licence")
    again = current_version("rice-trading-licence")
    assert first.pk == again.pk and first.current
    assert first.content_hash == catalogue.get_definition("rice-trading-licence").content_hash
    assert first.number == 1 and first.agency_code == "MOC.DIT"
    pinned = definition_of_version(first.pk)
    assert pinned.name["th"] == "ขอหนังสืออนุญาตค้าข้าว"
    assert AuditRecord.objects.filter(action="services.version_current", object_id=str(first.pk)).count() == 1
    with pytest.raises(PrachaError):
        current_version("no-such-service")


@pytest.mark.django_db
def test_a_changed_definition_becomes_a_new_current_version_and_the_old_one_stays_readable(rice_data):
    old = current_version("rice-trading-licence")
    changed = dict(rice_data, version=2, fees=[dict(rice_data["fees"][0], amount="150.00")])
    new, result = store_definition(catalogue.build(changed, "rice-trading-licence.yaml"))
    assert result.created and result.activated
    old.refresh_from_db()
    assert not old.current and new.current
    assert definition_of_version(old.pk).fee_total() == 100
    assert definition_of_version(new.pk).fee_total() == 150
    assert ServiceVersion.objects.filter(code="rice-trading-licence", current=True).get() == new


@pytest.mark.django_db
def test_load_services_needs_the_agencies_in_the_database():
    with pytest.raises(catalogue.DefinitionError) as exc:
        load_services()
    assert "is not in the agency database" in str(exc.value)
    assert not ServiceVersion.objects.exists()


def test_load_services_stores_every_definition_and_retires_removed_ones(agencies):
    gone = ServiceVersion.objects.create(
        code="old-service", content_hash="x" * 64, number=1, agency_code="MOC.DIT", definition={}, current=1
    )
    out = io.StringIO()
    call_command("load_services", stdout=out)
    assert "rice-trading-licence: new version" in out.getvalue()
    assert "old-service: retired" in out.getvalue()
    assert ServiceVersion.objects.filter(current=True).count() == len(catalogue.load_definitions())
    gone.refresh_from_db()
    assert not gone.current
    out = io.StringIO()
    call_command("load_services", stdout=out)
    assert "rice-trading-licence: unchanged" in out.getvalue()


@pytest.mark.django_db
def test_check_services_command(tmp_path, rice_data):
    out = io.StringIO()
    call_command("check_services", stdout=out)
    assert "11 e-service definition(s) valid" in out.getvalue()
    bad = dict(rice_data, agency="MOC.NOWHERE")
    bad["steps"] = [dict(rice_data["steps"][0], state="thinking")]
    text = yaml.safe_dump(bad, allow_unicode=True)
    (tmp_path / "rice-trading-licence.yaml").write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("check_services", "--dir", str(tmp_path), stderr=err)
    assert "rice-trading-licence.yaml: agency: “MOC.NOWHERE” is not an agency" in err.getvalue()
    assert "steps[0].state: process “eservice” has no state “thinking”" in err.getvalue()
