import pytest

from pracha.core.queue import claim, run_job
from pracha.identity.models import User

PHONE = "0812345678"
LINE_ID = "U4af4980629e1d3f2a9d1d0a1b2c3d4e5"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Test accounts need no slow password hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_person(db):
    def make(username: str = "somchai", **extra) -> User:
        values = {"email": f"{username}@example.org", "phone": PHONE, "preferred_language": "th", **extra}
        return User.objects.create_user(username=username, password="correct-horse-battery", **values)

    return make


def run_due(me: str = "test-worker") -> list[bool]:
    """What one pass of a worker does: lease the due jobs and run them."""
    return [run_job(j) for j in claim(me=me)]


TEXT = {
    "subject": {"th": "คำขอของท่านได้รับอนุมัติ", "en": "Your request was approved"},
    "body": {"th": "คำขอเลขที่ 123 ได้รับอนุมัติแล้ว", "en": "Request 123 has been approved."},
}
