"""Data-quality checks against the providers' own schemas and their deliberately defective records."""

from __future__ import annotations

import copy
import datetime as dt
import json

import httpx
import pytest

from pracha.exchange.quality import (
    IMPLAUSIBLE_DATE,
    MISSING,
    NOT_A_DATE,
    NOT_ALLOWED,
    OUTSIDE_PARENT,
    PATTERN,
    UNKNOWN_CODE,
    WRONG_TYPE,
    assess,
    record_schema,
)
from pracha_providers.launcher import TEST_RECORDS
from pracha_providers.openapi import describe
from pracha_providers.records import PROVIDERS, SOMCHAI, insured_status, population_record, worker_abroad

pytest_plugins = ("pracha_providers.testing",)  # the session-wide `providers` fixture

TODAY = dt.date(2026, 1, 15)
CLEAN = {"civil_registry": population_record, "sso": insured_status, "doe_abroad": worker_abroad}


def schema_of(name: str) -> dict:
    return record_schema(describe(PROVIDERS[name]))


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_demo_citizens_records_are_clean(name):
    report = assess(PROVIDERS[name].demo, schema_of(name), today=TODAY)
    assert (report.records, report.clean_records, report.score) == (2, 2, 100.0)
    assert report.completeness == report.validity == 100.0
    assert not report.problems


def _one(name: str, change) -> tuple[str, str]:
    """The (field, problem) that one changed demo record shows."""
    record = copy.deepcopy(PROVIDERS[name].demo[0])
    change(record)
    report = assess([record], schema_of(name), today=TODAY)
    found = [(f.field, p) for f in report.fields.values() for p in f.problems]
    assert report.clean_records == 0
    return found[0] if len(found) == 1 else found


def test_each_kind_of_defect_is_named_on_its_field():
    dopa = "civil_registry"
    assert _one(dopa, lambda r: r.update(id_number=SOMCHAI[:12] + "1")) == ("id_number", "id_bad_checksum")
    assert _one(dopa, lambda r: r.update(id_number=SOMCHAI[:12])) == ("id_number", "id_not_13_digits")
    assert _one(dopa, lambda r: r.update(first_name="  ")) == ("first_name", MISSING)
    assert _one(dopa, lambda r: r.pop("gender")) == ("gender", MISSING)
    assert _one(dopa, lambda r: r.update(gender="m")) == ("gender", NOT_ALLOWED)
    assert _one(dopa, lambda r: r.update(birth_date="2567-02-30")) == ("birth_date", NOT_A_DATE)
    assert _one(dopa, lambda r: r.update(birth_date="14/03/2530")) == ("birth_date", NOT_A_DATE)
    assert _one(dopa, lambda r: r.update(birth_date="2026-02-01")) == ("birth_date", IMPLAUSIBLE_DATE)
    assert _one(dopa, lambda r: r.update(birth_date="1899-12-31")) == ("birth_date", IMPLAUSIBLE_DATE)
    assert _one(dopa, lambda r: r.update(house_registration_no="1030-012548")) == (
        "house_registration_no",
        PATTERN,
    )
    assert _one(dopa, lambda r: r["address"].update(province_code="99")) == [
        ("address.district_code", OUTSIDE_PARENT),
        ("address.province_code", UNKNOWN_CODE),
    ]
    assert _one(dopa, lambda r: r["address"].update(subdistrict_code="109999")) == (
        "address.subdistrict_code",
        UNKNOWN_CODE,
    )
    assert _one(dopa, lambda r: r.update(nationality="Thai")) == ("nationality", UNKNOWN_CODE)
    # A whole address missing counts against the address and each of its required parts.
    missing = _one(dopa, lambda r: r.pop("address"))
    assert {f for f, _ in missing} == {
        "address",
        "address.house_no",
        "address.subdistrict_code",
        "address.district_code",
        "address.province_code",
    }
    # Nullable fields may be empty; a value of the wrong type is still wrong.
    assert _one("sso", lambda r: r.update(employer_name=None, employer_id=None, section=True)) == (
        "section",
        WRONG_TYPE,
    )
    assert _one("sso", lambda r: r.update(section="33")) == ("section", WRONG_TYPE)
    assert _one("sso", lambda r: r.update(last_contribution_month="2025-13")) == (
        "last_contribution_month",
        PATTERN,
    )
    assert _one("doe_abroad", lambda r: r.update(country="Taiwan")) == ("country", UNKNOWN_CODE)
    # A contract may end years ahead, a departure may not lie in the future.
    assert _one("doe_abroad", lambda r: r.update(departure_date="2026-03-01")) == (
        "departure_date",
        IMPLAUSIBLE_DATE,
    )
    record = copy.deepcopy(PROVIDERS["doe_abroad"].demo[1])
    record["contract_end"] = "2030-03-31"
    assert assess([record], schema_of("doe_abroad"), today=TODAY).clean_records == 1


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_the_generated_defects_are_all_found_and_nothing_else(name):
    spec = PROVIDERS[name]
    generated = [(spec.make(spec.person_of(k)), CLEAN[name](spec.person_of(k))) for k in range(3000)]
    spoilt = sum(made != clean for made, clean in generated)
    assert 30 < spoilt < 90  # about 2%
    report = assess((made for made, _ in generated), schema_of(name), today=TODAY)
    assert report.records == 3000
    assert report.clean_records == 3000 - spoilt
    assert report.score == round(100 * (3000 - spoilt) / 3000, 1)
    assert report.score < report.field_score < 100
    for f in report.fields.values():
        assert f.good + f.missing + f.invalid == f.checked == 3000
        assert 0 <= f.score <= 100
        assert sum(f.problems.values()) == f.missing + f.invalid
    assert report.problems[MISSING] > 0
    if name != "sso":
        assert report.problems[NOT_A_DATE] > 0 and report.problems[IMPLAUSIBLE_DATE] > 0


def test_the_report_keeps_counts_never_values():
    spec = PROVIDERS["civil_registry"]
    report = assess(spec.records(400), schema_of("civil_registry"), today=TODAY)
    stored = json.dumps(report.as_dict(), ensure_ascii=False)
    assert SOMCHAI not in stored and "สมชาย" not in stored
    fields = {f["field"]: f for f in json.loads(stored)["fields"]}
    assert fields["birth_date"]["label"] == {"th": "วันเกิด", "en": "Date of birth"}
    assert fields["birth_date"]["classification"] == "confidential"
    assert report.worst(1)[0].score == min(f.score for f in report.fields.values())


def test_the_record_schema_is_found_in_any_description():
    doc = describe(PROVIDERS["sso"])
    assert record_schema(doc)["title"] == "InsuredStatus"
    del doc["info"]["x-record-schema"]
    assert record_schema(doc)["title"] == "InsuredStatus"  # through the lookup's 200 response
    with pytest.raises(ValueError, match="no record schema"):
        record_schema({"openapi": "3.1.0", "paths": {}})


def test_an_unknown_code_list_is_refused():
    with pytest.raises(ValueError, match="x-code-list"):
        assess([], {"properties": {"x": {"type": "string", "x-code-list": "planets"}}})


def test_nothing_to_judge_scores_full_marks():
    report = assess([], schema_of("sso"))
    assert (report.records, report.score, report.field_score) == (0, 100.0, 100.0)
    assert report.completeness == report.validity == 100.0


def test_a_providers_extract_over_http_is_scored(providers):
    doe = providers["doe_abroad"]
    with httpx.Client(timeout=10) as client:
        doc = client.get(doe.openapi_url).json()
        page = client.get(f"{doe.url}/v1/extract", params={"limit": 10000}, headers=doe.headers).json()
    report = assess(page["records"], record_schema(doc))
    assert report.records == TEST_RECORDS
    assert 0 < report.clean_records < TEST_RECORDS
    assert 90 < report.score < 100
