"""The demo's complaints come from the real Traffy sample through the real services."""

import pytest
from django.core.management import call_command

from pracha.audit.chain import verify
from pracha.complaints import demo_data
from pracha.complaints.models import Complaint


@pytest.mark.django_db
def test_sample_complaints_are_filed_routed_and_taken_through_the_states(places, classifier):
    call_command("load_processes", verbosity=0)
    filed = demo_data.load(60, seed=3)
    assert filed >= 50  # a few sample rows may be refused by intake; most are not
    complaints = Complaint.objects.filter(external_id__startswith="traffy:")
    assert complaints.count() == filed
    assert not complaints.filter(routing=Complaint.Routing.PENDING).exists()
    states = set(complaints.values_list("case__state", flat=True))
    assert {"forwarded", "in_progress", "awaiting_complainant", "rejected", "merged"} <= states
    assert set(complaints.values_list("channel", flat=True)) >= {"web", "line"}
    assert verify().ok
