import pytest


def error_of(response) -> dict:
    return response.json()["error"]


@pytest.fixture
def api(client):
    return client


def test_unknown_agency_is_a_404_in_the_one_error_format(api, registry):
    response = api.get("/api/agencies/NO-SUCH-AGENCY")
    assert response.status_code == 404
    err = error_of(response)
    assert err["code"] == "unknown_agency"
    assert (
        err["messages"]["en"]
        == "There is no agency with code “NO-SUCH-AGENCY”. Look up codes at /api/agencies."
    )
    assert "NO-SUCH-AGENCY" in err["messages"]["th"] and err["messages"]["th"] != err["messages"]["en"]


def test_list_is_paginated_and_filtered(api, registry):
    page = api.get("/api/agencies", {"kind": "bma_district", "page_size": 20}).json()
    assert page["count"] == 50 and len(page["items"]) == 20
    assert {i["kind"] for i in page["items"]} == {"bma_district"}
    last = api.get("/api/agencies", {"kind": "bma_district", "page_size": 20, "page": 3}).json()
    assert len(last["items"]) == 10
    labour = api.get("/api/agencies", {"parent": "MOL"}).json()
    assert {i["parent"] for i in labour["items"]} == {"MOL"}
    assert api.get("/api/agencies", {"q": "กปน"}).json()["items"][0]["code"] == "MWA"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/agencies?kind=not-a-kind", 422, "validation_error"),
        ("/api/agencies?parent=NOPE", 404, "unknown_agency"),
        ("/api/agencies?page=0", 422, "validation_error"),
        ("/api/agencies/geo/provinces/99/districts", 404, "unknown_area"),
        ("/api/agencies/geo/districts/xx/subdistricts", 404, "unknown_area"),
        ("/api/agencies/geo/locate?subdistrict=000000", 404, "unknown_area"),
        ("/api/agencies/geo/locate?subdistrict=1234567", 422, "validation_error"),
        ("/api/agencies/geo/locate", 422, "validation_error"),
        ("/api/agencies/NOPE/contact-points", 404, "unknown_agency"),
    ],
)
def test_bad_codes_get_a_clear_4xx(api, registry, url, status, code):
    response = api.get(url)
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_detail_has_units_children_and_areas(api, registry):
    office = api.get("/api/agencies/BMA.1001").json()
    assert office["parent"] == "BMA"
    assert {cp["code"] for cp in office["contact_points"]} >= {"BMA.1001/works", "BMA.1001/city-law"}
    assert office["areas"] == [
        {"code": "1001", "level": "district", "name_th": "เขตพระนคร", "name_en": "Phra Nakhon"}
    ]
    ministry = api.get("/api/agencies/MOL").json()
    assert "MOL.DOE" in {c["code"] for c in ministry["children"]}
    units = api.get("/api/agencies/MEA/contact-points").json()
    assert [u["code"] for u in units] == ["MEA/main", "MEA/service"]  # main unit first


def test_geography_endpoints(api, registry):
    provinces = api.get("/api/agencies/geo/provinces").json()
    assert len(provinces) == 77 and provinces[0] == {
        "code": "10",
        "name_th": "กรุงเทพมหานคร",
        "name_en": "Bangkok",
    }
    districts = api.get("/api/agencies/geo/provinces/10/districts").json()
    assert len(districts) == 50
    subs = api.get("/api/agencies/geo/districts/2004/subdistricts").json()
    assert {"code": "200402", "name_th": "หนองปรือ", "name_en": "Nong Prue", "postal_codes": ["20150"]} in subs


def test_locate_gives_the_place_and_its_local_body(api, registry):
    place = api.get("/api/agencies/geo/locate", {"subdistrict": "200402"}).json()
    assert place["province"]["name_en"] == "Chon Buri"
    assert place["district"]["code"] == "2004"
    assert place["postal_codes"] == ["20150"]
    assert place["local_body"]["code"] == "PATTAYA"
