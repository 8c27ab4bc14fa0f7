import pytest
from django.conf import settings
from django.urls import reverse

from pracha.agencies.models import Agency


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_directory_in_thai(client, registry):
    page = client.get(reverse("agencies:directory")).content.decode()
    assert "สมุดรายชื่อหน่วยงาน" in page
    assert "กระทรวงแรงงาน" in page
    assert 'data-label="หน่วยงาน"' in page  # phone layout labels, translated
    assert f"{Agency.objects.filter(active=True).count()} หน่วยงาน" in page  # the plural form too


def test_directory_in_english_with_pagination(english, registry):
    response = english.get(reverse("agencies:directory"))
    page = response.content.decode()
    assert "Agency directory" in page and "Ministry of Labour" in page
    assert response.context["page_obj"].paginator.num_pages > 1
    assert 'rel="next"' in page
    second = english.get(reverse("agencies:directory"), {"page": 2}).context["page_obj"]
    assert second.number == 2


def test_directory_search_and_kind_filter(english, registry):
    response = english.get(reverse("agencies:directory"), {"q": "Employment"})
    assert [a.code for a in response.context["page_obj"]] == ["MOL.DOE"]
    response = english.get(reverse("agencies:directory"), {"kind": "pao"})
    assert response.context["page_obj"].paginator.count == 76


def test_search_without_match_shows_the_empty_state(client, registry):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("agencies:directory"), {"q": "no such agency"}).content.decode()
    assert 'data-testid="empty-state"' in page
    assert "No agency matches “no such agency”." in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    thai = client.get(reverse("agencies:directory"), {"q": "ไม่มีหน่วยงานนี้"}).content.decode()
    assert 'data-testid="empty-state"' in thai
    assert "ไม่พบหน่วยงานที่ตรงกับ “ไม่มีหน่วยงานนี้”" in thai


def test_bad_filter_is_a_400_with_the_form_error(english, registry):
    response = english.get(reverse("agencies:directory"), {"kind": "nonsense"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_postal_code_finds_the_local_government(english, registry):
    page = english.get(reverse("agencies:directory"), {"postal": "20150"}).content.decode()
    assert "Nong Prue" in page and reverse("agencies:detail", args=["PATTAYA"]) in page


def test_agency_page(english, registry):
    page = english.get(reverse("agencies:detail", args=["BMA.1001"])).content.decode()
    assert "Phra Nakhon District Office" in page
    assert "Bangkok Metropolitan Administration" in page  # parent
    assert "BMA.1001/works" in page and "Public Works Section" in page
    assert "Phra Nakhon" in page  # area served
    ministry = english.get(reverse("agencies:detail", args=["MOL"])).content.decode()
    assert "Department of Employment" in ministry


def test_unknown_agency_page_is_a_404(client, registry):
    assert client.get(reverse("agencies:detail", args=["NO-SUCH"])).status_code == 404


def test_local_body_page_names_the_subdistricts_it_covers(english, registry):
    page = english.get(reverse("agencies:detail", args=["PATTAYA"])).content.decode()
    assert "Nong Prue" in page and "Na Kluea" in page and "(Bang Lamung)" in page
