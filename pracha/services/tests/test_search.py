"""Search of the catalogue in Thai (segmented into words) and English."""

import pytest

from pracha.services import catalogue
from pracha.services.search import words

pytestmark = pytest.mark.django_db


def codes(query: str, **filters) -> list[str]:
    return [d.code for d in catalogue.search(query, "th", **filters)]


def test_thai_queries_are_segmented_into_words():
    assert words("ใบอนุญาตค้าข้าว") == ("ใบอนุญาต", "ค้า", "ข้าว")
    assert "การ" not in words("การขออนุญาต")  # a function word in most names


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("ใบอนุญาตค้าข้าว", "rice-trading-licence"),
        ("ข้าว", "rice-trading-licence"),
        ("หมอดิน", "soil-doctor-request"),
        ("ผู้สูงอายุ", "elderly-allowance"),
        ("เบี้ยยังชีพ", "elderly-allowance"),
        ("โรงงาน", "factory-licence"),
        ("ร.ง.4", "factory-licence"),
        ("ใบอนุญาตทำงาน", "work-permit-renewal"),
        ("บำเหน็จ", "worker-abroad-benefit-claim"),
        ("ขาดการติดต่อ", "trace-worker-abroad"),
        ("ที่ราชพัสดุ", "state-property-rent"),
        ("มัคคุเทศก์", "tour-guide-licence"),
        ("ทะเบียนพาณิชย์", "commercial-registration"),
        ("rice", "rice-trading-licence"),
        ("work permits", "work-permit-renewal"),
        ("Factory License", "factory-licence"),
        ("soil doctor", "soil-doctor-request"),
        ("elderly", "elderly-allowance"),
    ],
)
def test_the_service_meant_comes_first(query, first):
    assert codes(query)[0] == first


def test_every_word_must_match_when_some_service_has_them_all():
    assert codes("ใบอนุญาตค้าข้าว") == ["rice-trading-licence"]
    assert set(codes("ดิน")[:2]) == {"soil-health-assessment", "soil-doctor-request"}
    assert "state-property-rent" not in codes("ดิน")  # ที่ดิน (land) is not ดิน (soil)


def test_the_name_weighs_more_than_the_text():
    found = codes("ใบอนุญาต")
    licences = {"rice-trading-licence", "factory-licence", "work-permit-renewal", "tour-guide-licence"}
    assert set(found[:4]) == licences


def test_filters_and_empty_queries():
    doe = ["trace-worker-abroad", "work-permit-renewal", "worker-abroad-benefit-claim"]
    assert codes("", agency="MOL.DOE") == doe
    assert "work-permit-renewal" in codes("", applicant_type="foreigner")
    assert "elderly-allowance" not in codes("", applicant_type="juristic")
    assert set(codes("กรมการจัดหางาน")) == set(doe)  # the agency's name
    assert codes("xyzzy") == []
    assert len(codes("")) == len(catalogue.load_definitions())
