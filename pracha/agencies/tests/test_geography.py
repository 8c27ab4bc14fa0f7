import geothai
import pytest
from django.core.management import call_command

from pracha.agencies.geography import load_geography
from pracha.agencies.models import District, Province, Subdistrict
from pracha.audit.models import AuditRecord


def geothai_counts() -> tuple[int, int, int]:
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    return len(provinces), len(districts), len(subdistricts)


@pytest.mark.django_db
def test_loads_every_area_geothai_has(out):
    call_command("load_geography", stdout=out)
    counts = (Province.objects.count(), District.objects.count(), Subdistrict.objects.count())
    assert counts == geothai_counts()
    # Thailand has 77 provinces (76 and Bangkok); the other two figures follow DOPA's current list.
    assert counts[0] == 77
    assert "subdistricts: 7436" in out.getvalue() or f"subdistricts: {counts[2]}" in out.getvalue()


@pytest.mark.django_db
def test_rows_carry_dopa_codes_names_and_postal_codes():
    load_geography()
    bangkok = Province.objects.get(code="10")
    assert (bangkok.name_th, bangkok.name_en) == ("กรุงเทพมหานคร", "Bangkok")
    assert bangkok.districts.count() == 50
    palace = Subdistrict.objects.select_related("district__province").get(code="100101")
    assert palace.district.code == "1001" and palace.district.province_id == "10"
    assert palace.postal_codes == "10200"
    assert District.objects.get(code="2004").name_en == "Bang Lamung"


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_repairs_drift():
    first = load_geography()
    assert first.changed and AuditRecord.objects.filter(action="agencies.geography_loaded").count() == 1

    again = load_geography()
    assert not again.changed
    assert AuditRecord.objects.filter(action="agencies.geography_loaded").count() == 1

    Subdistrict.objects.filter(code="100101").update(name_en="Wrong", postal_codes="")
    repaired = load_geography()
    assert repaired.levels["subdistricts"].updated == 1
    assert repaired.levels["subdistricts"].created == 0
    assert Subdistrict.objects.get(code="100101").postal_codes == "10200"


@pytest.mark.django_db
def test_loading_uses_bulk_statements_not_one_per_row(django_assert_max_num_queries):
    # 8,441 areas in a handful of statements: what keeps a full load at well under a second.
    with django_assert_max_num_queries(100):  # SQLite splits big inserts by its variable limit
        load_geography()
