"""The citizen's manual (คู่มือสำหรับประชาชน) of a service as the pages and the PDF show it: the
definition joined with the owning agency, the data owners documents are fetched from, the Apply link
and the wording of time limits and fees."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pracha.core.calendar import TimeLimit

from .agency_info import AgencyInfo, agency_info
from .catalogue import Document, ServiceDefinition

APPLICANT_TYPES = {
    "citizen": gettext_lazy("Thai citizens"),
    "juristic": gettext_lazy("Juristic persons (companies)"),
    "foreigner": gettext_lazy("Foreigners"),
}
# The agency that owns each data service of the exchange (contract D), for "fetched from ...".
DATA_OWNERS = {"dopa": "MOI.DOPA", "sso": "MOL.SSO", "doe": "MOL.DOE"}


def describe_limit(limit: TimeLimit | None) -> str:
    if limit is None:
        return ""
    n = f"{limit.amount.normalize():f}"
    return {
        "working_days": _("%(n)s working days"),
        "days": _("%(n)s days"),
        "hours": _("%(n)s hours"),
        "working_hours": _("%(n)s working hours"),
    }[limit.unit] % {"n": n}


def baht(amount: Decimal) -> str:
    return _("%(amount)s baht") % {"amount": f"{amount:,.2f}"}


def apply_url(code: str) -> str:
    """The applications app's start page; a plain path while that app's URL is not installed."""
    try:
        return reverse("applications:start", args=[code])
    except NoReverseMatch:
        return f"/applications/new/{code}/"


@dataclass(frozen=True)
class DocumentRow:
    document: Document
    fetched_from: AgencyInfo | None  # the data owner, when the platform can fetch it


@dataclass(frozen=True)
class Manual:
    service: ServiceDefinition
    agency: AgencyInfo
    steps: list[tuple]  # (Step, described time limit)
    documents: list[DocumentRow]
    fees: list[tuple]  # (Fee, described amount)
    fee_total: str
    time_limit: str
    applicant_types: list[str]
    apply_url: str
    valid_for: str


def valid_for_text(valid_for: dict | None) -> str:
    if not valid_for:
        return _("No expiry")
    if "years" in valid_for:
        n = valid_for["years"]
        return ngettext("%(n)s year", "%(n)s years", n) % {"n": n}
    if "months" in valid_for:
        n = valid_for["months"]
        return ngettext("%(n)s month", "%(n)s months", n) % {"n": n}
    n = valid_for["days"]
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}


def fee_summary(service: ServiceDefinition) -> str:
    if service.is_free:
        return _("Free of charge")
    if any(f.amount_field for f in service.fees):
        return _("The amount on your notice")
    return baht(service.fee_total())


def manual(service: ServiceDefinition) -> Manual:
    rows = []
    for doc in service.documents:
        owner = None
        if doc.fetch:
            prefix = doc.fetch.service.split(".", 1)[0]
            owner = agency_info(DATA_OWNERS[prefix]) if prefix in DATA_OWNERS else None
        rows.append(DocumentRow(doc, owner))
    fees = []
    for fee in service.fees:
        if fee.amount_field:
            fees.append((fee, _("as on your notice")))
        elif fee.amount:
            fees.append((fee, baht(fee.amount)))
        else:
            fees.append((fee, _("free")))
    return Manual(
        service=service,
        agency=agency_info(service.agency),
        steps=[(s, describe_limit(s.time_limit)) for s in service.steps],
        documents=rows,
        fees=fees,
        fee_total=fee_summary(service),
        time_limit=describe_limit(service.time_limit),
        applicant_types=[str(APPLICANT_TYPES[t]) for t in service.applicant_types],
        apply_url=apply_url(service.code),
        valid_for=valid_for_text(service.certificate.valid_for) if service.certificate else "",
    )
