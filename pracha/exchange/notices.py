"""Who the hub tells, and what: the data owner's admins of a new request, the requester of a decision.
Sent through the notification outbox in the caller's transaction (nothing is told of a rolled-back act)."""

from __future__ import annotations

from django.urls import reverse

from pracha.agencies.models import Agency
from pracha.agencies.services import contact_points_of
from pracha.identity.models import Role, User
from pracha.identity.services import officers_with_role
from pracha.notify.services import notify_user

from .models import AccessRequest, Member


def _admins(agency: Agency) -> set[User]:
    """The agency admins of the agency's units (a new request waits for one of them)."""
    found: set[User] = set()
    for unit in contact_points_of(agency.code):
        found.update(officers_with_role(unit.pk, Role.AGENCY_ADMIN))
    return found


def request_received(req: AccessRequest) -> None:
    link = reverse("exchange:request", args=[req.pk])
    for admin in _admins(req.service.provider.agency):
        notify_user(
            admin,
            subject={"th": "มีคำขอใช้ข้อมูลรอพิจารณา", "en": "A data access request is waiting for you"},
            body={
                "th": f"{req.consumer.agency.name_th} ขอใช้บริการ {req.service.name_th} "
                f"เพื่อ {req.purpose_text} พิจารณาได้ที่ {link}",
                "en": f"{req.consumer.agency.name_en or req.consumer.agency.name_th} asks for "
                f"{req.service.name_en} for: {req.purpose_text}. Decide at {link}",
            },
            related=req,
            agency=req.service.provider.agency,
        )


def request_decided(req: AccessRequest) -> None:
    if req.requested_by is None:
        return
    approved = req.status == AccessRequest.Status.APPROVED
    notify_user(
        req.requested_by,
        subject={
            "th": "คำขอใช้ข้อมูลได้รับอนุมัติ" if approved else "คำขอใช้ข้อมูลไม่ได้รับอนุมัติ",
            "en": "Your data access request was approved"
            if approved
            else "Your data access request was refused",
        },
        body={
            "th": f"{req.service.name_th} ({req.purpose}) {req.decision_reason}".strip(),
            "en": f"{req.service.name_en} ({req.purpose}) {req.decision_reason}".strip(),
        },
        related=req,
        agency=req.consumer.agency,
    )


def member_decided(member: Member) -> None:
    if member.requested_by is None:
        return
    approved = member.status == Member.Status.APPROVED
    notify_user(
        member.requested_by,
        subject={
            "th": "ระบบได้รับอนุมัติเป็นสมาชิกระบบแลกเปลี่ยนข้อมูล" if approved else "การลงทะเบียนระบบไม่ได้รับอนุมัติ",
            "en": "Your system is approved for the data exchange" if approved else "Your system was refused",
        },
        body={
            "th": f"{member.name} {member.decision_reason}".strip(),
            "en": f"{member.name} {member.decision_reason}".strip(),
        },
        related=member,
        agency=member.agency,
    )
