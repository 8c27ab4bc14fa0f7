"""People, accounts and officers' roles."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pracha.agencies.models import Agency, ContactPoint


class Person(models.Model):
    """Someone the state serves: a Thai citizen, a juristic person or a foreigner."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Thai citizen")
        JURISTIC = "juristic", _("Juristic person")
        FOREIGNER = "foreigner", _("Foreigner")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # 13-digit citizen ID or juristic registration number (checksum validated); foreigners with a
    # DOPA-issued 13-digit number also use it, others a passport number with its nationality.
    id_number = models.CharField(max_length=13, unique=True, null=True, blank=True)
    passport_number = models.CharField(max_length=20, blank=True)
    nationality = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    name_th = models.CharField(max_length=200, blank=True)
    name_en = models.CharField(max_length=200, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["passport_number", "nationality"],
                condition=~models.Q(passport_number=""),
                name="person_unique_passport",
            )
        ]

    # Fields that are personal data: masked in logs and exports, audited when read.
    PERSONAL_FIELDS = ("id_number", "passport_number", "name_th", "name_en", "birth_date", "phone", "email")

    def __str__(self) -> str:
        return self.name_th or self.name_en or f"person {self.pk}"


class User(AbstractUser):
    """A login. Citizens sign in with their 13-digit ID as username; officers with a work username."""

    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    preferred_language = models.CharField(max_length=2, default="th", choices=settings.LANGUAGES)
    phone = models.CharField(max_length=20, blank=True)
    line_user_id = models.CharField(max_length=64, blank=True)

    @property
    def is_officer(self) -> bool:
        return self.is_superuser or self.roles.filter(active=True).exists()


class Role(models.TextChoices):
    COUNTER_OFFICER = "counter_officer", _("Counter officer")
    CASE_OFFICER = "case_officer", _("Case officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    EXECUTIVE = "executive", _("Executive")
    AUDITOR = "auditor", _("Auditor")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


class OfficerRole(models.Model):
    """An officer holds a role in one unit (contact point) of an agency."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    contact_point = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, related_name="officer_roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "contact_point", "role"], name="officer_role_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.contact_point.code}"


class ScopeGrant(models.Model):
    """More than an officer's own agency: e.g. a ministry inspector sees its departments' work."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="scope_grants")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE)
    include_subagencies = models.BooleanField(default=True)
    reason = models.CharField(max_length=255)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} may see {self.agency.code}"
