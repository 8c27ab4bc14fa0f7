"""The notification outbox: written in the same transaction as the change it announces."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        LINE = "line", _("LINE")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254)  # e-mail address, phone number or LINE user ID
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # The agency on whose behalf the message goes out: scopes who may read it in the outbox.
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=2, default="th")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    related_type = models.CharField(max_length=80, blank=True)
    related_id = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    adapter = models.CharField(max_length=20, blank=True)  # which adapter handled it: "record" = demo only
    provider_ref = models.CharField(max_length=100, blank=True)  # the gateway's message ID, if any

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["related_type", "related_id"], name="notify_related"),
            models.Index(fields=["status", "channel"], name="notify_status_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.subject}"
