"""Issue, revoke and verify signed credentials (contract G). Other apps call only these functions.

issue(agency=..., kind=..., title={"th", "en"}, holder=person, holder_name=..., claims={...},
      subject=("applications.application", "42"), claim_labels={...}, valid_until=...) -> Credential
credentials_for(subject) -> QuerySet;  revoke(credential, actor=user, reason="...")
verify_pdf(bytes) / verify_jws(token) / verify_id(public_id) -> Verification
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from jwcrypto import jws as jwcrypto_jws
from jwcrypto.common import JWException
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from pracha.agencies.models import Agency
from pracha.audit.chain import record
from pracha.core.errors import PrachaError
from pracha.core.masking import mask_id
from pracha.identity.models import Person, Role, User
from pracha.identity.services import is_platform_admin, roles_in_agency, user_of_person
from pracha.notify.services import notify_user

from . import keys
from .models import Credential, CredentialKey
from .render import public_base_url, render_pdf, verification_url

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_PDF_BYTES = 10 * 1024 * 1024
# Who may revoke a credential of their agency (decision 0954); any role in the agency may download it.
REVOKING_ROLES = {Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN}


# --- Issuing ------------------------------------------------------------------------------------------


def _new_public_id() -> str:
    # 80 random bits in Crockford-like base32, lower case: short enough to type from paper, unguessable.
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def _mask_passport(number: str) -> str:
    return number[:2] + "X" * max(len(number) - 4, 1) + number[-2:] if len(number) > 4 else "X" * len(number)


def holder_id_masked(holder: Person | None) -> str:
    if holder is None:
        return ""
    if holder.id_number:
        return mask_id(holder.id_number)
    return _mask_passport(holder.passport_number) if holder.passport_number else ""


def holder_pseudonym(holder: Person | None, holder_name: str) -> str:
    """The JWS `sub`: a keyed hash of the holder's ID, stable per holder, useless without the platform's
    key (a plain hash of a 13-digit ID is reversed by trying them all); decision 0955."""
    if holder is not None:
        ident = holder.id_number or (
            f"{holder.nationality}:{holder.passport_number}"
            if holder.passport_number
            else f"person:{holder.pk}"
        )
    else:
        ident = f"name:{holder_name}"
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"pracha.credentials", info=b"holder-pseudonym-v1"
    ).derive(keys._master_secret())
    return "urn:pracha:holder:" + hmac.new(key, ident.encode(), hashlib.sha256).hexdigest()[:32]


def _start_of_day(day: dt.date) -> int:
    return int(timezone.make_aware(dt.datetime.combine(day, dt.time.min)).timestamp())


def _issuer(agency: Agency) -> str:
    return f"{public_base_url()}/api/credentials/jwks/{agency.code}"


def _outside_event_loop(function: Callable[..., T], *args: Any) -> T:
    """pyHanko's synchronous API runs its own event loop (asyncio.run), which fails in a thread that
    already runs one (an ASGI server, Playwright's sync API): there, run it in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def _sign_pdf(pdf: bytes, key: CredentialKey, agency: Agency) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name="PrachaSignature",
        subfilter=fields.SigSeedSubFilter.PADES,  # PAdES baseline B-B: CAdES detached, signing-certificate-v2
        md_algorithm="sha256",
        name=agency.name_en or agency.name_th,
        reason="Issued by " + (agency.name_en or agency.name_th),
        location="Thailand",
    )
    signer = keys.pdf_signer(key)
    out = _outside_event_loop(
        lambda: signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    )
    return out.getvalue()


def _sign_jws(payload: dict[str, Any], key: CredentialKey) -> str:
    token = jwcrypto_jws.JWS(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    token.add_signature(
        keys.jws_private(key), None, json.dumps({"alg": "EdDSA", "kid": key.kid, "typ": "JWT"}), None
    )
    return token.serialize(compact=True)


def issue(
    *,
    agency: Agency,
    kind: str,
    title: dict,
    holder: Person | None,
    holder_name: str,
    claims: dict,
    subject: tuple[str, str],
    claim_labels: dict[str, dict] | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    reference: str = "",
) -> Credential:
    """Render, sign (PAdES and JWS) and register a credential. Keys are created on first use."""
    if not (title or {}).get("th"):
        raise PrachaError("credential_title_required")
    if not holder_name.strip():
        raise PrachaError("credential_holder_required")
    if not isinstance(claims, dict):
        raise PrachaError("credential_claims_invalid")
    valid_from = valid_from or timezone.localdate()
    if valid_until and valid_until < valid_from:
        raise PrachaError("credential_dates_invalid")
    # JSON-safe copies (dates and decimals as strings): what is signed is exactly what is stored.
    claims = json.loads(json.dumps(claims, cls=DjangoJSONEncoder))
    labels = {k: dict(v) for k, v in (claim_labels or {}).items() if k in claims}
    pdf_key, jws_key = keys.current_keys(agency)

    public_id, issued_at = _new_public_id(), timezone.now()
    masked = holder_id_masked(holder)
    url = verification_url(public_id)
    unsigned = render_pdf(
        {
            "agency": agency,
            "title_th": title["th"],
            "title_en": title.get("en") or "",
            "holder_name": holder_name,
            "holder_id_masked": masked,
            "claim_rows": [(k, labels.get(k, {}), v) for k, v in claims.items()],
            "valid_from": valid_from,
            "valid_until": valid_until,
            "issued_at": issued_at,
            "reference": reference,
            "public_id": public_id,
            "verification_url": url,
        }
    )
    pdf = _sign_pdf(unsigned, pdf_key, agency)
    payload: dict[str, Any] = {
        "iss": _issuer(agency),
        "sub": holder_pseudonym(holder, holder_name),
        "iat": int(issued_at.timestamp()),
        "nbf": _start_of_day(valid_from),
        "jti": public_id,
        "kind": kind,
        "title": {"th": title["th"], "en": title.get("en") or ""},
        "agency": {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en},
        "holder": {"name": holder_name, "id_masked": masked},
        "claims": claims,
        "claim_labels": labels,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "reference": reference,
        "verification_url": url,
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
    }
    if valid_until:
        payload["exp"] = _start_of_day(valid_until + dt.timedelta(days=1))
    with transaction.atomic():
        credential = Credential.objects.create(
            public_id=public_id,
            agency=agency,
            kind=kind,
            title_th=title["th"],
            title_en=title.get("en") or "",
            holder=holder,
            holder_name=holder_name,
            holder_id_masked=masked,
            claims=claims,
            claim_labels=labels,
            subject_type=subject[0],
            subject_id=str(subject[1]),
            reference=reference,
            valid_from=valid_from,
            valid_until=valid_until,
            issued_at=issued_at,
            pdf_data=pdf,
            pdf_sha256=payload["pdf_sha256"],
            jws=_sign_jws(payload, jws_key),
            pdf_key=pdf_key,
            jws_key=jws_key,
        )
        record(
            "credentials.issued",
            credential,
            {
                "agency": agency.code,
                "kind": kind,
                "subject": f"{subject[0]}:{subject[1]}",
                "pdf_sha256": credential.pdf_sha256,
                "pdf_kid": pdf_key.kid,
                "jws_kid": jws_key.kid,
            },
        )
    return credential


def credentials_for(subject: tuple[str, str]) -> QuerySet[Credential]:
    return Credential.objects.filter(subject_type=subject[0], subject_id=str(subject[1])).select_related(
        "agency"
    )


def credentials_of(person: Person) -> QuerySet[Credential]:
    return Credential.objects.filter(holder=person).select_related("agency")


def get_credential(public_id: str) -> Credential:
    found = Credential.objects.select_related("agency").filter(public_id=public_id.strip().lower()).first()
    if found is None:
        raise PrachaError("credential_not_found", status=404, public_id=public_id[:40])
    return found


# --- Who may do what ----------------------------------------------------------------------------------


def may_download(user: User, credential: Credential) -> bool:
    """The holder, and anyone holding a role in the issuing agency (or above it, for cascading roles)."""
    if not user.is_authenticated:
        return False
    if credential.holder_id and user.person_id == credential.holder_id:
        return True
    return bool(roles_in_agency(user, credential.agency_id))


def may_revoke(user: User, credential: Credential) -> bool:
    return user.is_authenticated and (
        is_platform_admin(user) or bool(roles_in_agency(user, credential.agency_id) & REVOKING_ROLES)
    )


def revoke(credential: Credential, *, actor: User | None, reason: str) -> Credential:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise PrachaError("reason_required", fields={"reason": "reason_required"})
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.revoked_at:
            from pracha.core.thai_dates import format_date

            raise PrachaError("credential_already_revoked", status=409, date=format_date(locked.revoked_at))
        locked.revoked_at, locked.revoked_by, locked.revocation_reason = timezone.now(), actor, reason[:2000]
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        record(
            "credentials.revoked",
            locked,
            {"reason": locked.revocation_reason, "agency": locked.agency.code},
            actor.username if actor else None,
        )
        _tell_holder_of_revocation(locked)
    credential.revoked_at, credential.revoked_by, credential.revocation_reason = (
        locked.revoked_at,
        locked.revoked_by,
        locked.revocation_reason,
    )
    return credential


def _tell_holder_of_revocation(credential: Credential) -> None:
    holder_user = user_of_person(credential.holder_id) if credential.holder_id else None
    if holder_user is None:
        return
    title = {"th": credential.title_th, "en": credential.title_en or credential.title_th}
    notify_user(
        holder_user,
        subject={"th": f"{title['th']} ถูกเพิกถอน", "en": f"Your {title['en']} has been revoked"},
        body={
            "th": f"{credential.agency.name_th} เพิกถอน{title['th']} รหัสตรวจสอบ {credential.public_id} "
            f"เหตุผล: {credential.revocation_reason} ดูรายละเอียดได้ที่ {credential.verification_url}",
            "en": f"{credential.agency.name_en or credential.agency.name_th} revoked your {title['en']} "
            f"(verification ID {credential.public_id}). Reason: {credential.revocation_reason}. "
            f"Details: {credential.verification_url}",
        },
        related=credential,
        agency=credential.agency,
    )


# --- Verifying ----------------------------------------------------------------------------------------

VALID, EXPIRED, REVOKED, NOT_OURS, ALTERED = "valid", "expired", "revoked", "not_issued_by_us", "altered"
RESULT_TEXT = {
    VALID: _("Valid: issued by the agency below and in force."),
    EXPIRED: _("Expired: this credential was issued by the agency below but is no longer in force."),
    REVOKED: _("Revoked: the agency withdrew this credential."),
    NOT_OURS: _("Not issued by us: no agency on Pracha issued this credential."),
    ALTERED: _("Altered: this document or credential was changed after it was signed. Do not rely on it."),
}


@dataclass(frozen=True)
class Verification:
    """What verifying said. `result` is one of valid, expired, revoked, not_issued_by_us, altered."""

    result: str
    method: str  # pdf, jws or id
    credential: Credential | None = None
    signed_by: Agency | None = None  # the agency whose key made the signature that was checked
    signed_at: dt.datetime | None = None
    key_id: str = ""
    # Technical detail (English) for officers and logs, e.g. which check failed; never personal data.
    detail: str = ""
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result == VALID

    @property
    def message(self) -> str:
        return str(RESULT_TEXT[self.result])

    def public(self) -> dict[str, Any]:
        """The answer anyone may see: no personal data beyond what the licence itself shows."""
        from django.utils import translation

        messages = {}
        for lang in ("th", "en"):
            with translation.override(lang):
                messages[lang] = str(RESULT_TEXT[self.result])
        out: dict[str, Any] = {
            "result": self.result,
            "valid": self.ok,
            "method": self.method,
            "message": self.message,
            "messages": messages,
            "detail": self.detail,
            "checks": self.checks,
            "signed_by": self.signed_by.code if self.signed_by else None,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "key_id": self.key_id or None,
            "credential": None,
        }
        c = self.credential
        if c is not None and self.result != ALTERED:
            out["credential"] = {
                "public_id": c.public_id,
                "kind": c.kind,
                "title": {"th": c.title_th, "en": c.title_en},
                "agency": {"code": c.agency.code, "name_th": c.agency.name_th, "name_en": c.agency.name_en},
                "holder_name": c.holder_name,
                "holder_id_masked": c.holder_id_masked,
                "claims": c.claims,
                "claim_labels": c.claim_labels,
                "reference": c.reference,
                "valid_from": c.valid_from.isoformat(),
                "valid_until": c.valid_until.isoformat() if c.valid_until else None,
                "issued_at": c.issued_at.isoformat(),
                "status": c.status,
                "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
                "revocation_reason": c.revocation_reason or None,
                "verification_url": c.verification_url,
            }
        return out


def verify_id(public_id: str) -> Verification:
    found = (
        Credential.objects.select_related("agency")
        .filter(public_id=(public_id or "").strip().lower())
        .first()
    )
    if found is None:
        return Verification(NOT_OURS, "id", detail="no credential with this ID in the registry")
    return Verification(
        found.status, "id", credential=found, signed_by=found.agency, signed_at=found.issued_at
    )


def _looks_like_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def verify_pdf(data: bytes) -> Verification:
    """pyHanko validation against our root CA, then the registry (byte-exact match of what was issued)."""
    if len(data) > MAX_PDF_BYTES:
        raise PrachaError("credential_file_too_large", status=413, mb=MAX_PDF_BYTES // (1024 * 1024))
    if not _looks_like_pdf(data):
        raise PrachaError("credential_not_pdf", fields={"pdf": "credential_not_pdf"})
    issued = (
        Credential.objects.select_related("agency", "pdf_key")
        .filter(pdf_sha256=hashlib.sha256(data).hexdigest())
        .first()
    )
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged file: pyHanko raises many kinds of errors on broken structure
        log.info("credential PDF unreadable: %s", exc)
        return Verification(ALTERED, "pdf", detail=f"the PDF cannot be read: {type(exc).__name__}")
    if not signatures:
        return Verification(NOT_OURS, "pdf", detail="the PDF carries no digital signature")
    signature = signatures[0]
    try:
        signer_cert = signature.signer_cert
        fingerprint = hashlib.sha256(signer_cert.dump()).hexdigest()
        key = (
            CredentialKey.objects.select_related("agency")
            .filter(kind=CredentialKey.Kind.PDF, fingerprint=fingerprint)
            .first()
        )
        # A signature is judged at the moment it was made (the registry's date when we know the document):
        # an agency certificate that has since expired or been rotated still vouches for what it signed.
        moment = issued.issued_at if issued else signature.self_reported_timestamp
        context = ValidationContext(
            trust_roots=keys.trust_roots(), allow_fetching=False, revocation_mode="soft-fail", moment=moment
        )
        status = _outside_event_loop(validate_pdf_signature, signature, context)
    except Exception as exc:  # a signature whose bytes were changed may not even parse
        log.info("credential PDF signature unreadable: %s", exc)
        return Verification(ALTERED, "pdf", detail=f"the signature cannot be checked: {type(exc).__name__}")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    checks = {
        "intact": status.intact,
        "valid": status.valid,
        "trusted": status.trusted,
        "covers_whole_file": whole,
    }
    common = {"method": "pdf", "signed_at": status.signer_reported_dt, "checks": checks}
    if not (status.intact and status.valid):
        return Verification(ALTERED, detail="the signed bytes do not match the signature", **common)
    if not status.trusted or key is None:
        return Verification(NOT_OURS, detail="signed, but not by a key of an agency on Pracha", **common)
    common |= {"signed_by": key.agency, "key_id": key.kid}
    if not whole:
        return Verification(ALTERED, detail="content was added to the file after it was signed", **common)
    if issued is None or issued.pdf_key_id != key.pk:
        # Signed by one of our agencies, intact as far as the signature says, but not the bytes we issued
        # (e.g. the unsigned padding of the signature was changed): not a document from the registry.
        return Verification(ALTERED, detail="the file differs from every document in the registry", **common)
    return Verification(issued.status, credential=issued, **common)


def verify_jws(token: str) -> Verification:
    token = (token or "").strip()
    parsed = jwcrypto_jws.JWS()
    try:
        parsed.deserialize(token)
        header = parsed.jose_header
    except (JWException, ValueError, TypeError) as exc:
        raise PrachaError("credential_jws_malformed", fields={"jws": "credential_jws_malformed"}) from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        return Verification(NOT_OURS, "jws", detail="not an EdDSA signature")
    key = (
        CredentialKey.objects.select_related("agency")
        .filter(kind=CredentialKey.Kind.JWS, kid=str(header.get("kid", "")))
        .first()
    )
    if key is None:
        return Verification(NOT_OURS, "jws", detail="the key id (kid) is not one of ours")
    common = {"method": "jws", "signed_by": key.agency, "key_id": key.kid}
    try:
        parsed.verify(keys.jws_public(key), alg="EdDSA")
        payload = json.loads(parsed.payload)
    except (JWException, ValueError) as exc:
        return Verification(ALTERED, detail=f"the signature does not match: {type(exc).__name__}", **common)
    issued = Credential.objects.select_related("agency").filter(public_id=str(payload.get("jti", ""))).first()
    if issued is None or issued.jws_key_id != key.pk:
        return Verification(NOT_OURS, detail="signed by our key but not in the registry", **common)
    return Verification(issued.status, credential=issued, signed_at=issued.issued_at, **common)


def public_id_from_url(text: str) -> str | None:
    """The verification ID in a QR's text, if it is a link to a verification page (any host)."""
    from urllib.parse import urlparse

    from django.urls import Resolver404, resolve

    path = urlparse(text.strip()).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.kwargs.get("public_id") if match.view_name == "credentials:verify_id" else None


def certificate_pem(key: CredentialKey) -> bytes:
    return x509.load_pem_x509_certificate(key.certificate.encode()).public_bytes(serialization.Encoding.PEM)


def qr_texts(image_data: bytes) -> list[str]:
    """Texts of the QR codes in a photo or screenshot (zxing-cpp; rotation and phone EXIF handled)."""
    import zxingcpp
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image_data)) as opened:
            picture = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise PrachaError("credential_no_qr", fields={"image": "credential_no_qr"}) from exc
    return [found.text for found in zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)]


def verify_qr_image(image_data: bytes) -> Verification:
    texts = qr_texts(image_data)
    if not texts:
        raise PrachaError("credential_no_qr", fields={"image": "credential_no_qr"})
    for text in texts:
        if public_id := public_id_from_url(text):
            return verify_id(public_id)
    raise PrachaError("credential_qr_not_ours", fields={"image": "credential_qr_not_ours"})
