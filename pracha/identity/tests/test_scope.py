"""An officer sees only their agency's work unless granted more."""

import pytest

from pracha.agencies.models import Agency
from pracha.identity import services
from pracha.identity.models import ScopeGrant, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(make_agency):
    ministry = make_agency("MIN", kind="ministry")
    dept_a = make_agency("MIN.A", parent=ministry)
    dept_b = make_agency("MIN.B", parent=ministry)
    other = make_agency("OTHER", kind="ministry")
    return ministry, dept_a, dept_b, other


def test_case_officer_sees_own_agency_only(tree, make_officer):
    ministry, dept_a, dept_b, other = tree
    officer = make_officer("a1", dept_a)
    assert services.visible_agency_ids(officer) == {dept_a.pk}
    assert list(services.scope(Agency.objects.all(), officer, agency_field="pk")) == [dept_a]
    assert services.roles_in_agency(officer, dept_a.pk) == {"case_officer"}
    assert services.roles_in_agency(officer, dept_b.pk) == set()


def test_executive_of_a_ministry_sees_its_departments_not_others(tree, make_officer):
    ministry, dept_a, dept_b, other = tree
    boss = make_officer("boss", ministry, role="executive")
    assert services.visible_agency_ids(boss) == {ministry.pk, dept_a.pk, dept_b.pk}
    assert services.roles_in_agency(boss, dept_b.pk) == {"executive"}
    assert not services.can_see_agency(boss, other.pk)


def test_scope_grant_widens_and_expires(tree, make_officer):
    from datetime import timedelta

    from django.utils import timezone

    ministry, dept_a, dept_b, other = tree
    officer = make_officer("a2", dept_a)
    grant = ScopeGrant.objects.create(user=officer, agency=other, reason="joint task force")
    assert services.can_see_agency(officer, other.pk)
    grant.expires_at = timezone.now() - timedelta(minutes=1)
    grant.save()
    assert not services.can_see_agency(officer, other.pk)


def test_platform_admin_sees_everything_and_anonymous_nothing(tree, make_officer):
    admin = make_officer("root", tree[3], role="platform_admin")
    assert services.visible_agency_ids(admin) is None
    from django.contrib.auth.models import AnonymousUser

    assert services.visible_agency_ids(AnonymousUser()) == set()


def test_granting_a_role_is_audited(tree):
    from pracha.audit.chain import verify
    from pracha.audit.models import AuditRecord

    user = User.objects.create_user("newbie", password="x-long-password-1")
    services.grant_role(user, tree[1].contact_points.get().pk, "supervisor")
    rec = AuditRecord.objects.filter(action="identity.role_granted").latest("seq")
    assert '"role":"supervisor"' in rec.data
    assert verify().ok
