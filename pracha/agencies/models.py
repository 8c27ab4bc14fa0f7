"""The agency registry and Thailand's administrative geography."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Named(models.Model):
    name_th = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name_th


class Province(Named):
    code = models.CharField(max_length=2, primary_key=True)  # DOPA code


class District(Named):
    code = models.CharField(max_length=4, primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")


class Subdistrict(Named):
    code = models.CharField(max_length=6, primary_key=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    postal_codes = models.CharField(max_length=60, blank=True)  # space-separated


class Agency(Named):
    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        DEPARTMENT = "department", _("Department")
        PM_OFFICE_BODY = "pm_office_body", _("Office of the Prime Minister body")
        INDEPENDENT = "independent", _("Independent agency")
        STATE_ENTERPRISE = "state_enterprise", _("State enterprise")
        PUBLIC_ORGANIZATION = "public_organization", _("Public organization")
        PROVINCE_OFFICE = "province_office", _("Provincial administration")
        BMA = "bma", _("Bangkok Metropolitan Administration")
        BMA_DISTRICT = "bma_district", _("Bangkok district office")
        SPECIAL_LOCAL = "special_local", _("Special local government")
        PAO = "pao", _("Provincial administrative organization")
        MUNICIPALITY = "municipality", _("Municipality")
        SAO = "sao", _("Subdistrict administrative organization")
        # Outside any ministry, answering to the Prime Minister or a minister directly (Royal Thai
        # Police, National Health Security Office, ...): neither department nor public organization.
        STATE_AGENCY = "state_agency", _("Other state agency")

    LOCAL_KINDS = ("bma", "bma_district", "special_local", "pao", "municipality", "sao")

    code = models.CharField(max_length=40, unique=True)  # stable, e.g. "MOL.DOE"
    kind = models.CharField(max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    abbr_th = models.CharField(max_length=40, blank=True)
    abbr_en = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    # Where the entry was loaded from ("data/ministries.yaml", "csv:chiang-mai.csv"); empty if made by hand.
    source = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"
        indexes = [models.Index(fields=["kind", "code"], name="agency_kind_code")]


class ContactPoint(Named):
    """A unit of an agency that receives work (complaints, applications, data requests)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="contact_points")
    code = models.CharField(max_length=60, unique=True)  # "<agency code>/<unit>", e.g. "BMA.1001/works"
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]


class Coverage(models.Model):
    """An area an agency serves: a whole province, a district, or a subdistrict."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="coverage")
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.CASCADE)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE)
    subdistrict = models.ForeignKey(Subdistrict, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="coverage_one_area",
                condition=(
                    models.Q(province__isnull=False, district__isnull=True, subdistrict__isnull=True)
                    | models.Q(province__isnull=True, district__isnull=False, subdistrict__isnull=True)
                    | models.Q(province__isnull=True, district__isnull=True, subdistrict__isnull=False)
                ),
            ),
            # One row per agency and area, so loaders can upsert coverage without duplicates.
            models.UniqueConstraint(
                fields=["agency", "province"],
                condition=models.Q(province__isnull=False),
                name="coverage_uniq_prov",
            ),
            models.UniqueConstraint(
                fields=["agency", "district"],
                condition=models.Q(district__isnull=False),
                name="coverage_uniq_dist",
            ),
            models.UniqueConstraint(
                fields=["agency", "subdistrict"],
                condition=models.Q(subdistrict__isnull=False),
                name="coverage_uniq_sub",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} covers {self.area}"

    @property
    def area(self) -> "Province | District | Subdistrict":
        return self.subdistrict or self.district or self.province

    @property
    def area_code(self) -> str:
        return self.subdistrict_id or self.district_id or self.province_id


class PlacePoint(models.Model):
    """A point known to lie in a subdistrict (a geocoded report, a surveyed landmark). A map pin is
    placed in a subdistrict by the points nearest to it (`places.subdistrict_at`): there is no
    boundary data, only these."""

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="+")
    latitude = models.FloatField()
    longitude = models.FloatField()
    # Which import brought it ("traffy/bangkok_complaints_2023q4"); re-importing a source replaces its points.
    source = models.CharField(max_length=120, db_index=True)

    def __str__(self) -> str:
        return f"{self.latitude:.5f},{self.longitude:.5f} in {self.subdistrict_id}"
