"""Identity API: check an ID number, register, and who am I."""

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from pracha.core.errors import PrachaError
from pracha.core.masking import mask_id
from pracha.core.thai_id import id_problem, normalize_id

from . import services
from .models import Person

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
    ial: str = Field(description="Identity assurance (ETDA): IAL1, IAL2.1, IAL2.2 or IAL2.3")
    aal: str = Field(description="Authenticator assurance of this sign-in: AAL1 or AAL2")


def _me(user, request: HttpRequest | None = None) -> dict:
    person = user.person
    assurance = services.assurance_of(user, request)
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
        "ial": assurance.ial,
        "aal": assurance.aal,
    }


@router.post("/register", response={201: MeOut}, auth=None, summary="Create a citizen or juristic account")
def register(request: HttpRequest, payload: RegisterIn):
    user = services.register_person_account(**payload.dict())
    return Status(201, _me(user, request))


@router.get("/me", response=MeOut, auth=django_auth, summary="The signed-in person or officer")
def me(request: HttpRequest):
    return _me(request.user, request)


class PersonIn(Schema):
    kind: str = Field(pattern="^(citizen|juristic|foreigner)$")
    id_number: str = Field(default="", description="13 digits; foreigners without one give a passport")
    passport_number: str = Field(default="", max_length=30)
    nationality: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2, e.g. MM")
    name_th: str = Field(default="", max_length=200)
    name_en: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=20)
    email: str = Field(default="", max_length=254)


class PersonOut(Schema):
    id: int
    kind: str
    id_number: str | None
    passport_number: str
    nationality: str
    name_th: str
    name_en: str
    phone: str
    email: str


@router.post("/people", response={201: PersonOut}, auth=django_auth, summary="Register a person at a counter")
def register_person(request: HttpRequest, payload: PersonIn):
    """Counter and case officers record a person who has no account: a walk-in citizen, a juristic
    person, or a foreigner identified by passport and nationality."""
    return Status(201, services.register_person(request.user, **payload.dict()))


@router.get("/people/lookup", response=PersonOut, auth=django_auth, summary="Look up a person (audited)")
def look_up_person(
    request: HttpRequest, purpose: str, id_number: str = "", passport_number: str = "", nationality: str = ""
):
    """Officers only. `purpose` is required and recorded with the read in the audit log (PDPA)."""
    return services.look_up_person(
        request.user,
        id_number=id_number,
        passport_number=passport_number,
        nationality=nationality,
        purpose=purpose,
    )


class ProofingIn(Schema):
    document: str = Field(pattern="^(id_card|passport|other_official)$", description="what the officer saw")


class ProofingOut(Schema):
    person_id: int
    level: str
    method: str


@router.post(
    "/people/{person_id}/proofing",
    response={201: ProofingOut},
    auth=django_auth,
    summary="Record in-person identity proofing at a counter (IAL2.3)",
)
def proof_in_person(request: HttpRequest, person_id: int, payload: ProofingIn):
    """Counter and case officers only: the person stood in front of them with the document named.
    Raises the person's identity assurance to IAL2.3; audited."""
    if not services.may_handle_people(request.user):
        raise PrachaError("permission_denied", status=403)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise PrachaError("not_found", status=404)
    proofing = services.proof_in_person(request.user, person, document=payload.document)
    return Status(201, {"person_id": person.pk, "level": proofing.level, "method": proofing.method})
