"""On a phone: search the catalogue in Thai, open a service's manual and reach the Apply button."""

import pytest

from pracha.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.phone]


def test_catalogue_and_manual_on_a_phone(page):
    page.goto("/services/")
    assert page.get_by_test_id("services").locator("li").count() == 10  # the first page of results
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    screenshot(page, "services-catalogue-phone")

    page.get_by_label("ต้องการใช้บริการอะไร").fill("ผู้สูงอายุ")
    page.get_by_role("button", name="ค้นหา").click()
    results = page.get_by_test_id("services")
    assert results.locator("li").count() == 1
    results.get_by_role("link", name="ลงทะเบียนขอรับเงินเบี้ยยังชีพผู้สูงอายุ").click()

    assert page.get_by_test_id("service-name").inner_text() == "ลงทะเบียนขอรับเงินเบี้ยยังชีพผู้สูงอายุ"
    assert page.get_by_test_id("total-time").inner_text() == "15 วันทำการ"
    assert page.get_by_test_id("fetchable").count() == 2  # ID card and house registration: no copies
    assert page.get_by_test_id("steps").locator("li").count() == 3
    assert page.get_by_test_id("apply").get_attribute("href").endswith("/elderly-allowance/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "services-manual-phone")

    page.goto("/services/?q=ยานอวกาศ")
    assert page.get_by_test_id("empty-state").is_visible()
    page.get_by_role("link", name="ข้าว").click()
    assert "ขอหนังสืออนุญาตค้าข้าว" in page.get_by_test_id("services").inner_text()
    screenshot(page, "services-search-suggestion-phone")
