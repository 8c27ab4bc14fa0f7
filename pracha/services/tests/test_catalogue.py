"""The definition format: what the loader refuses (file, field path, reason) and what it builds."""

import copy
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from pracha.core.errors import PrachaError
from pracha.services import catalogue
from pracha.services.catalogue import DefinitionError, validate_file
from pracha.workflow.definitions import build as build_process


def problems_of(path, processes, agencies=None) -> list[tuple[str, str]]:
    return [(p.path, p.reason) for p in validate_file(path, processes=processes, agencies=agencies)]


def test_a_valid_definition_has_no_problems(definition, write, test_processes):
    assert validate_file(write(definition), processes=test_processes, agencies={"MOC.DIT"}) == []


def test_duplicate_yaml_key_is_refused(write, test_processes, rice_data):
    text = (catalogue.DEFINITIONS_DIR / "rice-trading-licence.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1\n", "version: 1\nversion: 2\n", 1)
    path = write(text, "rice-trading-licence")
    [problem] = validate_file(path, processes=test_processes)
    assert problem.file == str(path)
    assert problem.path.startswith("line ")
    assert "'version' is given twice" in problem.reason


def test_schema_errors_name_the_field(definition, write, test_processes):
    definition["name"] = {"th": "ขอหนังสืออนุญาต"}  # no English
    definition["fees"][0]["amount"] = "1,000"
    definition["form"]["properties"]["phone"]["x-prefill"] = "person.shoe_size"
    found = problems_of(write(definition), test_processes)
    paths = [p for p, _r in found]
    assert "name" in paths and "'en' is a required property" in dict(found)["name"]
    assert "fees[0].amount" in paths
    assert "form.properties.phone.x-prefill" in paths


def test_step_must_be_a_state_of_the_process(definition, write, test_processes):
    definition["steps"][1]["state"] = "inspecting"
    definition["steps"].append(
        {
            "state": "completed",
            "name": {"th": "เสร็จ", "en": "Done"},
            "time_limit": {"amount": 1, "unit": "days"},
            "office": {"th": "ก", "en": "A"},
        }
    )
    found = dict(problems_of(write(definition), test_processes))
    assert "has no state “inspecting”" in found["steps[1].state"]
    assert "checking" in found["steps[1].state"]  # lists the states to choose from
    assert "final state" in found["steps[5].state"]


def test_unknown_process_and_agency(definition, write, test_processes):
    definition["process"] = "eservice_typo"
    definition["agency"] = "MOC.NOPE"
    found = dict(problems_of(write(definition), test_processes, agencies={"MOC.DIT"}))
    assert "there is no process “eservice_typo”" in found["process"]
    assert "not an agency of the registry" in found["agency"]


def test_certificate_and_fetch_fields_must_exist(definition, write, test_processes):
    definition["certificate"]["fields"].append("shop_colour")
    definition["documents"][0]["fetch"]["fields"].append("blood_type")
    definition["documents"][1]["fetch"]["service"] = "dopa.tax_record"
    found = dict(problems_of(write(definition), test_processes))
    assert "“shop_colour” is not a field" in found["certificate.fields[4]"]
    assert "has no field “blood_type”" in found["documents[0].fetch.fields[6]"]
    assert "not a data service of the exchange" in found["documents[1].fetch.service"]


def test_form_rules(definition, write, test_processes):
    form = definition["form"]
    form["required"].append("missing_field")
    form["properties"]["trade_type"]["x-enum-labels"].pop()
    form["properties"]["premises_name"]["x-widget"] = "select"
    form["x-pages"][1]["fields"].remove("storage_capacity_tonnes")
    form["x-pages"][1]["fields"].append("trade_type")
    found = dict(problems_of(write(definition), test_processes))
    assert "“missing_field” is not a field" in found["form.required[5]"]
    assert "one label for each value" in found["form.properties.trade_type.x-enum-labels"]
    assert "a select needs the list of choices" in found["form.properties.premises_name.enum"]
    assert "is on none of the x-pages" in found["form.properties.storage_capacity_tonnes"]
    assert "already on page 1" in found["form.x-pages[1].fields[2]"]


def test_time_limits_of_the_steps_must_fit_the_total(definition, write, test_processes):
    definition["time_limit"] = {"amount": 3, "unit": "working_days"}
    definition["steps"][3]["time_limit"] = {"amount": 1, "unit": "working_days"}  # payment, now same unit
    found = dict(problems_of(write(definition), test_processes))
    assert "the steps take 6 working_days, more than the service's 3" in found["time_limit"]


def test_code_must_be_the_file_name_and_unique_fees(definition, write, test_processes):
    definition["fees"].append(dict(definition["fees"][0]))
    found = dict(problems_of(write(definition, "rice"), test_processes))
    assert found["code"] == "must be the file name: “rice”"
    assert "given twice" in found["fees[1].code"]


def test_fee_on_approval_needs_a_payment_state(definition, write, test_processes):
    raw = copy.deepcopy(test_processes["eservice"].raw)
    raw["code"] = "eservice_request"  # a variant without payment and issuing (contract B)
    del raw["states"]["awaiting_payment"], raw["states"]["issuing"]
    raw["states"]["approving"]["actions"]["approve"]["to"] = "completed"
    processes = {"eservice_request": build_process(raw)}
    definition["process"] = "eservice_request"
    definition["steps"] = definition["steps"][:3]
    found = dict(problems_of(write(definition), processes))
    assert "needs a payment state" in found["fees"]
    assert "no “issuing” state" in found["certificate"]


def test_load_definitions_lists_the_problems_of_every_file(definition, write, test_processes, tmp_path):
    bad = dict(definition, code="second", summary="not a text")
    write(bad)
    other = dict(definition, code="third", version=0)
    write(other)
    with pytest.raises(DefinitionError) as exc:
        catalogue.load_definitions(tmp_path, agencies={"MOC.DIT"})
    files = {p.file.rsplit("/", 1)[-1] for p in exc.value.problems}
    assert files == {"second.yaml", "third.yaml"}
    assert "second.yaml: summary:" in str(exc.value)


def test_every_shipped_definition_is_valid_against_the_registered_processes():
    processes = catalogue.registered_processes()
    assert "eservice" in processes, "the applications app registers the eservice process"
    for path in catalogue.definition_paths():
        assert validate_file(path, processes=processes) == [], path.name
    definitions = catalogue.load_definitions()
    assert len(definitions) >= 11
    for d in definitions.values():
        assert d.steps and d.legal_basis and str(d.contact)
        assert d.name["th"] and d.name["en"]


@pytest.mark.django_db
def test_shipped_definitions_name_agencies_of_the_registry():
    codes = catalogue.known_agency_codes()
    for d in catalogue.load_definitions().values():
        assert d.agency in codes, d.code


def test_documents_that_can_be_fetched_are_declared():
    defs = catalogue.load_definitions()
    services_of = lambda code: {d.fetch.service for d in defs[code].fetchable_documents}  # noqa: E731
    assert "dopa.population_record" in services_of("elderly-allowance")
    assert "doe.worker_abroad" in services_of("worker-abroad-benefit-claim")
    assert "sso.insured_status" in services_of("work-permit-renewal")
    trace = defs["trace-worker-abroad"].document("worker_record")
    assert trace.fetch.id_field == "worker_id_number" and not trace.fetch.consent


def test_get_definition_and_the_built_objects():
    rice = catalogue.get_definition("rice-trading-licence")
    assert rice.agency == "MOC.DIT"
    assert rice.fee_total("on_approval") == Decimal("100.00")
    assert rice.fee_total("on_submit") == Decimal("0.00")
    assert rice.certificate.valid_until(dt.date(2028, 2, 29)) == dt.date(2029, 2, 27)
    assert rice.published == dt.date(2026, 11, 24)
    assert rice.steps[0].state == "checking"
    assert rice.time_limit.unit == "working_days"
    rent = catalogue.get_definition("state-property-rent")
    assert rent.fee_total(None, {"rent_amount": "12500.50"}) == Decimal("12500.50")
    assert rent.fee_total(None, {}) == Decimal("0.01")
    with pytest.raises(PrachaError) as exc:
        catalogue.get_definition("no-such-service")
    assert exc.value.code == "unknown_service" and exc.value.status == 404


def test_validate_application_data():
    rice = catalogue.get_definition("rice-trading-licence")
    errors = catalogue.validate_application_data(
        rice, {"trader_name": "ก" * 201, "trade_type": "opium", "phone": "12", "extra": "x"}, partial=False
    )
    assert errors == {
        "trader_name": "service_form_too_long",
        "trade_type": "service_form_invalid_choice",
        "phone": "service_form_pattern",
        "extra": "service_form_unknown_field",
        "premises_name": "service_form_required",
        "premises_address": "service_form_required",
    }
    # A draft does not ask for what is missing; a page asks only for its own fields.
    assert catalogue.validate_application_data(rice, {"trader_name": "ร้านข้าวดี"}, partial=True) == {}
    page = rice.pages[0].fields
    assert catalogue.validate_application_data(rice, {"trader_name": "x"}, partial=True, fields=page) == {
        "trade_type": "service_form_required",
        "phone": "service_form_required",
    }
    elderly = catalogue.get_definition("elderly-allowance")
    assert catalogue.validate_application_data(
        elderly, {"no_state_pension": False, "birth_date": "2500-02-30", "phone": ""}, partial=True
    ) == {"no_state_pension": "service_form_must_confirm", "birth_date": "service_form_invalid_date"}


def test_every_form_error_code_has_a_message():
    from pracha.core.errors import ERROR_MESSAGES
    from pracha.services.catalogue import _ERROR_CODES

    for code in [*_ERROR_CODES.values(), "service_form_must_confirm", "service_form_invalid_date"]:
        assert code in ERROR_MESSAGES


def test_prefill_takes_what_the_platform_knows():
    person = SimpleNamespace(
        kind="citizen",
        name_th="สมชาย ใจดี",
        name_en="",
        id_number="1101700203451",
        passport_number="",
        birth_date=dt.date(1960, 5, 1),
        phone="0812345678",
        email="",
        nationality="",
    )
    elderly = catalogue.get_definition("elderly-allowance")
    assert catalogue.prefill(elderly, person) == {
        "full_name": "สมชาย ใจดี",
        "birth_date": "1960-05-01",
        "phone": "0812345678",
    }
    assert catalogue.prefill(elderly, person, known={"person.address": "99 ถนนพหลโยธิน"})["address"] == (
        "99 ถนนพหลโยธิน"
    )


def test_texts_read_in_either_language():
    from django.utils import translation

    rice = catalogue.get_definition("rice-trading-licence")
    assert rice.name.th == "ขอหนังสืออนุญาตค้าข้าว" and rice.name.en == "Rice-trading licence"
    with translation.override("en"):
        assert str(rice.steps[0].office).startswith("Agricultural Trade Promotion Division 1")
    with translation.override("th"):
        assert str(rice.fields["trade_type"].choices[0][1]) == "ค้าข้าวเปลือก"
