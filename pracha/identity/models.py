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
    # Identity assurance level (ETDA): raised by a registry check or in-person proofing (see Proofing).
    ial = models.CharField(max_length=6, default="IAL1")

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


# --- Digital ID: assurance levels (ETDA Digital Identity Guideline, ขมธอ. 19-2561 and 20-2561) ---------


class IAL(models.TextChoices):
    """Identity assurance: how surely we know the account belongs to the person it names."""

    IAL1 = "IAL1", _("IAL1: self-asserted")
    IAL2_1 = "IAL2.1", _("IAL2.1: checked remotely against the civil registry")
    IAL2_2 = "IAL2.2", _("IAL2.2: checked remotely against the civil registry with house registration")
    IAL2_3 = "IAL2.3", _("IAL2.3: proofed in person at a counter")


class AAL(models.TextChoices):
    """Authenticator assurance: how surely the person signing in is the account holder."""

    AAL1 = "AAL1", _("AAL1: password")
    AAL2 = "AAL2", _("AAL2: password and a one-time code")


class Proofing(models.Model):
    """One identity proofing of a person (their current level is `Person.ial`, the latest raise)."""

    class Method(models.TextChoices):
        SELF = "self", _("Self-asserted at registration")
        REGISTRY = "registry", _("Remote check against the civil registry")
        COUNTER = "counter", _("In person at a counter")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="proofings")
    level = models.CharField(max_length=6, choices=IAL.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    # What was checked (names of the matched fields, the document seen), never the data itself.
    evidence = models.JSONField(default=dict, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.level} ({self.method})"


class TotpDevice(models.Model):
    """An authenticator app (RFC 6238 TOTP) bound to an account; the secret is encrypted at rest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp")
    secret_encrypted = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last accepted time step: a code is accepted once (no replay within its 30-second window).
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"TOTP of user {self.user_id}"


class RecoveryCode(models.Model):
    """A one-time code for when the phone is lost; only its hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of user {self.user_id}"


class ClientProfile(models.Model):
    """What Pracha knows about an OpenID Connect / OAuth client beyond django-oauth-toolkit's record."""

    class Kind(models.TextChoices):
        PORTAL = "portal", _("The citizen portal")
        RELYING_PARTY = "relying_party", _("Service that signs people in")
        SYSTEM = "system", _("Agency system (client credentials)")

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="pracha_profile"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT)
    # Space-separated scopes this client may ask for; `pracha_id` only where the law allows it.
    allowed_scopes = models.TextField(default="openid profile email phone")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} client {self.application_id}"


class SignInContext(models.Model):
    """How a person authenticated when a code was issued, so tokens from it carry acr, amr, auth_time."""

    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    token_family = models.UUIDField(null=True, blank=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ial = models.CharField(max_length=6, choices=IAL.choices)
    aal = models.CharField(max_length=4, choices=AAL.choices)
    amr = models.JSONField(default=list)
    auth_time = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sign-in of user {self.user_id} at {self.ial}/{self.aal}"
