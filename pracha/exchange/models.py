"""The Government Data Exchange hub: members, published services, access requests, grants, the
transaction log (without payloads) and batch extracts.

Deny by default: a consumer reaches a service only through a Grant that names the service, the
consumer, the purpose, the fields and the period; nothing else opens a door.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pracha.agencies.models import Agency


class Member(models.Model):
    """An agency's system registered with the hub, as a consumer, a provider or both."""

    class Role(models.TextChoices):
        CONSUMER = "consumer", _("Consumer (uses data)")
        PROVIDER = "provider", _("Provider (publishes data)")
        BOTH = "both", _("Consumer and provider")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the hub administrator")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        SUSPENDED = "suspended", _("Suspended")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="exchange_members")
    code = models.SlugField(max_length=60, unique=True)  # e.g. "moi-dopa-registry"
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    contact_email = models.EmailField()
    description = models.TextField(blank=True)
    # Set when an agency admin issues client credentials (the secret is shown once, never stored here).
    client_id = models.CharField(max_length=100, blank=True, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.agency.code})"

    @property
    def may_consume(self) -> bool:
        return self.status == self.Status.APPROVED and self.role in (self.Role.CONSUMER, self.Role.BOTH)

    @property
    def may_provide(self) -> bool:
        return self.status == self.Status.APPROVED and self.role in (self.Role.PROVIDER, self.Role.BOTH)


class Classification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    PERSONAL = "personal", _("Personal data")
    SENSITIVE = "sensitive", _("Sensitive personal data")


class LawfulBasis(models.TextChoices):
    """PDPA section 24 bases (and section 26 explicit consent for sensitive data)."""

    CONSENT = "consent", _("Consent of the data subject")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    PUBLIC_TASK = "public_task", _("Public task (exercise of official authority)")
    CONTRACT = "contract", _("Contract with the data subject")
    VITAL_INTEREST = "vital_interest", _("Vital interest")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")


class ProviderService(models.Model):
    """A data service a provider member publishes in the directory."""

    code = models.CharField(max_length=80, unique=True)  # e.g. "dopa.population_record"
    name_th = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255)
    summary_th = models.TextField(blank=True)
    summary_en = models.TextField(blank=True)
    provider = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="services")
    base_url = models.URLField(max_length=300)
    # Where one record is read ({id_number} is replaced) and where records are listed page by page.
    record_path = models.CharField(max_length=200, default="/v1/records/{id_number}")
    list_path = models.CharField(max_length=200, blank=True, default="/v1/extract")
    # The provider's key for the hub (sent as X-Api-Key): only the hub calls providers. Never shown.
    api_key = models.CharField(max_length=200, blank=True)
    openapi = models.JSONField(default=dict, blank=True)
    # [{"name": "first_name", "classification": "personal", "th": "ชื่อ", "en": "First name"}, ...]
    fields = models.JSONField(default=list)
    # The basis the provider expects for most uses (shown in the directory, proposed in requests).
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    consent_agreement = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    # Words of the names and summaries, segmented (Thai by pythainlp newmm) and lower-cased, for search.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name_th

    @property
    def summary(self) -> str:
        return self.summary_en if get_language() == "en" and self.summary_en else self.summary_th

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def field_label(self, name: str) -> str:
        for f in self.fields:
            if f["name"] == name:
                return f.get("en" if get_language() == "en" else "th") or name
        return name


class AccessRequest(models.Model):
    """A consumer asks a provider's agency for a service, for a purpose, fields and a period."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the data owner")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    service = models.ForeignKey(ProviderService, on_delete=models.PROTECT, related_name="access_requests")
    consumer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="access_requests")
    purpose = models.SlugField(max_length=60)  # the code a call states, e.g. "eservice-application"
    purpose_text = models.TextField()  # why, in words, for the data owner and the citizen
    fields = models.JSONField(default=list)
    # The lawful basis is the purpose's, not the service's (PDPA): the same record may be read under
    # consent for an e-service and under a public task for paying benefits (decision 1300).
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    consent_agreement = models.CharField(max_length=100, blank=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"request {self.pk}: {self.consumer.code} → {self.service.code} ({self.purpose})"


class Grant(models.Model):
    """What an approved request opens: this service, to this consumer, for this purpose, these fields,
    in this period. Revoking closes it at once."""

    service = models.ForeignKey(ProviderService, on_delete=models.PROTECT, related_name="grants")
    consumer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="grants")
    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="grant")
    purpose = models.SlugField(max_length=60)
    fields = models.JSONField(default=list)
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    consent_agreement = models.CharField(max_length=100, blank=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["consumer", "service"], name="exchange_grant_lookup")]

    def __str__(self) -> str:
        return f"grant {self.pk}: {self.consumer.code} → {self.service.code} ({self.purpose})"

    def is_current(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.valid_from <= at < self.valid_until


class Transaction(models.Model):
    """One call through the hub (or a refusal of one), without the data that was exchanged.

    The person is referenced by a keyed hash of their ID number (see pracha.exchange.people), so the
    "my data" page finds a citizen's uses by computing the same hash, while this table and the audit
    log never hold the number itself; `person_masked` is what officers see.
    """

    class Outcome(models.TextChoices):
        OK = "ok", _("Answered")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Provider failed")

    class Channel(models.TextChoices):
        API = "api", _("Agency system (API)")
        PLATFORM = "platform", _("Platform e-service")
        BATCH = "batch", _("Batch extract")

    at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    consumer = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    consumer_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        ProviderService, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_code = models.CharField(max_length=80)
    provider_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grant = models.ForeignKey(Grant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=60)
    fields = models.JSONField(default=list)
    person_ref = models.CharField(max_length=64, blank=True)
    person_masked = models.CharField(max_length=20, blank=True)
    records = models.PositiveIntegerField(default=1)  # a batch extract counts its records
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error_code = models.CharField(max_length=60, blank=True)
    status = models.PositiveSmallIntegerField()
    latency_ms = models.FloatField(default=0)
    actor = models.CharField(max_length=120, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["person_ref", "-at"], name="exchange_tx_person"),
            models.Index(fields=["consumer_agency", "-at"], name="exchange_tx_consumer"),
            models.Index(fields=["provider_agency", "-at"], name="exchange_tx_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.service_code} {self.outcome}"


class BatchExtract(models.Model):
    """A bulk extract of a granted service, made by page jobs, kept in the database in chunks."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        NDJSON = "ndjson", "NDJSON"

    consumer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="batch_extracts")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="batch_extracts")
    purpose = models.SlugField(max_length=60)
    fields = models.JSONField(default=list)
    format = models.CharField(max_length=6, choices=Format.choices, default=Format.CSV)
    # Either a list of ID numbers, or every record changed since a moment (None with no ids: all records).
    ids = models.JSONField(default=list, blank=True)
    changed_since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    cursor = models.CharField(max_length=200, blank=True)  # where the next page starts at the provider
    records_done = models.PositiveBigIntegerField(default=0)
    records_total = models.PositiveBigIntegerField(null=True, blank=True)
    bytes_written = models.PositiveBigIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"extract {self.pk} ({self.status})"

    @property
    def filename(self) -> str:
        return f"{self.grant.service.code}-extract-{self.pk}.{self.format}"

    @property
    def progress_percent(self) -> int | None:
        if self.status == self.Status.DONE:
            return 100
        if not self.records_total:
            return None
        return min(99, int(self.records_done * 100 / self.records_total))


class ExtractChunk(models.Model):
    """A piece of an extract's file, zlib-compressed; the download streams them in order."""

    extract = models.ForeignKey(BatchExtract, on_delete=models.CASCADE, related_name="file_chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["extract", "seq"], name="exchange_chunk_once")]

    def __str__(self) -> str:
        return f"extract {self.extract_id} chunk {self.seq}"


class QualityRun(models.Model):
    """A data-quality check of a provider's service over a sample of its records (counts only)."""

    service = models.ForeignKey(ProviderService, on_delete=models.CASCADE, related_name="quality_runs")
    at = models.DateTimeField(default=timezone.now)
    records = models.PositiveIntegerField()
    score = models.FloatField()  # share of records good in every field, 0-100
    field_score = models.FloatField()
    completeness = models.FloatField()
    validity = models.FloatField()
    report = models.JSONField()  # pracha.exchange.quality.QualityReport.as_dict(): counts, never values

    class Meta:
        indexes = [models.Index(fields=["service", "-at"], name="exchange_quality_latest")]

    def __str__(self) -> str:
        return f"{self.service.code} {self.score} ({self.at:%Y-%m-%d})"
