import shutil
import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pracha.agencies.models import Agency, ContactPoint, Coverage
from pracha.agencies.registry import DATA_DIR, RegistryError, import_local_bodies, load_agencies
from pracha.audit.models import AuditRecord

BMA_DISTRICT_UNITS = {"main", "complaints", "works", "cleanliness", "city-law", "registration", "environment"}


def covered_codes(code: str) -> set[str]:
    return {c.area_code for c in Coverage.objects.filter(agency__code=code)}


def test_shipped_data_loads_completely(registry):
    assert Agency.objects.filter(kind="ministry").count() == 20
    labour = {a.code for a in Agency.objects.filter(parent__code="MOL")}
    assert {"MOL.OPS", "MOL.DOE", "MOL.DSD", "MOL.DLPW", "MOL.SSO"} <= labour
    assert Agency.objects.get(code="MOL.DOE").name_en == "Department of Employment"
    for code in (
        "MIND.DIW",
        "MOC.DIT",
        "MOC.DFT",
        "MOC.DBD",
        "MOAC.LDD",
        "MOF.TD",
        "MOF.RD",
        "MOTS.DOT",
        "MOI.DOPA",
        "MOI.DLA",
        "OPM.OCSC",
        "OPM.OPDC",
        "OPM.OCPB",
        "OPM.BB",
        "OPM.NESDC",
        "NACC",
        "NBTC",
        "ECT",
        "OMB",
        "SAO",
        "DGA",
        "ETDA",
        "MEA",
        "PEA",
        "MWA",
        "PWA",
        "EGAT",
        "SRT",
        "BMTA",
        "THP",
        "NT",
        "EXAT",
        "BMA",
        "PATTAYA",
    ):
        assert Agency.objects.filter(code=code, active=True).exists(), code
    assert ContactPoint.objects.get(code="OPM.OPS/psc-1111").phone == "1111"


def test_every_agency_has_a_main_unit(registry):
    without_main = Agency.objects.exclude(contact_points__code__endswith="/main")
    assert list(without_main.values_list("code", flat=True)) == []


def test_bangkok_has_one_office_per_district_with_its_sections(registry):
    offices = Agency.objects.filter(kind="bma_district")
    assert offices.count() == 50
    for office in offices:
        district = office.code.removeprefix("BMA.")
        assert office.parent.code == "BMA"
        assert covered_codes(office.code) == {district}
        units = {cp.code.split("/")[1] for cp in office.contact_points.all()}
        assert units == BMA_DISTRICT_UNITS


def test_utilities_and_local_governments_cover_their_areas(registry):
    metro = {"10", "11", "12"}
    assert covered_codes("MEA") == covered_codes("MWA") == metro
    assert len(covered_codes("PEA")) == len(covered_codes("PWA")) == 74
    assert not covered_codes("PEA") & metro
    assert Agency.objects.filter(kind="pao").count() == 76
    assert covered_codes("PAO.50") == {"50"}
    assert covered_codes("PATTAYA") == {"200402", "200408"}


def test_loading_twice_changes_nothing(registry):
    records = AuditRecord.objects.filter(action="agencies.registry_loaded").count()
    again = load_agencies()
    assert not again.changed
    assert AuditRecord.objects.filter(action="agencies.registry_loaded").count() == records == 1


# -- refusing broken files -------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the shipped data, to break one file at a time."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def add_file(data_dir: Path, text: str, name: str = "zz-extra.yaml") -> None:
    (data_dir / name).write_text(textwrap.dedent(text), encoding="utf-8")


def refusal(data_dir: Path) -> str:
    with pytest.raises(CommandError) as info:
        call_command("load_agencies", data_dir=data_dir)
    return str(info.value)


def test_refuses_a_bad_field_naming_file_entry_and_field(geography, data_dir):
    add_file(
        data_dir,
        """\
        agencies:
          - code: MOL.NEW
            kind: dept
            parent: MOL
            name_th: กองใหม่
            name_en: New division
            contact_points: [{unit: main, name_th: สารบรรณ, name_en: Mail}]
        """,
    )
    message = refusal(data_dir)
    assert "data/zz-extra.yaml: entry 1 (MOL.NEW, line 2): field “kind”: 'dept' is not one of" in message
    assert Agency.objects.count() == 0  # nothing at all was loaded


def test_refuses_missing_fields_and_bad_codes(geography, data_dir):
    add_file(
        data_dir,
        """\
        agencies:
          - code: mol.lower
            kind: department
            name_th: x
            contact_points: [{unit: Main, name_th: a, name_en: b}]
        """,
    )
    message = refusal(data_dir)
    assert "entry 1 (mol.lower, line 2): field “code”" in message
    assert "field “name_en”: is required" in message
    assert "field “contact_points[0].unit”" in message


def test_refuses_unknown_parent_duplicate_code_and_unknown_area(geography, data_dir):
    add_file(
        data_dir,
        """\
        agencies:
          - code: MOL.DOE
            kind: department
            parent: MOL
            name_th: ซ้ำ
            name_en: Duplicate
            contact_points: [{unit: main, name_th: a, name_en: b}]
          - code: ORPHAN
            kind: department
            parent: NO-SUCH-MINISTRY
            name_th: ไม่มีต้นสังกัด
            name_en: Orphan
            contact_points: [{unit: main, name_th: a, name_en: b}, {unit: main, name_th: c, name_en: d}]
            coverage: {areas: ["10", "999999"]}
        """,
    )
    with pytest.raises(RegistryError) as info:
        load_agencies(data_dir)
    problems = {(p.source, p.entry, p.field): p.reason for p in info.value.problems}
    assert problems[("data/zz-extra.yaml", "entry 1 (MOL.DOE, line 2)", "code")].startswith(
        "duplicate code MOL.DOE: also in data/ministries.yaml entry"
    )
    assert problems[("data/zz-extra.yaml", "entry 2 (ORPHAN, line 8)", "parent")] == (
        "unknown parent “NO-SUCH-MINISTRY”"
    )
    assert problems[("data/zz-extra.yaml", "entry 2 (ORPHAN, line 8)", "coverage.areas[1]")] == (
        "unknown area code 999999"
    )
    assert problems[("data/zz-extra.yaml", "entry 2 (ORPHAN, line 8)", "contact_points[1].unit")] == (
        "duplicate unit “main”"
    )
    assert len(problems) == 4


def test_refuses_yaml_that_does_not_parse(geography, data_dir):
    add_file(data_dir, "agencies:\n  - code: [unclosed\n")
    assert "data/zz-extra.yaml: line 3, column 1: not valid YAML" in refusal(data_dir)


def test_refuses_coverage_before_the_geography_is_loaded(db):
    with pytest.raises(RegistryError) as info:
        load_agencies()
    assert "run `pracha load-geography` first" in str(info.value)


def test_an_entry_removed_from_the_files_is_retired_not_deleted(registry, data_dir):
    path = data_dir / "independent.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - code: AGO")
    path.write_text(text[:start], encoding="utf-8")
    result = load_agencies(data_dir)
    assert result.retired == ["AGO"]
    assert Agency.objects.get(code="AGO").active is False


# -- local bodies from CSV -------------------------------------------------------------------------

CSV_HEADER = "code,kind,name_th,name_en,subdistricts,phone\n"


def write_csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "chon-buri.csv"
    path.write_text(CSV_HEADER + textwrap.dedent(body), encoding="utf-8-sig")
    return path


def test_imports_local_bodies_and_maps_places_to_them(registry, tmp_path, out):
    from pracha.agencies.services import local_body_for

    path = write_csv(
        tmp_path,
        """\
        LAO.6200401,sao,องค์การบริหารส่วนตำบลโป่ง,Pong SAO,200404,038000000
        LAO.5200401,municipality,เทศบาลตำบลบางละมุง,Bang Lamung Subdistrict Municipality,200401 200405,
        """,
    )
    call_command("import_local_bodies", str(path), stdout=out)
    assert "2 agencies (2 created" in out.getvalue()
    assert local_body_for("200404").code == "LAO.6200401"
    assert local_body_for("200405").code == "LAO.5200401"
    assert local_body_for("200402").code == "PATTAYA"  # untouched
    assert ContactPoint.objects.get(code="LAO.5200401/main").name_th == "สำนักปลัดเทศบาล"
    assert not import_local_bodies(path).changed  # idempotent


def test_refuses_a_broken_csv_naming_row_and_column(registry, tmp_path):
    path = write_csv(
        tmp_path,
        """\
        LAO.1,township,เทศบาลเมืองหนึ่ง,,200401,
        LAO.2,sao,อบต.สอง,,2004019,
        MOL,sao,ยึดกระทรวง,,200401,
        LAO.3,sao,อบต.สาม,,999999,
        """,
    )
    with pytest.raises(RegistryError) as info:
        import_local_bodies(path)
    text = str(info.value)
    assert "chon-buri.csv: row 2 (LAO.1): field “kind”: 'township' is not one of" in text
    assert "chon-buri.csv: row 3 (LAO.2): field “subdistricts”" in text
    assert "chon-buri.csv: row 4 (MOL): field “code”: MOL is a ministry agency" in text
    assert "chon-buri.csv: row 5 (LAO.3): field “subdistricts[0]”: unknown area code 999999" in text
    assert not Agency.objects.filter(code__startswith="LAO.").exists()


def test_refuses_unknown_columns(registry, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,kind,name,subdistricts\n", encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        import_local_bodies(path)
    text = str(info.value)
    assert "bad.csv: header: field “name”: unknown column" in text
    assert "bad.csv: header: field “name_th”: required column is missing" in text


def test_loading_uses_bulk_statements_not_one_per_agency(geography, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        result = load_agencies()
    assert len(result.created) == Agency.objects.count() > 300
