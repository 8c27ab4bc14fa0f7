"""Signing keys of the platform and the agencies, and the credentials (licences, certificates) they sign."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pracha.agencies.models import Agency
from pracha.identity.models import Person, User


class CredentialKey(models.Model):
    """A key pair. The private half is encrypted (keys.encrypt_private); see decision 0951."""

    class Kind(models.TextChoices):
        ROOT_CA = "root_ca", _("Platform root certificate authority")
        PDF = "pdf", _("PDF signing certificate (PAdES)")
        JWS = "jws", _("JSON credential signing key (JWS)")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kid = models.CharField(max_length=80, unique=True)
    algorithm = models.CharField(max_length=20)  # ES256 (P-256) for CA and PDF, EdDSA (Ed25519) for JWS
    certificate = models.TextField(blank=True)  # PEM; root CA and PDF keys only
    public_jwk = models.JSONField(default=dict, blank=True)  # JWS keys only
    # SHA-256 of the certificate (DER) or of the public key: finds the key a signature names.
    fingerprint = models.CharField(max_length=64, db_index=True)
    private_key = models.BinaryField()  # Fernet token over the PKCS#8 DER
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    # The key new credentials are signed with; a rotated key keeps verifying what it signed.
    current = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "agency_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "agency"],
                condition=Q(current=True, agency__isnull=False),
                name="credkey_one_current_per_agency",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(current=True, agency__isnull=True),
                name="credkey_one_current_root",
            ),
        ]

    def __str__(self) -> str:
        return self.kid


class Credential(models.Model):
    """One issued licence or certificate: the signed PDF and the JWS, and its registry status."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    public_id = models.CharField(max_length=24, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=80)
    title_th = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300, blank=True)
    holder = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(max_length=300)
    holder_id_masked = models.CharField(max_length=40, blank=True)  # as printed on the licence
    claims = models.JSONField(default=dict)
    claim_labels = models.JSONField(default=dict)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=80)
    reference = models.CharField(max_length=80, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)  # None: no expiry
    issued_at = models.DateTimeField(default=timezone.now)
    pdf_data = models.BinaryField()  # the signed PDF, byte for byte as issued
    pdf_sha256 = models.CharField(max_length=64, db_index=True)
    jws = models.TextField()
    pdf_key = models.ForeignKey(CredentialKey, on_delete=models.PROTECT, related_name="+")
    jws_key = models.ForeignKey(CredentialKey, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="credential_subject"),
            models.Index(fields=["agency", "-issued_at"], name="credential_agency_issued"),
            models.Index(fields=["holder", "-issued_at"], name="credential_holder_issued"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def title(self) -> str:
        return self.title_en if get_language() == "en" and self.title_en else self.title_th

    @property
    def status(self) -> str:
        """valid, expired or revoked, today in Bangkok (a licence is valid through its last day)."""
        if self.revoked_at:
            return self.Status.REVOKED
        if self.valid_until and timezone.localdate() > self.valid_until:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def not_yet_valid(self) -> bool:
        return timezone.localdate() < self.valid_from

    @property
    def verification_url(self) -> str:
        from .render import verification_url

        return verification_url(self.public_id)

    @property
    def pdf(self) -> bytes:
        # PostgreSQL hands a BinaryField back as a memoryview; callers get bytes everywhere.
        return bytes(self.pdf_data)

    @property
    def labelled_claims(self) -> list[tuple[dict[str, str], object]]:
        """[(label {th, en}, value)] in the order the claims were given."""
        labels = self.claim_labels or {}
        return [(labels.get(k) or {"th": k, "en": k}, v) for k, v in self.claims.items()]

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
