"""Stored versions of the service definitions, so that an application keeps the exact form, fees
and steps it was filed under when the catalogue changes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .catalogue import LocalText


class ServiceVersion(models.Model):
    """One content of a service definition. Never changed: a new content makes a new row."""

    code = models.CharField(max_length=60)
    content_hash = models.CharField(max_length=64)  # sha256 of the canonical JSON of the definition
    number = models.PositiveIntegerField()  # the definition's own `version`, shown to people
    agency_code = models.CharField(max_length=60)
    definition = models.JSONField()
    source = models.CharField(max_length=500, blank=True)
    current = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "content_hash"], name="services_version_once"),
            models.UniqueConstraint(fields=["code"], condition=Q(current=True), name="services_one_current"),
        ]
        ordering = ["code", "-loaded_at"]

    def __str__(self) -> str:
        return f"{self.code} v{self.number}@{self.content_hash[:10]}"

    @property
    def name(self) -> LocalText:
        return LocalText(self.definition.get("name", {}))
