"""Demo applications: the demo citizens' applications for several services, in several states, made
by the real services (so cases, deadlines, invoices, licences, notifications and audit records are
what the platform writes). Also connects each e-service's agency to the data exchange as a consumer
with a grant per service, where the hub has the provider's service published."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from pracha.agencies.models import Agency
from pracha.core.errors import PrachaError
from pracha.identity.models import User

log = logging.getLogger("pracha.applications")

GRANT_DAYS = 3650


def connect_services(admin: User, codes: list[str] | None = None) -> list[str]:
    """Register each service's agency as a consumer of the exchange (approved by `admin`, a platform
    administrator) and grant it the fields its fetchable documents need, with the service's code as
    the purpose. Services whose provider is not published are skipped. Returns "agency:service" done."""
    from pracha.exchange import services as exchange
    from pracha.exchange.models import Grant, Member
    from pracha.services import catalogue

    done = []
    now = timezone.now()
    for definition in catalogue.load_definitions().values():
        if codes is not None and definition.code not in codes:
            continue
        wanted: dict[str, set[str]] = {}
        for doc in definition.fetchable_documents:
            wanted.setdefault(doc.fetch.service, set()).update(doc.fetch.fields)
        if not wanted:
            continue
        agency = Agency.objects.get(code=definition.agency)
        member = Member.objects.filter(
            agency=agency, role__in=[Member.Role.CONSUMER, Member.Role.BOTH]
        ).first()
        if member is None:
            member = exchange.register_member(
                agency=agency,
                code=f"{agency.code.lower().replace('.', '-')}-eservices",
                name=f"{agency.name_en or agency.code} e-services",
                role=Member.Role.CONSUMER,
                contact_email="eservices@pracha.example",
                actor=admin,
            )
            member = exchange.decide_member(member, approve=True, actor=admin)
        for service_code, fields in sorted(wanted.items()):
            try:
                service = exchange.get_service(service_code)
            except PrachaError:  # the provider is not published in this hub
                log.info(
                    "exchange service %s is not published: %s fetches by upload only",
                    service_code,
                    definition.code,
                )
                continue
            if Grant.objects.filter(consumer=member, service=service, purpose=definition.code).exists():
                continue
            request = exchange.request_access(
                service=service,
                consumer=member,
                purpose=definition.code,
                purpose_text=f"{definition.name['en']}: check the applicant's record instead of a copy",
                fields=sorted(fields, key=service.field_names.index),
                valid_from=now - dt.timedelta(days=1),
                valid_until=now + dt.timedelta(days=GRANT_DAYS),
                actor=admin,
            )
            exchange.decide_request(request, approve=True, actor=admin)
            done.append(f"{agency.code}:{service_code}:{definition.code}")
    return done
