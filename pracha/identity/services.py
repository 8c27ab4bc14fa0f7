"""Who may see and do what: roles within agency units, scoped to the agency by default."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from pracha.agencies.models import Agency

from .models import OfficerRole, Role, ScopeGrant, User

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
    from pracha.audit.chain import record

    grant, _ = OfficerRole.objects.update_or_create(
        user=user, contact_point_id=contact_point_id, role=role, defaults={"active": True}
    )
    record("identity.role_granted", grant, {"user": user.pk, "contact_point": contact_point_id, "role": role})
    return grant
