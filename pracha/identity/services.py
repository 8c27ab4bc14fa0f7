"""Who may see and do what: roles within agency units, scoped to the agency by default."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.audit.chain import record
from pracha.core.errors import PrachaError
from pracha.core.thai_id import id_problem, is_valid_phone, normalize_id, normalize_phone

from .models import OfficerRole, Person, Role, ScopeGrant, User

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
    fields: dict[str, str] = {}
    problem = id_problem(id_number)
    if problem:
        raise PrachaError(problem, fields={"id_number": problem})
    number = normalize_id(id_number)
    if phone and not is_valid_phone(phone):
        raise PrachaError("phone_invalid", fields={"phone": "phone_invalid"})
    if not name_th.strip():
        raise PrachaError("validation_error", fields={"name_th": "required"})
    try:
        validate_password(password, User(username=number))
    except ValidationError as exc:
        fields["password"] = " ".join(exc.messages)
        raise PrachaError("validation_error", fields=fields) from exc
    with transaction.atomic():
        if Person.objects.filter(id_number=number).exists() or User.objects.filter(username=number).exists():
            raise PrachaError("duplicate_id", status=409, fields={"id_number": "duplicate_id"})
        person = Person.objects.create(
            kind=kind,
            id_number=number,
            name_th=name_th.strip(),
            name_en=name_en.strip(),
            email=email,
            phone=normalize_phone(phone),
        )
        user = User.objects.create_user(
            username=number,
            password=password,
            email=email,
            phone=normalize_phone(phone),
            person=person,
            preferred_language=preferred_language if preferred_language in ("th", "en") else "th",
        )
        record("identity.registered", user, {"kind": kind, "person": person.pk})
    return user


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
