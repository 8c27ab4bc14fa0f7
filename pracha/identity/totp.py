"""The second factor: an authenticator app (TOTP, RFC 6238) and one-time recovery codes."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from pracha.audit.chain import record
from pracha.core.errors import PrachaError

from .models import RecoveryCode, TotpDevice, User

ISSUER = "Pracha"
RECOVERY_CODES = 10
# A code is accepted in its 30-second step and one step either side (clock drift of phones).
WINDOW = 1


def _fernet() -> Fernet:
    # The secret key encrypts the seeds at rest: a copy of the database alone cannot make codes.
    digest = hashlib.sha256(f"pracha.identity.totp:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _secret(device: TotpDevice) -> str:
    try:
        return _fernet().decrypt(device.secret_encrypted.encode()).decode()
    except InvalidToken as exc:  # the secret key changed: the device must be enrolled again
        raise PrachaError("totp_unreadable", status=409) from exc


def _label(user: User) -> str:
    # Not the 13-digit ID: the label is visible to anyone who sees the phone.
    return user.email or (user.person.name_en if user.person and user.person.name_en else "") or "account"


def start_enrolment(user: User) -> tuple[str, str]:
    """A new unconfirmed device (replacing an unconfirmed one); returns (secret, otpauth URI)."""
    device = getattr(user, "totp", None)
    if device is not None and device.confirmed_at:
        raise PrachaError("totp_already_enrolled", status=409)
    secret = pyotp.random_base32()
    encrypted = _fernet().encrypt(secret.encode()).decode()
    TotpDevice.objects.update_or_create(
        user=user, defaults={"secret_encrypted": encrypted, "confirmed_at": None, "last_step": 0}
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=_label(user), issuer_name=ISSUER)
    return secret, uri


def pending_enrolment(user: User) -> tuple[str, str]:
    """The secret and URI of a device still waiting for its first code (to show the QR again)."""
    device = TotpDevice.objects.get(user=user, confirmed_at__isnull=True)
    secret = _secret(device)
    return secret, pyotp.TOTP(secret).provisioning_uri(name=_label(user), issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111", light="#fff")


def _accept_code(device: TotpDevice, code: str) -> bool:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(_secret(device))
    now = timezone.now()
    step = int(now.timestamp()) // totp.interval
    for offset in range(-WINDOW, WINDOW + 1):
        candidate = step + offset
        if candidate > device.last_step and secrets.compare_digest(totp.at(candidate * totp.interval), code):
            # Only a later step than the last one accepted: the same code cannot be replayed.
            updated = TotpDevice.objects.filter(pk=device.pk, last_step__lt=candidate).update(
                last_step=candidate
            )
            return updated == 1
    return False


def confirm_enrolment(user: User, code: str) -> list[str]:
    """The first code from the app proves it is set up; returns the recovery codes (shown once)."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise PrachaError("totp_not_started", status=409)
    if not _accept_code(device, code):
        raise PrachaError("totp_wrong_code", fields={"code": "totp_wrong_code"})
    with transaction.atomic():
        TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        codes = _new_recovery_codes(user)
        record("identity.totp_enrolled", user, {})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    # Random codes, not passwords: the fast salted hash is enough (pracha.identity.hashers).
    hashes = [make_password(c, hasher="pracha_secret_sha256") for c in codes]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=h) for h in hashes)
    return codes


def verify(user: User, code: str) -> str | None:
    """Check a second factor; returns the method ("otp" or "recovery") or None.

    A recovery code (xxxxxxxx-xxxxxxxx) works once.
    """
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return None
    if _accept_code(device, code):
        return "otp"
    cleaned = (code or "").strip().lower().replace(" ", "")
    if len(cleaned) == 17 and cleaned[8] == "-":
        for recovery in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
            if not check_password(cleaned, recovery.code_hash):
                continue
            # Marked used only if still unused: two requests racing with one code cannot both pass.
            if RecoveryCode.objects.filter(pk=recovery.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            ):
                record("identity.recovery_code_used", user, {})
                return "recovery"
    return None


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def regenerate_recovery_codes(user: User) -> list[str]:
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record("identity.recovery_codes_renewed", user, {})
    return codes


def remove(user: User) -> None:
    """Turn the second factor off (the caller has just checked a code: this session is at AAL2)."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        record("identity.totp_removed", user, {})
