"""Assurance levels (ETDA Digital Identity Guideline for Thailand): who the person is, how they signed in.

IAL (ขมธอ. 19-2561, enrolment and identity proofing): IAL1 self-asserted; IAL2.1 and IAL2.2 proofed
remotely against an authoritative source (here the civil registry through the data exchange; 2.2 also
matches the house registration number); IAL2.3 proofed in person at a counter.
AAL (ขมธอ. 20-2561, authentication): AAL1 one factor (password); AAL2 two factors (password and a
TOTP code from an authenticator app). Decision 1101.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from pracha.audit.chain import record
from pracha.core.errors import PrachaError

from .models import IAL, Person, Proofing, TotpDevice, User

IAL_ORDER = [IAL.IAL1, IAL.IAL2_1, IAL.IAL2_2, IAL.IAL2_3]
AAL_ORDER = ["AAL1", "AAL2"]
SESSION_KEY = "identity_auth"


@dataclass(frozen=True)
class Assurance:
    ial: str
    aal: str

    def meets(self, *, ial: str | None = None, aal: str | None = None) -> bool:
        return (ial is None or ial_rank(self.ial) >= ial_rank(ial)) and (
            aal is None or aal_rank(self.aal) >= aal_rank(aal)
        )

    @property
    def acr(self) -> str:
        return acr_of(self.ial, self.aal)


def ial_rank(level: str) -> int:
    return IAL_ORDER.index(level) if level in IAL_ORDER else 0


def aal_rank(level: str) -> int:
    return AAL_ORDER.index(level) if level in AAL_ORDER else 0


def acr_of(ial: str, aal: str) -> str:
    """The `acr` claim: both levels in one value, e.g. "IAL2.1:AAL2" (decision 1101)."""
    return f"{ial}:{aal}"


def assurance_from_acr(acr: str) -> Assurance:
    """The levels in an `acr` claim (e.g. from `ClientIdentity.acr`); IAL1/AAL1 when absent or unknown."""
    ial, _, aal = (acr or "").partition(":")
    return Assurance(ial if ial in IAL_ORDER else "IAL1", aal if aal in AAL_ORDER else "AAL1")


ACR_PART = re.compile(r"^(IAL(?:1|2\.[123]))?:?(AAL[12])?$")


def parse_acr_values(value: str) -> list[tuple[str | None, str | None]]:
    """`acr_values` ("IAL2.1:AAL2 AAL2 IAL2.3") as (ial, aal) minimums; unknown values are ignored."""
    wanted = []
    for part in (value or "").split():
        match = ACR_PART.match(part)
        if match and (match.group(1) or match.group(2)):
            wanted.append((match.group(1), match.group(2)))
    return wanted


def has_totp(user: User) -> bool:
    return user.is_authenticated and TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def assurance_of(user: User, request: HttpRequest | None = None) -> Assurance:
    """The person's identity level, and the authenticator level.

    With the request: the AAL of this session's sign-in. Without it: the highest AAL the account can
    reach (AAL2 once an authenticator app is confirmed).
    """
    if not user.is_authenticated:
        return Assurance("IAL1", "AAL1")
    person = user.person
    ial = person.ial if person is not None and person.ial in IAL_ORDER else "IAL1"
    if request is None:
        return Assurance(ial, "AAL2" if has_totp(user) else "AAL1")
    noted = request.session.get(SESSION_KEY) or {}
    aal = noted.get("aal", "AAL1") if noted.get("user") == user.pk else "AAL1"
    return Assurance(ial, aal)


def note_authentication(request: HttpRequest, user: User, *, amr: list[str]) -> None:
    """Remember how this session authenticated (RFC 8176 method names: pwd, otp, mfa)."""
    aal = "AAL2" if "otp" in amr else "AAL1"
    methods = [*amr, "mfa"] if aal == "AAL2" and "mfa" not in amr else list(amr)
    request.session[SESSION_KEY] = {
        "user": user.pk,
        "aal": aal,
        "amr": methods,
        "at": int(timezone.now().timestamp()),
    }


def session_authentication(request: HttpRequest) -> dict[str, Any]:
    """This session's sign-in (for the authorization endpoint): aal, amr, auth_time."""
    noted = request.session.get(SESSION_KEY) or {}
    if noted.get("user") != request.user.pk:
        noted = {"aal": "AAL1", "amr": ["pwd"], "at": int(timezone.now().timestamp())}
    return {
        "aal": noted["aal"],
        "amr": noted["amr"],
        "auth_time": dt.datetime.fromtimestamp(noted["at"], tz=dt.UTC),
        "ial": assurance_of(request.user).ial,
    }


def step_up_url(request: HttpRequest, *, ial: str | None = None, aal: str | None = None) -> str | None:
    """Where to send a person below the level, with a way back; None when they meet it."""
    have = assurance_of(request.user, request)
    back = request.get_full_path()
    if aal and not have.meets(aal=aal):
        target = "identity:step_up" if has_totp(request.user) else "identity:security"
        return f"{reverse(target)}?{urlencode({'next': back, 'aal': aal})}"
    if ial and not have.meets(ial=ial):
        return f"{reverse('identity:proofing')}?{urlencode({'next': back, 'ial': ial})}"
    return None


def require_assurance(
    request: HttpRequest, *, ial: str | None = None, aal: str | None = None
) -> HttpResponse | None:
    """None when the signed-in person meets the levels; otherwise the redirect to step up (and back)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    url = step_up_url(request, ial=ial, aal=aal)
    return HttpResponseRedirect(url) if url else None


def assurance_required(*, ial: str | None = None, aal: str | None = None) -> Callable:
    """View decorator: `@assurance_required(aal="AAL2")`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return require_assurance(request, ial=ial, aal=aal) or view(request, *args, **kwargs)

        return wrapped

    return decorate


# --- Identity proofing ------------------------------------------------------------------------------

# The authoritative registry: a function from a 13-digit ID to the civil-registry record (fields of the
# exchange's `dopa.population_record`) or None when there is no such person. Replaceable (set_registry).
RegistryLookup = Callable[[Person, User], dict | None]
REGISTRY_FIELDS = ["id_number", "first_name", "last_name", "birth_date", "house_registration_no", "status"]
MAX_FAILED_CHECKS_PER_DAY = 5


def _registry_through_exchange(person: Person, actor: User) -> dict | None:
    """Ask the civil registry through the data exchange hub, like any consumer (grant, purpose, audit)."""
    try:
        from pracha.exchange.services import fetch  # the hub is a sibling common service
    except ImportError as exc:
        raise PrachaError("registry_unavailable", status=503) from exc
    from pracha.agencies.services import get_agency

    result = fetch(
        consumer_agency=get_agency(settings.PRACHA_IDENTITY_AGENCY),
        service_code="dopa.population_record",
        id_number=person.id_number,
        purpose="identity_proofing",
        fields=REGISTRY_FIELDS,
        person=person,
        actor=actor,
    )
    return result.data or None


_registry: list[RegistryLookup] = [_registry_through_exchange]


def set_registry(lookup: RegistryLookup) -> RegistryLookup:
    """Use another authoritative source (returns the previous one, to put back)."""
    previous = _registry[0]
    _registry[0] = lookup
    return previous


def _same_name(record_: dict, person: Person) -> bool:
    registry_name = " ".join(f"{record_.get('first_name', '')} {record_.get('last_name', '')}".split())
    own = " ".join((person.name_th or "").split())
    # People often write a title (นาย, นาง, นางสาว) before their name; the registry keeps it apart.
    for title in ("นางสาว", "นาย", "นาง", "ด.ช.", "ด.ญ."):
        if own.startswith(title):
            own = own[len(title) :].strip()
            break
    return bool(registry_name) and registry_name == own


def _raise_level(person: Person, level: str, method: str, evidence: dict, officer: User | None) -> Proofing:
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        proofing = Proofing.objects.create(
            person=person, level=level, method=method, evidence=evidence, officer=officer
        )
        if ial_rank(level) > ial_rank(person.ial):
            person.ial = level
            person.save(update_fields=["ial"])
        record(
            "identity.proofed",
            person,
            {"level": level, "method": method, "evidence": evidence},
            actor=f"user:{officer.pk}" if officer else None,
        )
    return proofing


def proof_against_registry(user: User, *, birth_date: dt.date, house_registration_no: str = "") -> Proofing:
    """Remote proofing: the account's name and the birth date the person gives must match the registry.

    IAL2.1 when they do; IAL2.2 when the house registration number (printed in the house book, not on
    the card) matches too. A mismatch is refused and audited; after five a day the check is closed.
    """
    person = user.person
    if person is None or not person.id_number:
        raise PrachaError("proofing_needs_id", status=400)
    failures_key = f"identity.proofing_failures.{person.pk}.{timezone.localdate()}"
    if (cache.get(failures_key) or 0) >= MAX_FAILED_CHECKS_PER_DAY:
        raise PrachaError("proofing_too_many", status=429)
    registry_record = _registry[0](person, user)
    matched = {
        "found": registry_record is not None,
        "alive": bool(registry_record) and registry_record.get("status", "alive") == "alive",
        "name": bool(registry_record) and _same_name(registry_record, person),
        "birth_date": bool(registry_record)
        and str(registry_record.get("birth_date")) == birth_date.isoformat(),
    }
    if not all(matched.values()):
        cache.set(failures_key, (cache.get(failures_key) or 0) + 1, 86400)
        record("identity.proofing_failed", person, {"method": "registry", "checks": matched})
        raise PrachaError("proofing_mismatch", status=422)
    house = re.sub(r"\D", "", house_registration_no or "")
    level = IAL.IAL2_1
    if house and house == re.sub(r"\D", "", str(registry_record.get("house_registration_no", ""))):
        level = IAL.IAL2_2
        matched["house_registration_no"] = True
    if person.birth_date is None:
        Person.objects.filter(pk=person.pk).update(birth_date=birth_date)
    return _raise_level(person, level, Proofing.Method.REGISTRY, {"checks": matched}, None)


def proof_in_person(officer: User, person: Person, *, document: str) -> Proofing:
    """IAL2.3: an officer at a counter saw the person and their identity document."""
    from .services import may_handle_people

    if not may_handle_people(officer):
        raise PrachaError("permission_denied", status=403)
    if document not in {"id_card", "passport", "other_official"}:
        raise PrachaError("validation_error", fields={"document": "invalid"})
    return _raise_level(person, IAL.IAL2_3, Proofing.Method.COUNTER, {"document": document}, officer)
