"""Loading Thailand's administrative geography from the maintained `geothai` package.

geothai ships DOPA's list of provinces, districts and subdistricts (Thai and English names, postal
codes). Loading is an idempotent upsert: only rows that are new or whose names changed are written,
in a few bulk statements, so re-running after a geothai upgrade is cheap and safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geothai
from django.db import models, transaction

from pracha.audit.chain import record

from .models import District, Province, Subdistrict
from .signals import registry_changed


@dataclass
class LevelResult:
    total: int = 0
    created: int = 0
    updated: int = 0


@dataclass
class GeographyResult:
    data_version: str
    levels: dict[str, LevelResult] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(r.created or r.updated for r in self.levels.values())


def _upsert(model: type[models.Model], rows: list[dict], fields: list[str]) -> LevelResult:
    """Create missing rows and update rows whose fields differ; leave the rest untouched."""
    current = {r["code"]: r for r in model.objects.values("code", *fields)}
    new, changed = [], []
    for row in rows:
        have = current.get(row["code"])
        if have is None:
            new.append(model(**row))
        elif any(have[f] != row[f] for f in fields):
            changed.append(model(**row))
    model.objects.bulk_create(new, batch_size=2000)
    model.objects.bulk_update(changed, fields, batch_size=500)
    return LevelResult(total=len(rows), created=len(new), updated=len(changed))


def geothai_rows() -> tuple[list[dict], list[dict], list[dict]]:
    provinces, districts, subdistricts = [], [], []
    for p in geothai.provinces():
        provinces.append({"code": p.code, "name_th": p.name_th, "name_en": p.name_en})
        for d in geothai.districts(p.code):
            districts.append(
                {"code": d.code, "name_th": d.name_th, "name_en": d.name_en, "province_id": p.code}
            )
            for s in geothai.subdistricts(d.code):
                subdistricts.append(
                    {
                        "code": s.code,
                        "name_th": s.name_th,
                        "name_en": s.name_en,
                        "district_id": d.code,
                        "postal_codes": " ".join(s.postal_codes),
                    }
                )
    return provinces, districts, subdistricts


def load_geography() -> GeographyResult:
    """Upsert every province, district and subdistrict geothai knows; audit once if anything changed."""
    provinces, districts, subdistricts = geothai_rows()
    result = GeographyResult(data_version=geothai.DATA_VERSION)
    with transaction.atomic():
        # Parents before children, so the foreign keys hold at every step.
        result.levels["provinces"] = _upsert(Province, provinces, ["name_th", "name_en"])
        result.levels["districts"] = _upsert(District, districts, ["name_th", "name_en", "province_id"])
        result.levels["subdistricts"] = _upsert(
            Subdistrict, subdistricts, ["name_th", "name_en", "district_id", "postal_codes"]
        )
        if result.changed:
            record(
                "agencies.geography_loaded",
                ("agencies.geography", "TH"),
                {
                    "geothai_data_version": result.data_version,
                    **{
                        name: {"total": r.total, "created": r.created, "updated": r.updated}
                        for name, r in result.levels.items()
                    },
                },
            )
    # Now for this process, and again once committed (another thread may have read the old rows).
    registry_changed.send(sender=Subdistrict)
    transaction.on_commit(lambda: registry_changed.send(sender=Subdistrict))
    return result
