"""Fixtures shared by every app's tests."""

import pytest

from pracha.agencies.models import Agency, ContactPoint
from pracha.identity.models import User
from pracha.identity.services import grant_role


@pytest.fixture
def make_agency(db):
    def make(code: str, parent: Agency | None = None, kind: str = "department") -> Agency:
        agency = Agency.objects.create(
            code=code, name_th=f"หน่วยงาน {code}", name_en=f"Agency {code}", kind=kind, parent=parent
        )
        ContactPoint.objects.create(agency=agency, code=f"{code}/main", name_th="งานหลัก", name_en="Main unit")
        return agency

    return make


@pytest.fixture
def make_officer(db):
    def make(username: str, agency: Agency, role: str = "case_officer", **extra) -> User:
        user = User.objects.create_user(username=username, password="correct-horse-battery", **extra)
        grant_role(user, agency.contact_points.first().pk, role)
        return user

    return make
