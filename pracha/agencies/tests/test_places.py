"""Reference points and the pin look-up: import (counts, unmatched rows), the vote (known khwaeng, far
pins, ties, far clusters), the per-process index, and GET /api/agencies/geo/at."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pracha.agencies import places
from pracha.agencies.models import PlacePoint
from pracha.audit.models import AuditRecord

M_PER_DEG_LAT = 111_195.0
PIN = (13.80, 100.55)  # Chatuchak; the synthetic points are placed around it
LAT_YAO = "103001"
SENA_NIKHOM = "103002"
GRAND_PALACE = "100101"


def north_of(metres: float) -> tuple[float, float]:
    return PIN[0] + metres / M_PER_DEG_LAT, PIN[1]


def south_of(metres: float) -> tuple[float, float]:
    return PIN[0] - metres / M_PER_DEG_LAT, PIN[1]


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_coded(tmp_path: Path, points: list[tuple[tuple[float, float], str]], source: str = "test"):
    rows = [[lat, lng, code] for (lat, lng), code in points]
    path = write_csv(tmp_path / "points.csv", ["latitude", "longitude", "subdistrict_code"], rows)
    return places.import_points(path, source=source)


# --- Import ---------------------------------------------------------------------------------------------


def test_the_traffy_sample_is_imported_with_every_row_accounted_for(traffy_points):
    r = traffy_points
    assert r.source == "traffy/bangkok_complaints_2023q4"
    assert r.rows == 2985
    assert r.imported + r.unmatched_rows + r.ambiguous + r.invalid == r.rows
    # Two thirds of the rows give longitude as latitude; Thailand's ranges do not overlap, so each
    # is read the right way round.
    assert r.swapped == 2000
    assert r.imported == 2985 and r.subdistricts >= 175
    assert PlacePoint.objects.filter(source=r.source).count() == r.imported
    audit = json.loads(AuditRecord.objects.get(action="agencies.place_points_imported").data)
    assert audit["imported"] == r.imported and audit["swapped"] == 2000


def test_names_are_matched_in_thai_forms_and_what_does_not_match_is_counted(tmp_path, geography):
    header = ["ticket_id", "latitude", "longitude", "subdistrict", "district", "province"]
    rows = [
        ["a", 13.8424, 100.5625, "แขวงลาดยาว", "เขตจตุจักร", "กรุงเทพฯ"],
        ["b", 100.5625, 13.8424, "ลาดยาว", "จตุจักร", "จังหวัดกรุงเทพมหานคร"],  # swapped
        ["c", 13.7535, 100.5110, "ป้อมปราบ", "ป้อมปราบศัตรูพ่า", "กรุงเทพมหานคร"],  # cut short
        ["d", 13.7000, 100.6000, "บางจาก", "", "กรุงเทพมหานคร"],  # two khwaeng of this name
        ["e", 13.7000, 100.6000, "ไม่มีแขวงนี้", "จตุจักร", "กรุงเทพมหานคร"],
        ["f", 13.7000, 100.6000, "ลาดยาว", "บางรัก", "กรุงเทพมหานคร"],  # not in that district
        ["g", "", "", "ลาดยาว", "จตุจักร", "กรุงเทพมหานคร"],
        ["h", 48.8566, 2.3522, "ลาดยาว", "จตุจักร", "กรุงเทพมหานคร"],  # Paris
        ["i", 13.8424, 100.5625, "ล\u0e4d\u0e32ผักชี", "หนองจอก", "กทม"],  # SARA AM in two characters
    ]
    result = places.import_points(write_csv(tmp_path / "names.csv", header, rows))
    assert (result.rows, result.imported, result.swapped) == (9, 4, 1)
    assert (result.ambiguous, result.invalid) == (1, 2)
    assert result.unmatched == {
        ("ไม่มีแขวงนี้", "จตุจักร", "กรุงเทพมหานคร"): 1,
        ("ลาดยาว", "บางรัก", "กรุงเทพมหานคร"): 1,
    }
    codes = sorted(PlacePoint.objects.values_list("subdistrict_id", flat=True))
    assert codes == ["100307", "100801", LAT_YAO, LAT_YAO]
    assert "4 of 9 rows imported" in result.summary()


def test_reimporting_a_source_replaces_its_points_and_leaves_other_sources(tmp_path, geography):
    import_coded(tmp_path, [(PIN, LAT_YAO)] * 3, source="first")
    import_coded(tmp_path, [(PIN, SENA_NIKHOM)], source="second")
    again = import_coded(tmp_path, [(PIN, LAT_YAO), ((13.7, 100.5), "999999")], source="first")
    assert again.imported == 1 and again.unmatched == {("999999",): 1}
    assert PlacePoint.objects.filter(source="first").count() == 1
    assert PlacePoint.objects.filter(source="second").count() == 1


def test_a_file_without_coordinates_or_a_place_is_refused(tmp_path, geography):
    path = write_csv(tmp_path / "bad.csv", ["lat", "name"], [[13.7, "x"]])
    with pytest.raises(places.PointFileError, match="needs columns latitude, longitude"):
        places.import_points(path)


def test_the_command_reports_counts_and_unmatched_places(tmp_path, geography):
    header = ["latitude", "longitude", "subdistrict", "district", "province"]
    rows = [[13.8424, 100.5625, "ลาดยาว", "จตุจักร", "กรุงเทพมหานคร"], [13.7, 100.5, "ไม่มี", "", "กทม"]]
    out = io.StringIO()
    call_command("import_place_points", str(write_csv(tmp_path / "p.csv", header, rows)), stdout=out)
    text = out.getvalue()
    assert "not matched (1 rows): ไม่มี /  / กทม" in text
    assert "1 of 2 rows imported as points in 1 subdistricts" in text
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_place_points", str(tmp_path / "missing.csv"))


# --- Look-up --------------------------------------------------------------------------------------------


def test_a_bangkok_pin_finds_its_khwaeng(traffy_points):
    sub, confidence, distance_m = places.subdistrict_at(13.84241, 100.56249)
    assert sub.code == LAT_YAO and sub.district.name_en == "Chatuchak" and confidence >= 0.9
    assert distance_m < 1000
    sub, confidence, distance_m = places.subdistrict_at(13.75007, 100.49131)
    assert sub.code == GRAND_PALACE and sub.district.province.code == "10"


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(18.7883, 98.9853), (12.5, 100.5), (7.88, 98.39), (48.8566, 2.3522), (13.0, 200.0)],
    ids=["chiang-mai", "gulf-of-thailand", "phuket", "paris", "nonsense"],
)
def test_a_pin_far_from_every_point_or_outside_thailand_finds_nothing(traffy_points, lat, lng):
    assert places.subdistrict_at(lat, lng) is None


def test_without_points_every_pin_finds_nothing(geography):
    assert places.subdistrict_at(13.84241, 100.56249) is None


def test_a_far_cluster_does_not_outvote_the_point_at_the_pin(tmp_path, geography):
    far = [(south_of(1300 + 20 * i), SENA_NIKHOM) for i in range(6)]
    import_coded(tmp_path, [(north_of(50), LAT_YAO), *far])
    sub, confidence, distance_m = places.subdistrict_at(*PIN)
    assert sub.code == LAT_YAO and confidence > 0.9 and round(distance_m) == 50


def test_points_beyond_the_maximum_distance_do_not_vote(tmp_path, geography, settings):
    import_coded(tmp_path, [(north_of(1600), LAT_YAO)] * 3)
    assert places.subdistrict_at(*PIN) is None
    settings.PRACHA_PLACE_MAX_DISTANCE_M = 2000
    assert places.subdistrict_at(*PIN)[0].code == LAT_YAO


def test_points_that_disagree_give_no_answer_below_the_confidence_floor(tmp_path, geography, settings):
    import_coded(tmp_path, [(north_of(300), LAT_YAO), (south_of(320), SENA_NIKHOM)])
    assert places.subdistrict_at(*PIN) is None  # about 52 against 48: near a boundary, people decide
    settings.PRACHA_PLACE_MIN_CONFIDENCE = 0.5
    sub, confidence, _d = places.subdistrict_at(*PIN)
    assert sub.code == LAT_YAO and 0.5 < confidence < 0.55


def test_a_tie_goes_to_the_subdistrict_with_the_nearest_point_then_the_lower_code(
    tmp_path, geography, settings
):
    settings.PRACHA_PLACE_MIN_CONFIDENCE = 0.5
    # Both closer than the 25 m floor: equal votes; Sena Nikhom's point is the nearer one.
    import_coded(tmp_path, [(north_of(20), LAT_YAO), (south_of(10), SENA_NIKHOM)])
    sub, confidence, _d = places.subdistrict_at(*PIN)
    assert sub.code == SENA_NIKHOM and confidence == pytest.approx(0.5)
    # Exactly as near on both sides: the lower code, the same answer every time.
    import_coded(tmp_path, [(north_of(200), SENA_NIKHOM), (south_of(200), LAT_YAO)])
    assert places.subdistrict_at(*PIN)[0].code == LAT_YAO


def test_the_index_follows_a_reimport_in_this_process(tmp_path, geography, settings):
    settings.PRACHA_PLACE_RECHECK_SECONDS = 3600
    import_coded(tmp_path, [(north_of(30), LAT_YAO)])
    assert places.subdistrict_at(*PIN)[0].code == LAT_YAO
    import_coded(tmp_path, [(north_of(30), SENA_NIKHOM)])
    assert places.subdistrict_at(*PIN)[0].code == SENA_NIKHOM


def test_points_imported_by_another_process_are_seen_at_the_next_check(tmp_path, geography, settings):
    settings.PRACHA_PLACE_RECHECK_SECONDS = 3600
    assert places.subdistrict_at(*PIN) is None  # the index is built, empty
    lat, lng = north_of(30)
    # Another process's import: rows appear, this process is not told.
    PlacePoint.objects.create(subdistrict_id=LAT_YAO, latitude=lat, longitude=lng, source="other")
    assert places.subdistrict_at(*PIN) is None  # within the recheck interval, the index is kept
    settings.PRACHA_PLACE_RECHECK_SECONDS = 0
    assert places.subdistrict_at(*PIN)[0].code == LAT_YAO


# --- API ------------------------------------------------------------------------------------------------


def test_the_api_answers_a_pins_place_with_its_local_body(client, registry, traffy_points):
    response = client.get("/api/agencies/geo/at", {"lat": "13.84241", "lng": "100.56249"})
    assert response.status_code == 200
    body = response.json()
    assert body["subdistrict"]["code"] == LAT_YAO and body["district"]["code"] == "1030"
    assert body["province"]["code"] == "10" and body["local_body"]["code"] == "BMA.1030"
    assert body["confidence"] >= 0.9 and 0 <= body["distance_m"] < 1000


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"lat": "north", "lng": "100.5"}, 422, "validation_error"),
        ({"lat": "13.8"}, 422, "validation_error"),
        ({"lat": "nan", "lng": "100.5"}, 400, "location_invalid"),
        ({"lat": "48.8566", "lng": "2.3522"}, 400, "location_outside_thailand"),
        ({"lat": "12.5", "lng": "100.5"}, 404, "no_place_at_pin"),
    ],
)
def test_the_api_refuses_what_is_not_a_pin_in_the_one_error_format(
    client, traffy_points, query, status, code
):
    response = client.get("/api/agencies/geo/at", query)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["messages"]["th"] and error["messages"]["th"] != error["messages"]["en"]


# --- Demo and machines without the sample ---------------------------------------------------------------


def test_the_demo_loads_the_traffy_points(geography):
    from pracha.agencies import demo_data

    if places.load_reference_points() is None:
        pytest.skip("the Traffy sample is not on this machine (PRACHA_DATA_DIR)")
    line = demo_data.seed({})
    assert line.startswith("Place points: 2985 of 2985 rows imported")
    assert PlacePoint.objects.count() == 2985  # loading twice replaces, never doubles


def test_without_the_sample_the_demo_loads_nothing_and_pins_find_nothing(geography, settings, tmp_path):
    from pracha.agencies import demo_data

    settings.PRACHA_DATA_DIR = str(tmp_path)
    assert "no Traffy sample" in demo_data.seed({})
    assert places.subdistrict_at(13.84241, 100.56249) is None
