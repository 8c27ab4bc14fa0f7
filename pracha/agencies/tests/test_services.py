import pytest

from pracha.agencies import services
from pracha.agencies.models import Agency
from pracha.core.errors import PrachaError


def test_local_body_in_bangkok_is_the_district_office(registry):
    body = services.local_body_for("100101")  # Phra Borom Maha Ratchawang, Phra Nakhon
    assert body.code == "BMA.1001"
    assert body.name_th == "สำนักงานเขตพระนคร"
    assert services.local_body_for("105002").code == "BMA.1050"  # Bang Bon Nuea


def test_local_body_in_pattaya_is_pattaya_city(registry):
    assert services.local_body_for("200402").code == "PATTAYA"  # Nong Prue
    assert services.local_body_for("200408").code == "PATTAYA"  # Na Kluea


def test_local_body_elsewhere_is_the_municipality_or_else_the_pao(registry):
    assert services.local_body_for("200401").code == "PAO.20"  # Bang Lamung, outside Pattaya
    assert services.local_body_for("500101").code == "CITY.CHIANG-MAI"  # Si Phum
    assert services.local_body_for("500110").code == "PAO.50"
    assert services.local_body_for("840406").code == "CITY.KO-SAMUI"  # covered through its district


def test_local_body_for_a_bad_code_is_a_404(registry):
    for code in ("999999", "10", "abc", ""):
        with pytest.raises(PrachaError) as info:
            services.local_body_for(code)
        assert (info.value.code, info.value.status) == ("unknown_area", 404)


def test_local_body_without_agency_data_says_so(geography):
    with pytest.raises(PrachaError) as info:
        services.local_body_for("100101")
    assert info.value.code == "no_local_body"


def test_mea_serves_bangkok_and_pea_serves_chiang_mai(registry):
    assert [a.code for a in services.agencies_covering("100101", codes=["MEA", "PEA"])] == ["MEA"]
    assert [a.code for a in services.agencies_covering("110101", codes=["mea", "pea"])] == ["MEA"]
    assert [a.code for a in services.agencies_covering("500101", codes=["MEA", "PEA"])] == ["PEA"]
    assert [a.code for a in services.agencies_covering("500101", codes=["MWA", "PWA"])] == ["PWA"]


def test_agencies_covering_puts_the_most_specific_first(registry):
    covering = [a.code for a in services.agencies_covering("120101")]
    assert covering[0] == "CITY.NONTHABURI"
    assert set(covering) == {"CITY.NONTHABURI", "MEA", "MWA", "PAO.12"}
    assert [a.code for a in services.agencies_covering("120101", kind="pao")] == ["PAO.12"]


PLACES = ["100101", "105002", "200402", "200401", "500101", "500110", "840406", "120101"]


def test_a_registry_view_answers_as_the_registry_does_and_reads_a_burst_of_places_in_two_queries(
    registry, django_assert_num_queries
):
    from pracha.agencies.models import Subdistrict

    places = list(Subdistrict.objects.select_related("district").filter(code__in=PLACES))
    view = services.RegistryView()
    with django_assert_num_queries(2):  # their coverage, then the units of the agencies covering them
        view.prefetch([*places, places[0]])
    with django_assert_num_queries(0):
        view.prefetch(places)  # all kept
    for code in PLACES:
        services.get_area(code)  # the areas by code are kept per process anyway

    def answers(registry) -> list:
        out = []
        for code in PLACES:
            covering = registry.agencies_covering(code)
            out += [
                registry.local_body_for(code),
                covering,
                registry.agencies_covering(code, kind="pao"),
                registry.agencies_covering(code, codes=["mea", "PEA"]),
                [units(registry, agency) for agency in covering],
            ]
        return out

    def units(registry, agency: Agency) -> list:
        if registry is services:
            return services.contact_points_of(agency.code)
        return registry.units_of(agency)

    with django_assert_num_queries(0):
        kept = answers(view)
    assert kept == answers(services)
    with pytest.raises(PrachaError) as info:
        view.local_body_for("999999")
    assert info.value.code == "unknown_area"


def test_a_registry_view_leaves_out_what_is_inactive(registry):
    from pracha.agencies.models import ContactPoint

    Agency.objects.filter(code="CITY.NONTHABURI").update(active=False)
    ContactPoint.objects.filter(code="MEA/service").update(active=False)
    view = services.RegistryView()
    assert view.local_body_for("120101").code == "PAO.12"
    mea = next(a for a in view.agencies_covering("120101") if a.code == "MEA")
    assert "MEA/service" not in [cp.code for cp in view.units_of(mea)]
    assert view.units_of(mea)[0].code == "MEA/main"


def test_get_agency_and_area(registry):
    assert services.get_agency("mol.doe").name_en == "Department of Employment"
    with pytest.raises(PrachaError) as info:
        services.get_agency("NO-SUCH")
    assert (info.value.code, info.value.status, info.value.params) == (
        "unknown_agency",
        404,
        {"code": "NO-SUCH"},
    )
    assert services.get_area("20").name_en == "Chon Buri"
    assert services.get_area("2004").name_en == "Bang Lamung"
    assert services.get_area("200402").name_en == "Nong Prue"
    with pytest.raises(PrachaError):
        services.get_area("1")


def test_areas_are_kept_by_code_until_the_geography_changes(registry, django_assert_num_queries):
    """Intake looks an area up for every complaint: the second look-up reads no row, and a change of
    the geography (one row saved, or the whole of it reloaded) is seen at once."""
    from pracha.agencies.geography import load_geography
    from pracha.agencies.models import Subdistrict

    first = services.get_area("200402")
    with django_assert_num_queries(0):
        assert services.get_area("200402") is first and first.district.province.name_en == "Chon Buri"
    row = Subdistrict.objects.get(code="200402")
    row.name_en = "Nong Prue (renamed)"
    row.save()
    assert services.get_area("200402").name_en == "Nong Prue (renamed)"
    load_geography()  # geothai's names again, in bulk
    assert services.get_area("200402").name_en == "Nong Prue"
    with pytest.raises(PrachaError):
        services.get_area("209999")  # an unknown code is never kept


def test_search_by_abbreviation_name_and_kind(registry):
    assert services.search_agencies("กฟน").first().code == "MEA"
    assert services.search_agencies("doe").first().code == "MOL.DOE"  # exact abbreviation first
    assert services.search_agencies("Department of Employment").first().code == "MOL.DOE"
    assert set(services.search_agencies(kind="ministry").values_list("kind", flat=True)) == {"ministry"}
    assert services.search_agencies(parent="BMA").count() == 50
    assert not services.search_agencies("ไม่มีหน่วยงานนี้").exists()
    Agency.objects.filter(code="AGO").update(active=False)
    assert not services.search_agencies("AGO").filter(code="AGO").exists()


def test_contact_point(registry):
    assert services.contact_point("BMA.1001/works").name_th == "ฝ่ายโยธา"
    assert services.contact_point("bma.1001/WORKS").code == "BMA.1001/works"
    with pytest.raises(PrachaError) as info:
        services.contact_point("BMA.1001/nothing")
    assert info.value.code == "unknown_contact_point"


def test_places_with_postal_code(registry):
    places = services.places_with_postal_code("20150")
    assert {p["subdistrict"].code for p in places} >= {"200401", "200402"}
    assert {p["local_body"].code for p in places if p["subdistrict"].code == "200402"} == {"PATTAYA"}
    assert services.places_with_postal_code("2015") == []
