"""The demo's applications are made by the real services and land in the states it promises."""

from __future__ import annotations

from collections import Counter

from pracha.applications import demo_data
from pracha.applications.models import Application
from pracha.portal import demo


def test_demo_applications_in_every_promised_state(world):
    users = demo.seed()
    line = demo_data.seed(users)
    assert "6 for the demo citizens" in line
    states = Counter(a.case.state if a.case else "draft" for a in Application.objects.select_related("case"))
    assert states == Counter(
        {"completed": 1, "awaiting_payment": 1, "correction": 1, "rejected": 1, "reviewing": 1, "draft": 1}
    )
    issued = Application.objects.get(case__state="completed")
    assert issued.credential_id
    assert demo_data.seed(users) == ""  # once only
