import pytest

from pracha.consent.agreements import load_agreements
from pracha.core.thai_id import make_thai_id
from pracha.identity.models import Person, User

# The agencies the shipped agreements name (controller and recipients), parents first.
AGENCIES = (
    "MOI",
    "MOI.DOPA",
    "MOL",
    "MOL.SSO",
    "MOL.DOE",
    "MOC",
    "MIND",
    "MOTS",
    "MOAC",
    "BMA",
    "MSDHS",
    "MOF",
    "MFA",
)


@pytest.fixture
def agencies(make_agency):
    made = {}
    for code in AGENCIES:
        parent = made.get(code.rpartition(".")[0]) if "." in code else None
        made[code] = make_agency(code, parent=parent, kind="department" if parent else "ministry")
    return made


@pytest.fixture
def shipped(agencies):
    """The shipped agreements, loaded."""
    return load_agreements()


@pytest.fixture
def make_citizen(db):
    def make(first12: str, name: str = "สมชาย ใจดี") -> User:
        number = make_thai_id(first12)
        person = Person.objects.create(kind=Person.Kind.CITIZEN, id_number=number, name_th=name, name_en=name)
        return User.objects.create_user(username=number, password="correct-horse-battery", person=person)

    return make


@pytest.fixture
def citizen(make_citizen) -> User:
    return make_citizen("110170020345")


@pytest.fixture
def other(make_citizen) -> User:
    return make_citizen("310060045678", "มาลี ศรีสุข")
