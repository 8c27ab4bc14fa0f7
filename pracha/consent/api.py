"""Consent API: the public directory of data agreements, and a signed-in person's own consents.

Nothing here takes a person as a parameter: the "mine" routes act on the signed-in account's person
only, so no one can read or change another person's consents through the API.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from pracha.core.errors import PrachaError
from pracha.identity.models import Person

from . import services
from .models import ConsentRecord, DataAgreement

router = Router()


def agreement_out(a: DataAgreement) -> dict:
    return {
        "code": a.code,
        "version": a.version,
        "title": a.title,
        "purpose": a.purpose,
        "lawful_basis": a.lawful_basis,
        "lawful_basis_label": str(a.get_lawful_basis_display()),
        "needs_consent": a.needs_consent,
        "legal_reference": a.legal_reference or None,
        "data_categories": a.data_categories,
        "retention": {
            "amount": a.retention_amount,
            "unit": a.retention_unit,
            "note": a.retention_note or None,
        },
        "controller": {
            "code": a.controller.code,
            "name_th": a.controller.name_th,
            "name_en": a.controller.name_en,
        },
        "recipients": [
            {"code": r.code, "name_th": r.name_th, "name_en": r.name_en}
            for r in sorted(a.recipients.all(), key=lambda r: r.code)
        ],
        "withdrawable": a.withdrawable,
        "withdrawal_effect": a.withdrawal_effect,
        "min_consent_version": a.min_consent_version,
    }


def record_out(r: ConsentRecord) -> dict:
    return {
        "seq": r.seq,
        "agreement": r.agreement_code,
        "version": r.agreement_version,
        "action": r.action,
        "channel": r.channel,
        "at": r.at.isoformat(),
        "reason": r.reason,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    }


class Text(Schema):
    th: str
    en: str


class AgencyOut(Schema):
    code: str
    name_th: str
    name_en: str


class Category(Schema):
    code: str
    name: Text
    sensitivity: str


class Retention(Schema):
    amount: int
    unit: str
    note: Text | None


class AgreementOut(Schema):
    code: str
    version: int
    title: Text
    purpose: Text
    lawful_basis: str
    lawful_basis_label: str
    needs_consent: bool
    legal_reference: Text | None
    data_categories: list[Category]
    retention: Retention
    controller: AgencyOut
    recipients: list[AgencyOut]
    withdrawable: bool
    withdrawal_effect: Text
    min_consent_version: int


class RecordOut(Schema):
    seq: int
    agreement: str
    version: int
    action: str
    channel: str
    at: dt.datetime
    reason: str
    prev_hash: str
    hash: str


class ConsentOut(Schema):
    agreement: str
    title: Text
    status: str = Field(description="given, withdrawn, renew (given to an outdated version) or never")
    given: bool
    version: int | None
    at: dt.datetime | None
    channel: str


class WithdrawIn(Schema):
    reason: str = Field("", max_length=services.REASON_MAX)


class UseOut(Schema):
    at: dt.datetime
    consumer_agency: str
    system: str
    service: str
    purpose: str
    fields: list[str]
    outcome: str
    provider_agency: str
    reference: str


class UsePage(Schema):
    total: int
    offset: int
    limit: int
    items: list[UseOut]


class UseQuery(Schema):
    offset: int = Field(0, ge=0)
    limit: int = Field(20, ge=1, le=100)


def _person(request: HttpRequest) -> Person:
    person = getattr(request.user, "person", None)
    if person is None:
        raise PrachaError("consent_person_required", status=403)
    return person


def _state_out(s: services.ConsentState) -> dict:
    return {
        "agreement": s.code,
        "title": s.agreement.title,
        "status": s.status,
        "given": s.given,
        "version": s.version,
        "at": s.at,
        "channel": s.channel,
    }


@router.get("/agreements", response=list[AgreementOut], summary="Every data agreement (newest versions)")
def list_agreements(request: HttpRequest):
    return [agreement_out(a) for a in services.agreements()]


@router.get("/agreements/{code}", response=AgreementOut, summary="One data agreement (newest version)")
def get_agreement(request: HttpRequest, code: str):
    return agreement_out(services.agreement(code))


@router.get("/mine", response=list[ConsentOut], auth=django_auth, summary="My consents")
def my_consents(request: HttpRequest):
    return [_state_out(s) for s in services.consents_of(_person(request))]


@router.get("/mine/history", response=list[RecordOut], auth=django_auth, summary="My consent history")
def my_history(request: HttpRequest):
    return [record_out(r) for r in services.history(_person(request))]


@router.get("/mine/uses", response=UsePage, auth=django_auth, summary="Uses of my data, newest first")
def my_uses(request: HttpRequest, query: Query[UseQuery]):
    uses, total = services.data_uses(_person(request), query.offset, query.limit)
    items = [{**u.__dict__, "fields": list(u.fields)} for u in uses]
    return {"total": total, "offset": query.offset, "limit": query.limit, "items": items}


@router.post(
    "/mine/{code}/give", response={201: RecordOut}, auth=django_auth, summary="Give consent to an agreement"
)
def give(request: HttpRequest, code: str):
    return Status(201, record_out(services.give(_person(request), code, channel="api", actor=request.user)))


@router.post(
    "/mine/{code}/withdraw", response={201: RecordOut}, auth=django_auth, summary="Withdraw consent (at once)"
)
def withdraw(request: HttpRequest, code: str, payload: WithdrawIn):
    record = services.withdraw(
        _person(request), code, channel="api", actor=request.user, reason=payload.reason
    )
    return Status(201, record_out(record))
