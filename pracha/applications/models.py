"""Applications for e-services. The service itself (form, documents, fees, steps) is a definition of
the catalogue (`pracha.services.catalogue`), pinned by code and version; the life of a submitted
application (states, deadlines, who holds it) is a workflow case (`case`). This app keeps what the
applicant gave: the form data, the documents (uploaded or fetched through the data exchange) and
the messages between officers and the applicant."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pracha.agencies.models import Agency
from pracha.identity.models import Person
from pracha.workflow.models import Case

SUBJECT_TYPE = "applications.application"


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    service_code = models.CharField(max_length=60)
    # The definition the draft was started under (the catalogue's stored ServiceVersion, by id): its
    # form, documents, fees and steps apply to this application even after the file changes.
    service_version_pk = models.PositiveIntegerField()
    service_version = models.PositiveIntegerField()  # the definition's own version number, for people
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(default=dict, blank=True)
    # Form fields whose value came from the person's record (shown as known, never asked again).
    prefilled = models.JSONField(default=list, blank=True)
    # The wizard step the applicant last saved, to resume there.
    step = models.CharField(max_length=30, blank=True)
    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=30, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The public id of the credential issued on approval (pracha.credentials), when there is one.
    credential_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One draft per person and service: the wizard resumes it instead of starting another.
            models.UniqueConstraint(
                fields=["applicant", "service_code"], condition=Q(status="draft"), name="app_one_draft"
            )
        ]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="app_applicant"),
            models.Index(fields=["service_code", "agency"], name="app_service_agency"),
        ]

    def __str__(self) -> str:
        return self.reference or f"draft {self.pk} ({self.service_code})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def subject(self) -> tuple[str, str]:
        return SUBJECT_TYPE, str(self.pk)


class Document(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by the applicant")
        FETCHED = "fetched", _("Fetched from the data exchange")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(max_length=60)  # the definition's document code
    source = models.CharField(max_length=10, choices=Source.choices)
    file = models.FileField(upload_to="applications/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # A fetched document: the record as the provider gave it, who gave it, when, and the hub's
    # transaction id (which the person also sees on their "my data" page).
    fetched_data = models.JSONField(default=dict, blank=True)
    provider = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exchange_service = models.CharField(max_length=100, blank=True)
    transaction_id = models.CharField(max_length=100, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    # A document replaced by a newer one (e.g. during correction) stays on file with the date.
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code", "-added_at"]
        indexes = [models.Index(fields=["application", "code"], name="app_doc_code")]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.code} ({self.source})"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class Message(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True)
    from_officer = models.BooleanField(default=False)
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"], name="app_message_at")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.at:%Y-%m-%d %H:%M}"


class StepRecord(models.Model):
    """One step an application went through, timed against its limit when it ended. The engine keeps
    the case's events; this row keeps what the public compliance report counts (service, agency,
    deadline, on time or not), so the report is one aggregate query and names nobody."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    service_code = models.CharField(max_length=60)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=60)
    action = models.CharField(max_length=60)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    # The agency's own steps count in the report; the applicant's (correction, paying) do not.
    agency_step = models.BooleanField(default=True)

    class Meta:
        ordering = ["entered_at", "id"]
        indexes = [models.Index(fields=["service_code", "agency"], name="app_step_report")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.state} -> {self.action}"

    @property
    def within_limit(self) -> bool | None:
        return None if self.deadline is None else self.left_at <= self.deadline
