"""The central complaint system's own records. The complaint's life (states, deadlines, who holds it)
is a workflow case (`case`); this app keeps what the complainant said, where, how it was classified
and routed, and how it ended."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pracha.agencies.models import Agency, ContactPoint, Subdistrict
from pracha.identity.models import Person
from pracha.workflow.models import Case

# Tracking codes avoid look-alike characters (0/O, 1/I/L) so they can be read out on the phone.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_tracking_code(length: int = 10) -> str:
    # One draw from the system's generator, written in base 31 (ten draws cost a tenth of intake's CPU).
    number, base = secrets.randbelow(len(TRACKING_ALPHABET) ** length), len(TRACKING_ALPHABET)
    digits = []
    for _position in range(length):
        number, digit = divmod(number, base)
        digits.append(TRACKING_ALPHABET[digit])
    return "".join(digits)


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    HOTLINE = "hotline", _("Hotline 1111")
    COUNTER = "counter", _("Walk-in service point")
    MAIL = "mail", _("Mail (PO Box 1111)")
    LINE = "line", _("LINE")
    OPEN311 = "open311", _("Open311 application")
    API = "api", _("Agency system (API)")


class Complaint(models.Model):
    class Routing(models.TextChoices):
        PENDING = "pending", _("Waiting to be routed")
        ROUTED = "routed", _("Routed automatically")
        TRIAGE = "triage", _("Sent to human triage")
        MANUAL = "manual", _("Routed by an officer")

    # Unique by a constraint (Meta), not `unique=True`: PostgreSQL then keeps one index for it, not
    # a second one for LIKE searches, which nothing does on tracking codes.
    tracking_code = models.CharField(max_length=12, default=new_tracking_code)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    text = models.TextField()
    # Who complained: a signed-in person, a person an officer filed for, or anonymous with a contact.
    complainant = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    anonymous = models.BooleanField(default=False)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.EmailField(blank=True)
    line_user_id = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=2, default="th")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where: a subdistrict (from a map pin or chosen by name) and/or coordinates and a description.
    # Its own index would repeat the front of complaint_place (every index is written at intake).
    subdistrict = models.ForeignKey(
        Subdistrict, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The subdistrict was not given but found from the pin (agencies.places), with the vote's confidence.
    subdistrict_from_pin = models.BooleanField(default=False)
    subdistrict_confidence = models.FloatField(null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    place_text = models.CharField(max_length=300, blank=True)
    # What the classifier said (each with its confidence) and which model said it.
    categories = models.JSONField(default=list, blank=True)  # [[code, confidence], ...] best first
    intent = models.CharField(max_length=12, blank=True)
    intent_confidence = models.FloatField(null=True, blank=True)
    urgency = models.CharField(max_length=10, blank=True)
    urgency_confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    # The text's words as duplicate detection compares them (`duplicates.words`), kept at routing so
    # that a new complaint is compared with hundreds of open ones without segmenting them again.
    text_words = models.TextField(blank=True, default="")
    # Where it went and why.
    routing = models.CharField(max_length=10, choices=Routing.choices, default=Routing.PENDING)
    routing_reason = models.JSONField(default=dict, blank=True)
    # Indexed by the front of complaint_agency and complaint_agency_received.
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.OneToOneField(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Follow-up.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    external_id = models.CharField(max_length=64, blank=True)  # the channel's own id (Open311, LINE)
    # Open311: the service code the client filed under (the complainant's own category) and the
    # address of the client's photo (a link, never fetched by the server).
    requested_category = models.CharField(max_length=60, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)  # when the channel received it
    created_at = models.DateTimeField(default=timezone.now)
    # Milestones kept by the officer workbench when the case moves, so that dashboards aggregate
    # one table in the database: accepted (the forwarding limit) and resolved (the resolution limit).
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_late = models.BooleanField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_late = models.BooleanField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["routing", "created_at"], name="complaint_routing"),
            models.Index(fields=["agency", "created_at"], name="complaint_agency"),
            models.Index(fields=["subdistrict", "created_at"], name="complaint_place"),
            models.Index(fields=["agency", "received_at"], name="complaint_agency_received"),
            models.Index(fields=["received_at"], name="complaint_received"),
        ]
        constraints = [models.UniqueConstraint(fields=["tracking_code"], name="complaint_tracking_code")]

    # Personal data in this model: masked in logs and exports, audited when read by officers.
    PERSONAL_FIELDS = ("contact_name", "contact_phone", "contact_email", "line_user_id")

    def __str__(self) -> str:
        return f"complaint {self.tracking_code}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        LETTER = "letter", _("Scanned letter")
        EVIDENCE = "evidence", _("Evidence of the result")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to="complaints/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} of {self.complaint_id}"


class Update(models.Model):
    """What the complainant is told: preliminary and final results, replies, questions."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        PRELIMINARY = "preliminary", _("Preliminary result")
        FINAL = "final", _("Final result")
        COMPLAINANT = "complainant", _("Message from the complainant")
        # An officer's correction of the subdistrict: an internal note (never public) for the timeline.
        PLACE = "place", _("Place corrected")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.complaint_id}"


class Correction(models.Model):
    """An officer's correction of the classifier or the routing; the retraining data."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="corrections")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    predicted_categories = models.JSONField(default=list)
    categories = models.JSONField(default=list)  # the officer's (the truth for retraining)
    intent = models.CharField(max_length=12, blank=True)
    from_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"correction of {self.complaint_id}"


class DuplicateCandidate(models.Model):
    """An open complaint that a new one may repeat (near it and of the same category, or with very
    similar text), with how sure the match is. Officers merge from here or dismiss the flag."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="duplicate_candidates")
    candidate = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    distance_m = models.FloatField(null=True, blank=True)
    text_similarity = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list)  # "near", "same_subdistrict", "similar_text"
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "candidate"], name="duplicate_candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} may repeat {self.candidate_id} ({self.score:.2f})"


class IssueReferral(models.Model):
    """An urgent issue (same-type complaints in one place) that a supervisor sent to a committee."""

    class Level(models.TextChoices):
        SUBDISTRICT = "subdistrict", _("Subdistrict")
        DISTRICT = "district", _("District")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=60)
    place_level = models.CharField(max_length=12, choices=Level.choices)
    place_code = models.CharField(max_length=6)
    committee = models.CharField(max_length=200)
    note = models.TextField()
    figures = models.JSONField(default=dict)  # the board's figures when it was sent
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["category", "place_level", "place_code"], name="issue_referral_issue")
        ]

    def __str__(self) -> str:
        return f"{self.category} in {self.place_level} {self.place_code} to {self.committee}"


# --- Channels: Open311 clients and the LINE conversation ----------------------------------------------


class Open311Key(models.Model):
    """An api_key given to one Open311 application (an agency's or a civic app). Only its SHA-256 is
    kept; the key itself is shown once, by `pracha open311-key add`."""

    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=8)  # the key's first characters, to recognise it in lists
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Open311 key {self.prefix}… of {self.name}"


class LineConversation(models.Model):
    """Where one LINE user is in the guided conversation, and the complaint being put together."""

    class Step(models.TextChoices):
        IDLE = "idle", _("Nothing in progress")
        DESCRIBE = "describe", _("Waiting for what happened")
        DETAILS = "details", _("Waiting for photos or the location")
        CONFIRM = "confirm", _("Waiting for confirmation")

    line_user_id = models.CharField(max_length=64, unique=True)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.IDLE)
    language = models.CharField(max_length=2, default="th")
    text = models.TextField(blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    place_text = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    PERSONAL_FIELDS = ("line_user_id", "text", "place_text")

    def __str__(self) -> str:
        return f"LINE conversation {self.pk} ({self.step})"


class LinePhoto(models.Model):
    """A photo sent during a conversation, downloaded from LINE at once (LINE keeps content only for
    a while) and kept here until the complaint is filed or dropped."""

    conversation = models.ForeignKey(LineConversation, on_delete=models.CASCADE, related_name="photos")
    message_id = models.CharField(max_length=64)
    content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"LINE photo {self.message_id}"


class LineEvent(models.Model):
    """A LINE webhook event already handled: LINE redelivers with the same webhookEventId."""

    webhook_event_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.webhook_event_id
