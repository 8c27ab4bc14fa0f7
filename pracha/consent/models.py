"""PDPA data agreements and the consent people give to them.

A `DataAgreement` says why personal data is used, on which lawful basis (PDPA B.E. 2562 s.24, and
s.26 for sensitive data), which data, for how long, by whom. It is declared as YAML in
`agreements/` and loaded into this table; each version is its own row, so a person's consent always
points at the exact text they agreed to.

A `ConsentRecord` is one revision of a person's consent (given or withdrawn). A person's records form
one hash chain (`seq` 1, 2, ... each holding the previous record's hash); `ConsentHead` is the chain's
end, locked while appending. `CurrentConsent` is the latest state per person and agreement, the one
indexed row `has_consent` reads on every exchange call.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pracha.agencies.models import Agency
from pracha.identity.models import Person


def _local(text: dict | None) -> str:
    text = text or {}
    return text.get(get_language() or "th") or text.get("th") or text.get("en") or ""


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent (PDPA s.19, s.24)")
    CONTRACT = "contract", _("Contract with the person (PDPA s.24(3))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (PDPA s.24(6))")
    VITAL_INTEREST = "vital_interest", _("Preventing danger to life, body or health (PDPA s.24(2))")
    PUBLIC_TASK = "public_task", _("Public task or official authority (PDPA s.24(4))")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest (PDPA s.24(5))")
    EXPLICIT_CONSENT = "explicit_consent", _("Explicit consent for sensitive data (PDPA s.26)")


CONSENT_BASES = frozenset({LawfulBasis.CONSENT, LawfulBasis.EXPLICIT_CONSENT})


class Sensitivity(models.TextChoices):
    PERSONAL = "personal", _("Personal data")
    SENSITIVE = "sensitive", _("Sensitive personal data (PDPA s.26)")


class DataAgreement(models.Model):
    """One version of a data agreement, as loaded from its YAML file (see agreements.py)."""

    code = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    title = models.JSONField()  # {"th": ..., "en": ...}
    purpose = models.JSONField()
    lawful_basis = models.CharField(max_length=24, choices=LawfulBasis.choices)
    legal_reference = models.JSONField(default=dict, blank=True)  # the law that allows a non-consent basis
    # [{"code": "address", "name": {"th", "en"}, "sensitivity": "personal"}]
    data_categories = models.JSONField()
    retention_amount = models.PositiveIntegerField()
    retention_unit = models.CharField(max_length=6)  # days, months, years
    retention_note = models.JSONField(default=dict, blank=True)  # from when the period runs
    controller = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recipients = models.ManyToManyField(Agency, related_name="+")
    withdrawable = models.BooleanField()
    withdrawal_effect = models.JSONField()
    # Consents given to a version below this one no longer count (the purpose changed materially).
    min_consent_version = models.PositiveIntegerField(default=1)
    content_hash = models.CharField(max_length=64)  # of the YAML's data: a changed file needs a new version
    source = models.CharField(max_length=200, blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="agreement_version_once")]
        ordering = ["code", "-version"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def title_text(self) -> str:
        return _local(self.title)

    @property
    def purpose_text(self) -> str:
        return _local(self.purpose)

    @property
    def withdrawal_effect_text(self) -> str:
        return _local(self.withdrawal_effect)

    @property
    def legal_reference_text(self) -> str:
        return _local(self.legal_reference)

    @property
    def retention_note_text(self) -> str:
        return _local(self.retention_note)

    @property
    def needs_consent(self) -> bool:
        return self.lawful_basis in CONSENT_BASES

    @property
    def has_sensitive_data(self) -> bool:
        return any(c.get("sensitivity") == Sensitivity.SENSITIVE for c in self.data_categories)

    @property
    def categories(self) -> list[dict]:
        """The data categories with their name in the active language, for pages."""
        return [
            {
                "code": c["code"],
                "name": _local(c["name"]),
                "sensitive": c["sensitivity"] == Sensitivity.SENSITIVE,
            }
            for c in self.data_categories
        ]

    def allows_recipient(self, agency: Agency) -> bool:
        """Whether the agency, or one above it, is named among the recipients."""
        codes = {a.code for a in self.recipients.all()}
        node: Agency | None = agency
        while node is not None:
            if node.code in codes:
                return True
            node = node.parent
        return False


class ConsentRecord(models.Model):
    """One revision of a person's consent. Rows are never updated or deleted: `verify` would notice."""

    class Action(models.TextChoices):
        GIVEN = "given", _("Given")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Channel(models.TextChoices):
        WEB = "web", _("Web portal")
        ESERVICE = "eservice", _("E-service application")
        API = "api", _("API")
        APP = "app", _("Mobile app")
        COUNTER = "counter", _("Service counter")
        PAPER = "paper", _("Paper form")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()  # 1, 2, ... per person: the position in the person's chain
    agreement_code = models.CharField(max_length=100)
    agreement_version = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=120)  # "user:42", "system:demo", as in the audit log
    reason = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "seq"], name="consent_record_seq_once")]
        indexes = [models.Index(fields=["person", "agreement_code", "at"], name="consent_record_at")]

    def __str__(self) -> str:
        return f"{self.person_id}#{self.seq} {self.action} {self.agreement_code} v{self.agreement_version}"


class ConsentHead(models.Model):
    """The end of a person's chain: locked while appending, so one person's revisions form one chain;
    it also reveals a removed last record."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, primary_key=True, related_name="+")
    seq = models.PositiveIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"consent head of person {self.person_id}: #{self.seq}"


class CurrentConsent(models.Model):
    """The latest revision per person and agreement: what `has_consent` reads (one indexed row)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    agreement_code = models.CharField(max_length=100)
    given = models.BooleanField()
    version = models.PositiveIntegerField()
    record = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "agreement_code"], name="current_consent_once")
        ]

    def __str__(self) -> str:
        state = "given" if self.given else "withdrawn"
        return f"person {self.person_id} {state} {self.agreement_code} v{self.version}"
