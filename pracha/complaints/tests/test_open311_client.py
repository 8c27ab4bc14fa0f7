"""Open311 as an existing client sees it: the `georeport` package (a GeoReport v2 client from PyPI) over
HTTP against a live server, in both formats. Its XML side parses with xmltodict, as many clients do."""

import pytest
import requests
from georeport import GeoReport

from pracha.complaints import open311, services

TEXT = "ไฟฟ้าส่องสว่างในซอยดับทั้งซอยมาสามคืนแล้ว เดินกลับบ้านมืดมาก"


@pytest.fixture
def filed(transactional_db) -> list[int]:
    return [
        services.file_complaint(channel="web", text=TEXT, anonymous=True, latitude=13.75, longitude=100.5).pk
        for _ in range(2)
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_georeport_client_lists_services_and_follows_requests(live_server, filed, fmt):
    client = GeoReport(f"{live_server.url}/complaints/open311/v2", output_format=fmt)

    listed = client.get_service_list()
    assert [s["service_code"] for s in listed] == list(open311.catalogue())

    found = client.get_service_requests()
    assert sorted(int(r["service_request_id"]) for r in found) == sorted(filed)
    assert {r["status"] for r in found} == {"open"}

    one = client.get_service_request(str(filed[0]))
    assert one["service_request_id"] == str(filed[0])
    assert float(one["lat"]) == pytest.approx(13.75)

    some = client.get_service_requests(service_request_id=str(filed[1]), status="closed")
    assert (some["service_request_id"] if fmt == "xml" else some[0]["service_request_id"]) == str(filed[1])

    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_definition(next(iter(open311.catalogue())))
    assert refused.value.response.status_code == 404
