"""Routing a complaint queues the duplicate check, and the worker flags a near-identical open one."""

import pytest

from pracha.complaints import services
from pracha.complaints.models import DuplicateCandidate
from pracha.core import queue
from pracha.core.models import Job

TEXT = "ทางเท้าหน้าตลาดนัดจตุจักรชำรุด แผ่นอิฐหลุดเป็นหลุมลึก คนเดินสะดุดล้มหลายคนแล้ว ขอให้ซ่อมด่วน"


@pytest.mark.django_db
def test_route_job_queues_the_duplicate_check_and_the_worker_flags_the_twin(places, classifier):
    from django.core.management import call_command

    call_command("load_processes", verbosity=0)
    first = services.file_complaint(channel="web", text=TEXT, anonymous=True, subdistrict_code="103003")
    twin = services.file_complaint(
        channel="web", text=TEXT + " ด้วยครับ", anonymous=True, subdistrict_code="103003"
    )
    ran = 0
    while jobs := queue.claim():  # what the worker loop does, without closing the test's connection
        for job in jobs:
            assert queue.run_job(job), job.last_error
            ran += 1
    assert ran >= 4  # two routings and two duplicate checks
    assert Job.objects.filter(kind="complaints.flag_duplicates", status=Job.Status.DONE).count() == 2
    flagged = DuplicateCandidate.objects.filter(complaint=twin, candidate=first)
    assert flagged.exists(), "the second complaint should name the first as a likely duplicate"
