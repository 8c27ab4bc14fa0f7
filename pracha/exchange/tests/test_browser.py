"""The hub's pages in a real browser on a phone: the directory in Thai, a service's fields and OpenAPI,
the transactions page (masked), the quality scores."""

from __future__ import annotations

import pytest
from django.test import Client

from pracha.conftest import screenshot
from pracha.exchange import quality_runs

from .conftest import grant
from .test_hub import SSO, hub_get

pytest_plugins = ("pracha_providers.testing",)


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.phone
def test_directory_transactions_and_quality_on_a_phone(page, live_server, hub):
    page.goto("/exchange/")
    page.get_by_label("ค้นหาบริการ").fill("ประกันสังคม")
    page.get_by_role("button", name="ค้นหา").click()
    assert page.get_by_test_id("service-list").locator("li").count() == 1
    screenshot(page, "exchange-directory-phone")
    page.get_by_role("link", name="สถานะผู้ประกันตน", exact=False).first.click()
    assert page.get_by_text("ข้อมูลส่วนบุคคล").first.is_visible()
    screenshot(page, "exchange-service-phone")

    grant(hub, SSO, purpose="licence-check", fields=["insured"])
    hub_get(Client(), hub, SSO, purpose="licence-check")
    hub_get(Client(), hub, SSO, purpose="marketing")
    sign_in(page, live_server, hub.consumer_admin)
    page.goto("/exchange/transactions/")
    table = page.get_by_test_id("transactions")
    assert table.get_by_text("1-1017-XXXXX-XX-0").count() == 2
    assert table.get_by_text("exchange_purpose_not_granted").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 400  # no sideways page scroll
    screenshot(page, "exchange-transactions-phone")

    quality_runs.check_service(hub.services[SSO], sample=300)
    page.goto("/exchange/quality/")
    assert page.get_by_test_id(f"quality-{SSO}").get_by_text("คะแนนคุณภาพ").is_visible()
    screenshot(page, "exchange-quality-phone")
