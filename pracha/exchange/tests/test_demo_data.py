"""The hub's demo data against the real agency systems: services published, grants for the
e-services' fetches, calls recorded (answered and refused), quality checked."""

from __future__ import annotations

from django.core.management import call_command

from pracha.exchange import demo_data
from pracha.exchange.models import Grant, ProviderService, QualityRun, Transaction
from pracha.identity.models import Person, User

pytest_plugins = ("pracha_providers.testing",)


def test_demo_seed(db, providers, make_officer, settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    call_command("load_geography", verbosity=0)
    call_command("load_agencies", verbosity=0)
    monkeypatch.setattr(demo_data, "demo_config", lambda _path: providers)
    from pracha.agencies.models import Agency

    admin = make_officer(
        "admin", Agency.objects.get(code=settings.PRACHA_IDENTITY_AGENCY), role="platform_admin"
    )
    person = Person.objects.create(kind="citizen", id_number="1101700203450", name_th="สมชาย ใจดี")
    somchai = User.objects.create_user(username=person.id_number, password="x", person=person)
    line = demo_data.seed({"admin": admin, "somchai": somchai})
    assert line.startswith("exchange: 3 provider services")
    assert ProviderService.objects.count() == 3 and Grant.objects.count() == len(demo_data.GRANTS)
    assert QualityRun.objects.count() == 3
    outcomes = sorted(Transaction.objects.values_list("error_code", flat=True))
    # Without the consent app's demo, Somchai has given no consent yet: consent refusals; no grant: refused.
    assert "exchange_not_granted" in outcomes
