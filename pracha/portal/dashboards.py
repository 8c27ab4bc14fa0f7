"""What the home pages show, gathered from each app's service functions."""

from pracha.identity import services as identity
from pracha.identity.models import User


def public_figures() -> dict:
    from pracha.agencies.services import search_agencies

    return {"agencies": search_agencies().count()}


def citizen_home(user: User) -> dict:
    from pracha.workflow.services import cases_of_person

    person = user.person
    cases = cases_of_person(person) if person else []
    return {
        "person": person,
        "requests": [c for c in cases if not c.process_version.code.startswith("complaint")],
        "complaints": [c for c in cases if c.process_version.code.startswith("complaint")],
    }


def officer_home(user: User) -> dict:
    from pracha.notify.services import can_see_outbox
    from pracha.workflow.services import queue_summary

    roles = list(user.roles.filter(active=True).select_related("contact_point__agency"))
    return {
        "roles": roles,
        "summary": queue_summary(user),
        "can_see_outbox": can_see_outbox(user),
        "is_auditor": identity.is_platform_admin(user) or any(r.role == "auditor" for r in roles),
    }
