"""Cases moving through versioned process definitions, and the record of every move."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pracha.agencies.models import Agency, ContactPoint
from pracha.identity.models import Person

from .definitions import Definition, LocalText, State, build


class ProcessVersion(models.Model):
    """One loaded version of a definition. Never changed: a new content makes a new row."""

    code = models.CharField(max_length=60)
    version = models.CharField(max_length=64)  # sha256 of the canonical JSON of the definition
    definition = models.JSONField()
    source = models.CharField(max_length=500, blank=True)
    current = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="workflow_process_version_once"),
            models.UniqueConstraint(fields=["code"], condition=Q(current=True), name="workflow_one_current"),
        ]
        ordering = ["code", "-loaded_at"]

    def __str__(self) -> str:
        return f"{self.code}@{self.version[:10]}"

    @property
    def name(self) -> LocalText:
        return LocalText(self.definition.get("name", {}))

    def parsed(self) -> Definition:
        return parsed_definition(self.pk, self.version, self.definition)


_parsed: dict[tuple[int, str], Definition] = {}


def parsed_definition(pk: int, version: str, data: dict) -> Definition:
    """Versions are immutable, so each is parsed once per process."""
    key = (pk, version)
    if key not in _parsed:
        _parsed[key] = build(data, f"process version {pk}")
    return _parsed[key]


class ReferenceCounter(models.Model):
    """The last reference number given per prefix and Buddhist-era year (PET-2569-000123)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="workflow_counter_once")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class Case(models.Model):
    process_version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=300)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=60)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applicant = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The domain object this case is about ("complaints.complaint", "42"); the engine never reads it.
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The current state entry. The markers make each alert and breach happen once per entry.
    state_entered_at = models.DateTimeField(default=timezone.now)
    state_deadline = models.DateTimeField(null=True, blank=True)
    state_alert_at = models.DateTimeField(null=True, blank=True)
    state_alerted_at = models.DateTimeField(null=True, blank=True)
    state_breached_at = models.DateTimeField(null=True, blank=True)
    # The whole case; its clock stops while the case waits in a pause_case_clock state.
    case_deadline = models.DateTimeField(null=True, blank=True)
    case_alert_at = models.DateTimeField(null=True, blank=True)
    case_alerted_at = models.DateTimeField(null=True, blank=True)
    case_breached_at = models.DateTimeField(null=True, blank=True)
    case_clock_paused_at = models.DateTimeField(null=True, blank=True)
    # The nearer running deadline of the two: what queues sort and filter on.
    due_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Time limits that replace the definition's for this case: {"<state code>": {"amount", "unit"},
    # "case": {...}}. E.g. a complaint's forwarding limit depends on its channel, its resolution
    # limit on its category (set by the domain app when it starts the case).
    time_limits = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["agency", "closed_at", "due_at"], name="wf_case_queue"),
            models.Index(fields=["contact_point", "closed_at", "due_at"], name="wf_case_unit_queue"),
            # An agency's open queue in deadline order: PostgreSQL does not take `closed_at IS NULL` as an
            # equality, so only a partial index hands it an agency's open cases already sorted by due_at
            # (with the index above it sorted them all; see docs/benchmarks.md, complaints queue).
            models.Index(
                fields=["agency", "due_at"], name="wf_case_open_queue", condition=Q(closed_at__isnull=True)
            ),
            models.Index(fields=["state_deadline"], name="wf_case_state_deadline"),
            models.Index(fields=["case_deadline"], name="wf_case_case_deadline"),
            models.Index(fields=["subject_type", "subject_id"], name="wf_case_subject"),
            models.Index(fields=["applicant", "opened_at"], name="wf_case_applicant"),
            # Partial indexes: the sweep only ever looks at open cases still waiting for an alert or breach.
            models.Index(
                fields=["state_alert_at"],
                name="wf_sweep_state_alert",
                condition=Q(
                    closed_at__isnull=True, state_alerted_at__isnull=True, state_breached_at__isnull=True
                ),
            ),
            models.Index(
                fields=["state_deadline"],
                name="wf_sweep_state_breach",
                condition=Q(closed_at__isnull=True, state_breached_at__isnull=True),
            ),
            models.Index(
                fields=["case_alert_at"],
                name="wf_sweep_case_alert",
                condition=Q(
                    closed_at__isnull=True, case_alerted_at__isnull=True, case_breached_at__isnull=True
                ),
            ),
            models.Index(
                fields=["case_deadline"],
                name="wf_sweep_case_breach",
                condition=Q(closed_at__isnull=True, case_breached_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def definition(self) -> Definition:
        return self.process_version.parsed()

    @property
    def current_state(self) -> State:
        return self.definition.states[self.state]

    @property
    def state_name(self) -> LocalText:
        return self.current_state.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseEvent(models.Model):
    """Every move of a case: an action of the process or one of the engine's own events."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=60)
    from_state = models.CharField(max_length=60, blank=True)
    to_state = models.CharField(max_length=60, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)  # who acted, as named at the time
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="wf_event_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_state}->{self.to_state}"
