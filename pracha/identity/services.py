"""Who may see and do what: roles within agency units, scoped to the agency by default."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from babel import Locale
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.audit.chain import record, record_read
from pracha.core.errors import ERROR_MESSAGES, PrachaError
from pracha.core.thai_id import id_problem, is_valid_phone, normalize_id, normalize_phone

from .assurance import (  # noqa: F401 (the identity service layer other apps call)
    Assurance,
    assurance_from_acr,
    assurance_of,
    assurance_required,
    proof_against_registry,
    proof_in_person,
    require_assurance,
)
from .models import IAL, OfficerRole, Person, Proofing, Role, ScopeGrant, User

# Roles whose view extends from their agency to every agency below it (a ministry's executive
# sees its departments). Other roles see their own agency only.
CASCADING_ROLES = {Role.EXECUTIVE, Role.AUDITOR, Role.AGENCY_ADMIN}


def is_platform_admin(user: User) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.roles.filter(active=True, role=Role.PLATFORM_ADMIN).exists())
    )


def descendant_ids(agency_ids: Iterable[int]) -> set[int]:
    """The agencies given and every agency below them."""
    found = set(agency_ids)
    frontier = set(found)
    while frontier:
        frontier = set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


def visible_agency_ids(user: User) -> set[int] | None:
    """The agencies whose work this user may see; None means every agency (platform admin)."""
    if not user.is_authenticated:
        return set()
    if is_platform_admin(user):
        return None
    own, cascading = set(), set()
    for agency_id, role in user.roles.filter(active=True).values_list("contact_point__agency_id", "role"):
        (cascading if role in CASCADING_ROLES else own).add(agency_id)
    now = timezone.now()
    grants = ScopeGrant.objects.filter(user=user).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    for agency_id, deep in grants.values_list("agency_id", "include_subagencies"):
        (cascading if deep else own).add(agency_id)
    return own | descendant_ids(cascading)


def scope(queryset: QuerySet, user: User, agency_field: str = "agency") -> QuerySet:
    """Filter any queryset with an agency foreign key down to what the user may see."""
    ids = visible_agency_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{agency_field}__in": ids})


def can_see_agency(user: User, agency_id: int) -> bool:
    ids = visible_agency_ids(user)
    return ids is None or agency_id in ids


def roles_in_agency(user: User, agency_id: int) -> set[str]:
    """The roles a user holds that apply to work of this agency (own or inherited from above)."""
    if not user.is_authenticated:
        return set()
    roles: set[str] = set()
    if is_platform_admin(user):
        roles.add(Role.PLATFORM_ADMIN)
    chain, current = (
        {agency_id},
        Agency.objects.filter(pk=agency_id).values_list("parent_id", flat=True).first(),
    )
    while current:
        chain.add(current)
        current = Agency.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    for cp_agency, role in user.roles.filter(active=True).values_list("contact_point__agency_id", "role"):
        if cp_agency == agency_id or (cp_agency in chain and role in CASCADING_ROLES):
            roles.add(role)
    return roles


def officers_with_role(contact_point_id: int, role: str) -> QuerySet[User]:
    return User.objects.filter(
        roles__contact_point_id=contact_point_id, roles__role=role, roles__active=True, is_active=True
    ).distinct()


def grant_role(user: User, contact_point_id: int, role: str) -> OfficerRole:
    grant, _ = OfficerRole.objects.update_or_create(
        user=user, contact_point_id=contact_point_id, role=role, defaults={"active": True}
    )
    record("identity.role_granted", grant, {"user": user.pk, "contact_point": contact_point_id, "role": role})
    return grant


PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


@lru_cache(maxsize=1)
def nationality_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from Babel's CLDR data (no list typed by hand)."""
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


def _clean_person(
    *,
    kind: str,
    id_number: str = "",
    passport_number: str = "",
    nationality: str = "",
    name_th: str = "",
    name_en: str = "",
    phone: str = "",
    email: str = "",
) -> dict:
    """Validate what identifies and reaches a person; PrachaError names every field to fix."""
    if kind not in Person.Kind.values:
        raise PrachaError("validation_error", fields={"kind": "invalid"})
    fields: dict[str, str] = {}
    number = ""
    if id_number or kind != Person.Kind.FOREIGNER:
        problem = id_problem(id_number)
        if problem:
            fields["id_number"] = problem
        number = normalize_id(id_number)
    passport = re.sub(r"\s", "", passport_number or "").upper()
    if kind == Person.Kind.FOREIGNER and not number:
        if not PASSPORT.match(passport):
            fields["passport_number"] = "passport_invalid"
        if (nationality or "").upper() not in nationality_codes():
            fields["nationality"] = "nationality_invalid"
    if phone and not is_valid_phone(phone):
        fields["phone"] = "phone_invalid"
    if not (name_th.strip() or name_en.strip()):
        fields["name_th"] = "required"
    if fields:
        first = next(iter(fields.values()))
        raise PrachaError(first if first in ERROR_MESSAGES else "validation_error", fields=fields)
    return {
        "kind": kind,
        "id_number": number or None,
        "passport_number": passport if kind == Person.Kind.FOREIGNER else "",
        "nationality": (nationality or "").upper() if kind == Person.Kind.FOREIGNER else "",
        "name_th": name_th.strip(),
        "name_en": name_en.strip(),
        "phone": normalize_phone(phone),
        "email": email.strip(),
    }


def _refuse_duplicate(data: dict) -> None:
    existing = None
    if data["id_number"]:
        existing = Person.objects.filter(id_number=data["id_number"]).first()
    elif data["passport_number"]:
        existing = Person.objects.filter(
            passport_number=data["passport_number"], nationality=data["nationality"]
        ).first()
    if existing is not None:
        field = "id_number" if data["id_number"] else "passport_number"
        raise PrachaError("duplicate_id", status=409, fields={field: "duplicate_id"})


def register_person_account(
    *,
    id_number: str,
    name_th: str,
    password: str,
    kind: str = Person.Kind.CITIZEN,
    name_en: str = "",
    email: str = "",
    phone: str = "",
    preferred_language: str = "th",
) -> User:
    """Self-registration of a citizen or juristic person (identity assurance: self-asserted).

    The 13-digit number is the username. Raises PrachaError with per-field codes for bad input.
    """
    if kind == Person.Kind.FOREIGNER:
        raise PrachaError("validation_error", fields={"kind": "invalid"})
    data = _clean_person(
        kind=kind, id_number=id_number, name_th=name_th, name_en=name_en, phone=phone, email=email
    )
    if not data["name_th"]:
        raise PrachaError("validation_error", fields={"name_th": "required"})
    try:
        validate_password(password, User(username=data["id_number"]))
    except ValidationError as exc:
        raise PrachaError("validation_error", fields={"password": " ".join(exc.messages)}) from exc
    with transaction.atomic():
        _refuse_duplicate(data)
        person = Person.objects.create(**data)
        user = User.objects.create_user(
            username=data["id_number"],
            password=password,
            email=data["email"],
            phone=data["phone"],
            person=person,
            preferred_language=preferred_language if preferred_language in ("th", "en") else "th",
        )
        record("identity.registered", user, {"kind": kind, "person": person.pk})
    return user


# Roles that may register people and look them up at a counter or while handling their case.
PEOPLE_DESK_ROLES = {Role.COUNTER_OFFICER, Role.CASE_OFFICER, Role.SUPERVISOR, Role.AGENCY_ADMIN}


def may_handle_people(user: User) -> bool:
    return is_platform_admin(user) or (
        user.is_authenticated and user.roles.filter(active=True, role__in=PEOPLE_DESK_ROLES).exists()
    )


def register_person(officer: User, **details: str) -> Person:
    """An officer records a person at a counter (a foreigner with a passport, a walk-in citizen).

    The officer has the person and their ID card or passport in front of them: in-person proofing,
    identity assurance IAL2.3.
    """
    if not may_handle_people(officer):
        raise PrachaError("permission_denied", status=403)
    data = _clean_person(**details)
    document = "passport" if data["passport_number"] and not data["id_number"] else "id_card"
    with transaction.atomic():
        _refuse_duplicate(data)
        person = Person.objects.create(**data, ial=IAL.IAL2_3)
        Proofing.objects.create(
            person=person,
            level=IAL.IAL2_3,
            method=Proofing.Method.COUNTER,
            evidence={"document": document},
            officer=officer,
        )
        record(
            "identity.person_registered",
            person,
            {"kind": person.kind, "ial": IAL.IAL2_3, "document": document},
            actor=f"user:{officer.pk}",
        )
    return person


def look_up_person(
    officer: User, *, id_number: str = "", passport_number: str = "", nationality: str = "", purpose: str
) -> Person:
    """Find a person by ID or passport. Reading personal data needs a stated purpose and is audited."""
    if not may_handle_people(officer):
        raise PrachaError("permission_denied", status=403)
    if len((purpose or "").strip()) < 5:
        raise PrachaError("purpose_required", fields={"purpose": "purpose_required"})
    if id_number:
        problem = id_problem(id_number)
        if problem:
            raise PrachaError(problem, fields={"id_number": problem})
        person = Person.objects.filter(id_number=normalize_id(id_number)).first()
    else:
        person = Person.objects.filter(
            passport_number=re.sub(r"\s", "", passport_number).upper(), nationality=nationality.upper()
        ).first()
    if person is None:
        raise PrachaError("not_found", status=404)
    record_read(person, Person.PERSONAL_FIELDS, purpose.strip(), actor=f"user:{officer.pk}")
    return person


def user_of_person(person_id: int | None) -> User | None:
    """The active account of a person, if they have one (to notify an applicant)."""
    if person_id is None:
        return None
    return User.objects.filter(person_id=person_id, is_active=True).first()


def active_user(*, pk: int | None = None, username: str | None = None) -> User | None:
    """An active account by primary key or username; None when there is none."""
    if pk is None and not username:
        return None
    query = User.objects.filter(is_active=True)
    return query.filter(pk=pk).first() if pk is not None else query.filter(username=username).first()
