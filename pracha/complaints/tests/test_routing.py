"""Routing rules as data: the shipped file, its checks, and the decisions it gives for a prediction
and a place (the classifier's own accuracy is tested beside the classifier)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from pracha.agencies.models import Subdistrict
from pracha.agencies.services import local_body_for
from pracha.complaints import routing
from pracha.complaints.classifier import Prediction
from pracha.complaints.models import Channel
from pracha.core.calendar import BANGKOK

THRESHOLD = 0.45
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=BANGKOK)
MIDNIGHT = dt.datetime(2026, 3, 10, 23, 30, tzinfo=BANGKOK)
# DOPA codes of the places the tests use.
LAT_YAO_CHATUCHAK = "103001"
SUAN_YAI_NONTHABURI = "120101"
PAKNAM_SAMUT_PRAKAN = "110101"
SI_PHUM_CHIANG_MAI = "500101"
KHON_KAEN_CITY = "400101"


def decide(category: str | list, place: str | None = None, at: dt.datetime = NOON, conf: float = 0.9):
    categories = category if isinstance(category, list) else [(category, conf)]
    sub = Subdistrict.objects.select_related("district__province").get(code=place) if place else None
    return routing.decide(
        Prediction(categories, ("complaint", 0.9), ("normal", 0.8), "test"),
        subdistrict=sub,
        at=at,
        rules=routing.load_rules(),
        threshold=THRESHOLD,
    )


def shipped() -> dict:
    return yaml.safe_load(routing.RULES_FILE.read_text(encoding="utf-8"))


# --- The file and its checks -------------------------------------------------------------------------


def test_the_shipped_rules_load_and_name_every_channel_limit():
    rules = routing.read_rules(routing.RULES_FILE)
    assert rules.triage == "OPM.OPS/psc-1111"
    assert {r.id for r in rules.rules} >= {"power-utility", "bangkok-works", "labour-abroad", "local-matter"}
    # The seed's forwarding limits, and the website's for channels it does not name.
    assert rules.forwarding_limit(Channel.HOTLINE).as_dict() == {"amount": 2.0, "unit": "hours"}
    assert rules.forwarding_limit(Channel.WEB).as_dict() == {"amount": 72.0, "unit": "hours"}
    assert rules.forwarding_limit(Channel.COUNTER).as_dict() == {"amount": 36.0, "unit": "hours"}
    assert rules.forwarding_limit(Channel.MAIL).as_dict() == {"amount": 8.5, "unit": "working_days"}
    assert rules.forwarding_limit(Channel.LINE) == rules.forwarding_limit(Channel.WEB)
    assert rules.resolution_limit("no-such-category") == rules.resolution_limits["default"]


def test_the_schema_lists_every_channel():
    enum = routing._validator().schema["properties"]["forwarding_limits"]["propertyNames"]["enum"]
    assert set(Channel.values) <= set(enum)


def test_every_category_in_the_rules_is_one_the_classifier_knows():
    known = routing._known_categories()
    rules = routing.read_rules(routing.RULES_FILE, known)  # RulesError names each unknown category
    assert {c for rule in rules.rules for c in rule.categories} <= known
    assert "footpath" in known and routing.category_label("footpath", "th") == "ทางเท้า"
    assert routing.category_label("footpath", "en") == "Footpaths"
    assert routing.category_label("no_such_code", "en") == "no_such_code"


def _problems(data: dict, known=None) -> list[str]:
    with pytest.raises(routing.RulesError) as caught:
        routing.parse_rules(data, "rules.yaml", known)
    return caught.value.problems


def test_a_broken_rule_is_named_by_file_rule_and_field():
    data = shipped()
    index = next(i for i, r in enumerate(data["rules"]) if r["id"] == "bangkok-works")
    data["rules"][index]["to"] = {"local_body": "Works Section"}
    problems = _problems(data)
    assert any(p.startswith(f"rules.yaml: rules[{index}] (id bangkok-works): to") for p in problems), problems


def test_unknown_fields_limits_and_channels_are_refused():
    data = shipped()
    data["rules"][0]["when"] = "always"
    data["forwarding_limits"]["fax"] = {"amount": 1, "unit": "hours"}
    data["resolution_limits"]["default"] = {"amount": -3, "unit": "days"}
    problems = "\n".join(_problems(data))
    assert "rules[0] (id power-utility)" in problems and "when" in problems
    assert "fax" in problems
    assert (
        "rules.yaml: resolution_limits.default.amount: -3 is less than or equal to the minimum of 0"
        in problems
    )


def test_duplicate_ids_unknown_categories_and_empty_hours_are_refused():
    data = shipped()
    twin = copy.deepcopy(data["rules"][1])
    twin["id"] = data["rules"][0]["id"]
    twin["hours"] = {"from": "22:00", "to": "22:00"}
    data["rules"].append(twin)
    data["rules"][0]["categories"] = ["power", "telepathy"]
    known = {c for r in shipped()["rules"] for c in r["categories"]} | set(shipped()["resolution_limits"])
    problems = "\n".join(_problems(data, known))
    last = len(data["rules"]) - 1
    assert f"rules[{last}] (id power-utility): id: the id is used by an earlier rule" in problems
    assert "rules[0] (id power-utility): categories: unknown category “telepathy”" in problems
    assert f"rules[{last}] (id power-utility): hours" in problems


def test_a_file_that_is_not_yaml_is_refused(tmp_path: Path):
    broken = tmp_path / "rules.yaml"
    broken.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(routing.RulesError, match=r"rules\.yaml: not valid YAML"):
        routing.read_rules(broken)


# --- Decisions ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_broken_footpath_in_chatuchak_goes_to_the_district_works_section(places):
    decision = decide("footpath", LAT_YAO_CHATUCHAK)
    assert decision.routed and decision.contact_point.code == "BMA.1030/works"
    assert decision.rule == "bangkok-works"
    out = decision.as_dict()
    assert out["agency"] == {
        "code": "BMA.1030",
        "name_th": "สำนักงานเขตจตุจักร",
        "name_en": "Chatuchak District Office",
    }
    assert "Chatuchak District Office" in out["reason"]["en"] and "Lat Yao" in out["reason"]["en"]
    assert "สำนักงานเขตจตุจักร" in out["reason"]["th"]
    assert out["categories"][0]["code"] == "footpath" and out["categories"][0]["confidence"] == 0.9


@pytest.mark.django_db
def test_other_never_decides_the_best_named_category_does(places):
    """Complainants tick "other" beside the real category; the classifier learns that habit, but no
    unit answers for "other": the best named category decides, if it is sure enough."""
    from pracha.complaints.classifier.vocabulary import OTHER

    assert routing.OTHER == OTHER
    decision = decide([("other", 0.8), ("footpath", 0.6)], LAT_YAO_CHATUCHAK)
    assert decision.routed and decision.category == "footpath" and decision.rule == "bangkok-works"
    assert [c for c, _p in decision.categories] == ["other", "footpath"]  # all are kept for officers
    assert not decide([("other", 0.9)], LAT_YAO_CHATUCHAK).routed
    assert not decide([("other", 0.9), ("footpath", 0.3)], LAT_YAO_CHATUCHAK).routed  # not sure enough


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("place", "utility"),
    [(SUAN_YAI_NONTHABURI, "MEA"), (PAKNAM_SAMUT_PRAKAN, "MEA"), (SI_PHUM_CHIANG_MAI, "PEA")],
)
def test_a_power_cut_goes_to_the_utility_that_serves_the_place(places, place, utility):
    decision = decide("power", place)
    assert decision.contact_point.code == f"{utility}/service"
    assert decision.rule == "power-utility"


@pytest.mark.django_db
def test_the_units_kept_between_bursts_follow_a_change_of_the_registry(places):
    """Routing keeps the registry's answers for a minute across bursts; a change of the coverage
    (one row edited, or the registry reloaded in bulk) is seen by the next decision at once."""
    from pracha.agencies.models import Coverage
    from pracha.agencies.registry import load_agencies

    def unit() -> str:
        return routing.decide(
            Prediction([("power", 0.9)], ("complaint", 0.9), ("normal", 0.8), "test"),
            subdistrict=Subdistrict.objects.select_related("district__province").get(
                code=SUAN_YAI_NONTHABURI
            ),
            at=NOON,
            rules=routing.load_rules(),
            threshold=THRESHOLD,
            units=routing.unit_cache(),
        ).contact_point.code

    assert unit() == "MEA/service" and len(routing.unit_cache())
    Coverage.objects.filter(agency__code="MEA", province_id="12").update(province_id="13")  # bulk: unseen
    assert unit() == "MEA/service"  # still the kept answer
    moved = Coverage.objects.get(agency__code="MEA", province_id="13")
    moved.save()  # one row saved: the registry changed, and no utility covers Nonthaburi now
    assert not len(routing.unit_cache())
    assert unit() == "OPM.OPS/psc-1111"  # so people of the 1111 centre decide
    load_agencies()  # the shipped registry again, in bulk: Nonthaburi is MEA's once more
    assert not len(routing.unit_cache())
    assert unit() == "MEA/service"


@pytest.mark.django_db
@pytest.mark.parametrize(("place", "utility"), [(PAKNAM_SAMUT_PRAKAN, "MWA"), (KHON_KAEN_CITY, "PWA")])
def test_water_supply_goes_to_the_waterworks_that_serve_the_place(places, place, utility):
    assert decide("water_supply", place).contact_point.code == f"{utility}/service"


@pytest.mark.django_db
def test_labour_abroad_needs_no_place(places):
    decision = decide("labour_abroad")
    assert decision.contact_point.code == "MOL.DOE/overseas"


@pytest.mark.django_db
def test_a_local_matter_in_a_province_goes_to_the_local_body_of_the_subdistrict(places):
    city = decide("road", SI_PHUM_CHIANG_MAI)
    assert city.agency.code == local_body_for(SI_PHUM_CHIANG_MAI).code == "CITY.CHIANG-MAI"
    # A subdistrict no municipality covers in the shipped registry: the provincial administration.
    rural = Subdistrict.objects.filter(district__province_id="50").exclude(code__startswith="5001").first()
    decision = decide("garbage", rural.code)
    assert decision.agency.code == local_body_for(rural.code).code == "PAO.50"
    assert decision.rule == "local-matter" and decision.contact_point.code == "PAO.50/main"


@pytest.mark.django_db
def test_noise_goes_to_the_police_at_night_and_to_the_district_by_day(places):
    assert decide("noise", LAT_YAO_CHATUCHAK, at=MIDNIGHT).contact_point.code == "RTP/mpb"
    assert decide("noise", LAT_YAO_CHATUCHAK, at=NOON).contact_point.code == "BMA.1030/environment"
    early = dt.datetime(2026, 3, 11, 5, 59, tzinfo=BANGKOK)
    assert decide("noise", SI_PHUM_CHIANG_MAI, at=early).contact_point.code == "RTP/main"
    assert decide("noise", SI_PHUM_CHIANG_MAI, at=NOON).agency.code == "CITY.CHIANG-MAI"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "place", "unit"),
    [
        ("cables", SUAN_YAI_NONTHABURI, "MEA/service"),
        ("cables", KHON_KAEN_CITY, "PEA/service"),
        ("flooding", LAT_YAO_CHATUCHAK, "BMA/drainage"),
        ("drainage", LAT_YAO_CHATUCHAK, "BMA.1030/works"),
        ("streetlight", LAT_YAO_CHATUCHAK, "BMA.1030/works"),
        ("garbage", LAT_YAO_CHATUCHAK, "BMA.1030/cleanliness"),
        ("obstruction", LAT_YAO_CHATUCHAK, "BMA.1030/city-law"),
        ("traffic_signs", LAT_YAO_CHATUCHAK, "BMA/traffic"),
        ("transport", None, "MOT.DLT/main"),
        ("health", None, "NHSO/main"),
        ("homeless", LAT_YAO_CHATUCHAK, "MSDHS.DSDW/main"),
    ],
)
def test_each_kind_of_problem_reaches_its_unit(places, category, place, unit):
    assert decide(category, place).contact_point.code == unit


@pytest.mark.django_db
def test_traffic_goes_to_the_police(places):
    assert decide("traffic", LAT_YAO_CHATUCHAK).contact_point.code == "RTP/mpb"
    assert decide("traffic", KHON_KAEN_CITY).contact_point.code == "RTP/main"


@pytest.mark.django_db
def test_not_sure_enough_goes_to_human_triage(places):
    decision = decide("footpath", LAT_YAO_CHATUCHAK, conf=0.3)
    assert decision.status == routing.TRIAGE and decision.contact_point.code == "OPM.OPS/psc-1111"
    assert decision.rule == "triage:low_confidence" and decision.category is None
    assert "30%" in decision.reason["en"] and "45%" in decision.reason["en"]


@pytest.mark.django_db
def test_a_place_bound_category_without_a_place_goes_to_triage(places):
    decision = decide("footpath")
    assert decision.rule == "triage:needs_place"
    assert decision.category == "footpath"  # kept: its resolution limit still applies


@pytest.mark.django_db
def test_a_category_no_rule_covers_goes_to_triage_even_if_the_next_one_has_a_rule(places):
    decision = decide([("corruption", 0.8), ("road", 0.7)], LAT_YAO_CHATUCHAK)
    assert decision.rule == "triage:no_rule" and decision.status == routing.TRIAGE


@pytest.mark.django_db
def test_no_category_at_all_goes_to_triage(places):
    decision = decide([])
    assert decision.rule == "triage:low_confidence" and decision.as_dict()["categories"] == []


@pytest.mark.django_db
def test_a_unit_missing_from_the_registry_falls_to_the_next_rule_or_triage(places):
    from pracha.agencies.models import ContactPoint

    ContactPoint.objects.filter(code="MOL.DOE/overseas").delete()
    decision = decide("labour_abroad")
    assert decision.status == routing.TRIAGE
    assert any("labour-abroad: no unit" in n for n in decision.notes)


def test_a_night_window_runs_past_midnight():
    rule = routing.Rule(
        id="x",
        categories=frozenset({"noise"}),
        target=routing.Target("contact_point", contact_point="RTP/main"),
        reason={"th": "x", "en": "x"},
        hours=(dt.time(22, 0), dt.time(6, 0)),
    )
    assert rule.fits_time(dt.datetime(2026, 1, 1, 22, 0, tzinfo=BANGKOK))
    assert rule.fits_time(dt.datetime(2026, 1, 2, 3, 0, tzinfo=BANGKOK))
    assert not rule.fits_time(dt.datetime(2026, 1, 2, 6, 0, tzinfo=BANGKOK))
    # The window is local time: 16:00 UTC is 23:00 in Bangkok.
    assert rule.fits_time(dt.datetime(2026, 1, 1, 16, 0, tzinfo=dt.UTC))
