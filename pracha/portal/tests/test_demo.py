"""The demo data is created by the real services and covers every state of the petition process."""

import pytest
from django.core.management import call_command

from pracha.audit.chain import verify
from pracha.portal import demo
from pracha.workflow.models import Case, CaseEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_seed_covers_every_state_and_keeps_the_audit_chain_valid():
    call_command("load_geography", verbosity=0)
    call_command("load_agencies", verbosity=0)
    call_command("load_processes", verbosity=0)
    users = demo.seed()
    assert demo.seeded()
    states = set(Case.objects.values_list("state", flat=True))
    assert states == {
        "received",
        "under_review",
        "awaiting_info",
        "awaiting_approval",
        "informing",
        "completed",
        "not_accepted",
        "withdrawn",
    }
    # Backdated cases are past their deadlines; the sweep run by seed() recorded the breaches.
    assert CaseEvent.objects.filter(action="breach").count() >= 2
    assert verify().ok
    assert users["somchai"].check_password(demo.PASSWORD)
    assert "1101700203450" in demo.account_table()
