"""Fixtures of the workflow tests: one agency with its officers, a citizen, and the petition process."""

import datetime as dt
from dataclasses import dataclass

import pytest

from pracha.agencies.models import Agency
from pracha.core.calendar import BANGKOK
from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person, User


def bangkok(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BANGKOK)


@dataclass
class Office:
    agency: Agency
    counter: User
    officer: User
    supervisor: User
    citizen: User
    person: Person


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Officers are made by the dozen here; the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def office(make_agency, make_officer) -> Office:
    agency = make_agency("DLA")
    counter = make_officer("counter", agency, role="counter_officer", email="counter@dla.example")
    officer = make_officer("officer", agency, role="case_officer", email="officer@dla.example")
    supervisor = make_officer("boss", agency, role="supervisor", email="boss@dla.example", first_name="Boss")
    person = Person.objects.create(kind="citizen", id_number=make_thai_id("110170012345"), name_th="มานี มีนา")
    citizen = User.objects.create_user(
        username=person.id_number, password="som-tam-pu-2569", person=person, phone="0812345678"
    )
    return Office(agency, counter, officer, supervisor, citizen, person)


@pytest.fixture
def at(monkeypatch):
    """Freeze Django's clock: at(2026, 12, 4, 15) makes timezone.now() that Bangkok time."""
    from django.utils import timezone

    def set_now(*args: int) -> dt.datetime:
        moment = bangkok(*args)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now
