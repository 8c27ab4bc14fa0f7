"""Background jobs: a leased queue in the database.

A job is written in the same transaction as the change that needs it, so an accepted request is
never lost. A worker claims a job by setting a lease (locked_until); if the worker dies, the lease
runs out and another worker takes the job again. Handlers must therefore be idempotent.
"""

from django.db import models
from django.utils import timezone


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        DEAD = "dead"  # gave up after max_attempts; kept for an operator to inspect and requeue

    kind = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    run_after = models.DateTimeField(default=timezone.now)
    # Its place in line: run_after, later by its kind's `gives_way` (queue.job), so that under load
    # work with a deadline (routing a complaint) goes before work that can wait (a duplicate check).
    turn_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The claim's scan: open jobs in the order of their turn, read from the front and stopping
            # at its LIMIT. An index on (status, ...) cannot give that order for two statuses at once,
            # so every claim read and sorted the whole backlog (2 ms with 2,000 waiting).
            models.Index(
                fields=["turn_at", "id"],
                condition=models.Q(status__in=["queued", "running"]),
                name="core_job_open_turn",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} ({self.status})"


class PeriodicRun(models.Model):
    """When each periodic task (e.g. the workflow sweep) last ran; its row lock elects one worker."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name
