"""Identity API: check an ID number, register, and who am I."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth
from pydantic import Field

from pracha.core.errors import PrachaError
from pracha.core.masking import mask_id
from pracha.core.thai_id import id_problem, normalize_id

from . import services

router = Router()


class IdIn(Schema):
    id_number: str = Field(description="13 digits; spaces and dashes are ignored")


class IdOut(Schema):
    valid: bool
    id_number: str


@router.post("/check-id", response=IdOut, auth=None, summary="Check a 13-digit ID number's check digit")
def check_id(request: HttpRequest, payload: IdIn):
    problem = id_problem(payload.id_number)
    if problem:
        raise PrachaError(problem, fields={"id_number": problem})
    return {"valid": True, "id_number": normalize_id(payload.id_number)}


class RegisterIn(Schema):
    id_number: str
    name_th: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    kind: str = Field(default="citizen", pattern="^(citizen|juristic)$")
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=20)
    password: str
    preferred_language: str = Field(default="th", pattern="^(th|en)$")


class RoleOut(Schema):
    role: str
    contact_point: str
    agency: str


class MeOut(Schema):
    username: str
    kind: str
    id_number_masked: str
    name: str
    preferred_language: str
    roles: list[RoleOut]


def _me(user) -> dict:
    person = user.person
    roles = [
        {"role": r.role, "contact_point": r.contact_point.code, "agency": r.contact_point.agency.code}
        for r in user.roles.filter(active=True).select_related("contact_point__agency")
    ]
    return {
        "username": user.username if not person else mask_id(user.username),
        "kind": person.kind if person else "officer",
        "id_number_masked": mask_id(person.id_number) if person and person.id_number else "",
        "name": (person.name_th if person else user.get_full_name()) or user.username,
        "preferred_language": user.preferred_language,
        "roles": roles,
    }


@router.post("/register", response={201: MeOut}, auth=None, summary="Create a citizen or juristic account")
def register(request: HttpRequest, payload: RegisterIn):
    user = services.register_person_account(**payload.dict())
    return 201, _me(user)


@router.get("/me", response=MeOut, auth=django_auth, summary="The signed-in person or officer")
def me(request: HttpRequest):
    return _me(request.user)
