"""Keys: the platform root CA, each agency's PDF signing certificate (ECDSA P-256) and JWS key (Ed25519).

Private keys are stored encrypted with Fernet under a key derived by HKDF from PRACHA_CREDENTIAL_KEY
(or SECRET_KEY when that is unset), decision 0951. Rotation makes a new key current; the old one stays
so that what it signed keeps verifying (decision 0952).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import secrets
import threading

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwcrypto import jwk
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pracha.agencies.models import Agency
from pracha.audit.chain import record

from .models import CredentialKey

ROOT_VALIDITY = dt.timedelta(days=20 * 365)
# An agency key signs for a few years; it must outlive nothing: signatures are validated at the moment
# the registry says the credential was issued (services.verify_pdf), not today.
AGENCY_VALIDITY = dt.timedelta(days=5 * 365)
Kind = CredentialKey.Kind


# --- Encryption of private keys at rest ---------------------------------------------------------------


def _master_secret() -> bytes:
    # A key of its own in production (so rotating SECRET_KEY does not lock the signing keys away).
    own = getattr(settings, "PRACHA_CREDENTIAL_KEY", "") or os.environ.get("PRACHA_CREDENTIAL_KEY", "")
    return (own or settings.SECRET_KEY).encode()


_fernets: dict[bytes, Fernet] = {}


def _fernet() -> Fernet:
    secret = _master_secret()
    if secret not in _fernets:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=b"pracha.credentials", info=b"private-keys-v1"
        ).derive(secret)
        _fernets[secret] = Fernet(base64.urlsafe_b64encode(derived))
    return _fernets[secret]


def encrypt_private(pkcs8_der: bytes) -> bytes:
    return _fernet().encrypt(pkcs8_der)


def decrypt_private(token: bytes | memoryview) -> bytes:
    return _fernet().decrypt(bytes(token))


def _pkcs8(private_key) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


# --- Generation -----------------------------------------------------------------------------------------


def _kid(prefix: str, kind: str) -> str:
    return f"{prefix}.{kind}.{timezone.now():%Y%m%d}.{secrets.token_hex(3)}"


def _cert_fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=signer,  # non-repudiation: what PDF validators look for in a document signer
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def _create_root() -> CredentialKey:
    now = timezone.now()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pracha digital government platform"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Pracha Root CA {now:%Y}"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    created = CredentialKey.objects.create(
        kind=Kind.ROOT_CA,
        kid=_kid("pracha", "root"),
        algorithm="ES256",
        certificate=cert.public_bytes(serialization.Encoding.PEM).decode(),
        fingerprint=_cert_fingerprint(cert),
        private_key=encrypt_private(_pkcs8(key)),
        valid_from=cert.not_valid_before_utc,
        valid_until=cert.not_valid_after_utc,
    )
    record("credentials.key_created", created, {"kind": created.kind, "kid": created.kid})
    return created


def _agency_pdf_key(agency: Agency, root: CredentialKey) -> CredentialKey:
    now = timezone.now()
    root_cert = x509.load_pem_x509_certificate(root.certificate.encode())
    root_key = serialization.load_der_private_key(decrypt_private(root.private_key), None)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name_th[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency.code),
            x509.NameAttribute(NameOID.COMMON_NAME, (agency.name_en or agency.name_th)[:64]),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + AGENCY_VALIDITY, root_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_cert.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    return CredentialKey(
        kind=Kind.PDF,
        agency=agency,
        kid=_kid(agency.code, "pdf"),
        algorithm="ES256",
        certificate=cert.public_bytes(serialization.Encoding.PEM).decode(),
        fingerprint=_cert_fingerprint(cert),
        private_key=encrypt_private(_pkcs8(key)),
        valid_from=cert.not_valid_before_utc,
        valid_until=cert.not_valid_after_utc,
    )


def _agency_jws_key(agency: Agency) -> CredentialKey:
    now = timezone.now()
    key = ed25519.Ed25519PrivateKey.generate()
    raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = _kid(agency.code, "jws")
    public = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(raw_public).rstrip(b"=").decode(),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    return CredentialKey(
        kind=Kind.JWS,
        agency=agency,
        kid=kid,
        algorithm="EdDSA",
        public_jwk=public,
        fingerprint=hashlib.sha256(raw_public).hexdigest(),
        private_key=encrypt_private(_pkcs8(key)),
        valid_from=now,
        valid_until=now + AGENCY_VALIDITY,
    )


# --- Getting the current keys (created on first use, idempotent and safe under concurrency) ---------


def root_key() -> CredentialKey:
    found = CredentialKey.objects.filter(kind=Kind.ROOT_CA, current=True).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return _create_root()
    except IntegrityError:  # another process made it first
        return CredentialKey.objects.get(kind=Kind.ROOT_CA, current=True)


def current_keys(agency: Agency) -> tuple[CredentialKey, CredentialKey]:
    """(PDF key, JWS key) the agency signs with now; generated the first time they are needed."""
    found = {k.kind: k for k in CredentialKey.objects.filter(agency=agency, current=True)}
    if Kind.PDF in found and Kind.JWS in found:
        return found[Kind.PDF], found[Kind.JWS]
    root = root_key()
    try:
        with transaction.atomic():
            for kind, make in (
                (Kind.PDF, lambda: _agency_pdf_key(agency, root)),
                (Kind.JWS, lambda: _agency_jws_key(agency)),
            ):
                if kind not in found:
                    found[kind] = make()
                    found[kind].save()
                    record(
                        "credentials.key_created",
                        found[kind],
                        {"kind": kind, "kid": found[kind].kid, "agency": agency.code},
                    )
    except IntegrityError:
        found = {k.kind: k for k in CredentialKey.objects.filter(agency=agency, current=True)}
    return found[Kind.PDF], found[Kind.JWS]


def init_keys(agencies: list[Agency] | None = None) -> list[CredentialKey]:
    """The root CA and, for each agency given, its current keys. Keys that exist are kept."""
    made = [root_key()]
    for agency in agencies or []:
        made.extend(current_keys(agency))
    return made


@transaction.atomic
def rotate(agency: Agency, *, actor: str | None = None) -> tuple[CredentialKey, CredentialKey]:
    """New current PDF and JWS keys for the agency; the old ones stay to verify what they signed."""
    root = root_key()
    list(Agency.objects.select_for_update().filter(pk=agency.pk))  # one rotation of an agency at a time
    old = list(CredentialKey.objects.filter(agency=agency, current=True))
    CredentialKey.objects.filter(pk__in=[k.pk for k in old]).update(current=False, retired_at=timezone.now())
    pdf_key, jws_key = _agency_pdf_key(agency, root), _agency_jws_key(agency)
    pdf_key.save()
    jws_key.save()
    record(
        "credentials.key_rotated",
        agency,
        {"retired": sorted(k.kid for k in old), "current": [pdf_key.kid, jws_key.kid]},
        actor,
    )
    return pdf_key, jws_key


# --- Loading keys for use (decrypted once per process and key) ----------------------------------------

_lock = threading.Lock()
_signers: dict[str, SimpleSigner] = {}
_jwks: dict[str, jwk.JWK] = {}


def asn1_certificate(key: CredentialKey) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(key.certificate.encode()).public_bytes(serialization.Encoding.DER)
    )


def pdf_signer(key: CredentialKey) -> SimpleSigner:
    """pyHanko signer for an agency's PDF key; the chain up to the root CA is embedded in signatures."""
    with _lock:
        if key.kid not in _signers:
            _signers[key.kid] = SimpleSigner(
                signing_cert=asn1_certificate(key),
                signing_key=asn1_keys.PrivateKeyInfo.load(decrypt_private(key.private_key)),
                cert_registry=SimpleCertificateStore.from_certs(trust_roots()),
            )
        return _signers[key.kid]


def jws_private(key: CredentialKey) -> jwk.JWK:
    with _lock:
        if key.kid not in _jwks:
            private = serialization.load_der_private_key(decrypt_private(key.private_key), None)
            found = jwk.JWK.from_pyca(private)
            found.update(kid=key.kid, alg="EdDSA", use="sig")
            _jwks[key.kid] = found
        return _jwks[key.kid]


def jws_public(key: CredentialKey) -> jwk.JWK:
    return jwk.JWK(**key.public_jwk)


def trust_roots() -> list[asn1_x509.Certificate]:
    """Every root CA certificate the platform ever had (old roots keep verifying what chains to them)."""
    return [asn1_certificate(k) for k in CredentialKey.objects.filter(kind=Kind.ROOT_CA)]


def jwks(agency: Agency | None = None) -> dict:
    """Public JWKS of one agency or of all: current and retired keys (retired ones verify older JWS)."""
    keys = (
        CredentialKey.objects.filter(kind=Kind.JWS)
        .select_related("agency")
        .order_by("agency__code", "-created_at")
    )
    if agency is not None:
        keys = keys.filter(agency=agency)
    return {"keys": [dict(k.public_jwk) for k in keys]}
