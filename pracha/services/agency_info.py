"""The owning agency of a service as the catalogue shows it: from the database when the registry is
loaded there, else from the registry's data files (so that the catalogue reads well before
`pracha load-agencies` and in tests)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import DatabaseError

from pracha.agencies import services as agencies
from pracha.agencies.registry import read_data_dir
from pracha.core.errors import PrachaError

from .catalogue import LocalText


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name: LocalText
    abbr_th: str = ""
    abbr_en: str = ""
    phone: str = ""
    website: str = ""
    email: str = ""
    in_directory: bool = False  # has a page at /agencies/<code>/


def agency_info(code: str) -> AgencyInfo:
    try:
        a = agencies.get_agency(code)
    except (PrachaError, DatabaseError):
        return _from_files(code)
    return AgencyInfo(
        code=a.code,
        name=LocalText(th=a.name_th, en=a.name_en or a.name_th),
        abbr_th=a.abbr_th,
        abbr_en=a.abbr_en,
        phone=a.phone,
        website=a.website,
        email=a.email,
        in_directory=True,
    )


@cache
def _specs() -> dict:
    specs, _problems = read_data_dir()
    return {s.code: s for s in specs}


def _from_files(code: str) -> AgencyInfo:
    spec = _specs().get(code)
    if spec is None:
        return AgencyInfo(code=code, name=LocalText(th=code, en=code))
    v = spec.values
    return AgencyInfo(
        code=code,
        name=LocalText(th=v.get("name_th", code), en=v.get("name_en") or v.get("name_th", code)),
        abbr_th=v.get("abbr_th", "") or "",
        abbr_en=v.get("abbr_en", "") or "",
        phone=v.get("phone", "") or "",
        website=v.get("website", "") or "",
        email=v.get("email", "") or "",
    )
