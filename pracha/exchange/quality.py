"""Data quality of a provider's records, field by field: completeness and validity, scored 0-100.

Pure functions over plain dicts (a sample of lookups or a bulk extract), driven by the record schema
the provider publishes in its OpenAPI description (`record_schema(openapi)`), so any provider that
describes its fields gets checked without code for it:

- completeness: a required field (listed in its object's `required`, type not nullable) is present
  and not blank;
- validity: the JSON type; `format: thai-id` (13 digits and the mod-11 check digit); `format: date`
  (YYYY-MM-DD, a real day, within `x-date-min`/`x-date-max`, which may say `today` or `today+Ny`);
  `pattern`, `enum`, `maxLength`, `minimum`; `x-code-list` (Thai province/district/subdistrict codes
  from DOPA's list, ISO 3166 country codes); `x-within` (a code lies inside its sibling's: a district
  in its province).

A field's score is the share of records where it is good (present or allowed to be absent, and
valid); the provider's score is the share of records good in every field (`field_score` is the mean
of the fields' scores, a gentler figure). Only counts are kept, never values:
a report can be stored and shown without holding anyone's personal data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import geothai
from babel import Locale

from pracha.core.thai_id import id_problem

# What is wrong with a value (the keys of FieldQuality.problems).
MISSING = "missing"
WRONG_TYPE = "wrong_type"
BAD_ID = ("id_not_13_digits", "id_bad_checksum")
NOT_A_DATE = "not_a_date"
IMPLAUSIBLE_DATE = "implausible_date"
PATTERN = "pattern_mismatch"
NOT_ALLOWED = "not_allowed_value"
TOO_LONG = "too_long"
TOO_SMALL = "below_minimum"
UNKNOWN_CODE = "unknown_code"
OUTSIDE_PARENT = "outside_parent_code"

_TYPES: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RELATIVE = re.compile(r"^today(?:\+(\d+)y)?$")
# Two-letter CLDR territories that are not countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


@cache
def _code_lists() -> dict[str, frozenset[str]]:
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    return {
        "th-province": frozenset(p.code for p in provinces),
        "th-district": frozenset(d.code for d in districts),
        "th-subdistrict": frozenset(s.code for d in districts for s in geothai.subdistricts(d.code)),
        "iso3166-alpha2": frozenset(
            code
            for code in Locale.parse("en").territories
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
        ),
    }


def code_list_names() -> list[str]:
    return sorted(_code_lists())


def record_schema(openapi: dict) -> dict:
    """The schema of one record in a provider's OpenAPI description.

    `info.x-record-schema` names it; otherwise it is the 200 response of the one GET path that takes
    an ID number (`/v1/records/{id_number}` for the demo providers).
    """
    schemas = openapi.get("components", {}).get("schemas", {})
    named = openapi.get("info", {}).get("x-record-schema")
    if named in schemas:
        return schemas[named]
    for path, item in openapi.get("paths", {}).items():
        if "{" in path and "get" in item:
            schema = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ref = schema.get("$ref", "")
            return schemas[ref.rsplit("/", 1)[-1]] if ref else schema
    raise ValueError("The OpenAPI description has no record schema")


@dataclass
class FieldQuality:
    field: str  # dotted path: address.district_code
    label: dict[str, str] | None
    classification: str | None
    required: bool
    checked: int = 0
    present: int = 0
    missing: int = 0
    invalid: int = 0
    problems: Counter = field(default_factory=Counter)

    @property
    def good(self) -> int:
        return self.checked - self.missing - self.invalid

    @property
    def score(self) -> float:
        return _percent(self.good, self.checked)

    @property
    def completeness(self) -> float:
        return _percent(self.checked - self.missing, self.checked)

    @property
    def validity(self) -> float:
        return _percent(self.present - self.invalid, self.present)

    def as_dict(self) -> dict:
        return {
            "field": self.field,
            "label": self.label,
            "classification": self.classification,
            "required": self.required,
            "checked": self.checked,
            "present": self.present,
            "missing": self.missing,
            "invalid": self.invalid,
            "score": self.score,
            "completeness": self.completeness,
            "validity": self.validity,
            "problems": dict(self.problems.most_common()),
        }


@dataclass
class QualityReport:
    records: int
    clean_records: int  # records with no problem in any field
    fields: dict[str, FieldQuality]

    @property
    def score(self) -> float:
        """The provider's score: the share of records with no problem at all (fit for use as they are).

        Stricter than the mean of the field scores (`field_score`): one bad field spoils a record,
        and a consumer is served whole records.
        """
        return _percent(self.clean_records, self.records)

    @property
    def field_score(self) -> float:
        """The mean of the fields' scores (100 when there is nothing to judge)."""
        if not self.fields or not self.records:
            return 100.0
        return round(sum(f.score for f in self.fields.values()) / len(self.fields), 1)

    @property
    def completeness(self) -> float:
        required = [f for f in self.fields.values() if f.required]
        return _percent(sum(f.checked - f.missing for f in required), sum(f.checked for f in required))

    @property
    def validity(self) -> float:
        fields = self.fields.values()
        return _percent(sum(f.present - f.invalid for f in fields), sum(f.present for f in fields))

    @property
    def problems(self) -> Counter:
        total: Counter = Counter()
        for f in self.fields.values():
            total.update(f.problems)
        return total

    def worst(self, count: int = 5) -> list[FieldQuality]:
        return sorted(self.fields.values(), key=lambda f: (f.score, f.field))[:count]

    def as_dict(self) -> dict:
        """JSON-ready (to store with a quality run or return from an API)."""
        return {
            "records": self.records,
            "clean_records": self.clean_records,
            "score": self.score,
            "field_score": self.field_score,
            "completeness": self.completeness,
            "validity": self.validity,
            "problems": dict(self.problems.most_common()),
            "fields": [f.as_dict() for f in self.fields.values()],
        }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 100.0


def _bound(value: str, today: dt.date) -> dt.date:
    relative = _RELATIVE.match(value)
    if not relative:
        return dt.date.fromisoformat(value)
    years = int(relative.group(1) or 0)
    return today.replace(year=today.year + years) if (today.month, today.day) != (2, 29) else today


# A check takes a present value and the object holding it, and names what is wrong or returns None.
Check = Callable[[object, dict], str | None]


def _checks(spec: dict, today: dt.date) -> list[Check]:
    checks: list[Check] = []
    kinds = [
        k
        for k in ([spec["type"]] if isinstance(spec.get("type"), str) else spec.get("type", []))
        if k != "null"
    ]
    if kinds:
        tests = [_TYPES[k] for k in kinds]
        checks.append(lambda v, _: None if any(t(v) for t in tests) else WRONG_TYPE)
    fmt = spec.get("format")
    if fmt == "thai-id":
        checks.append(lambda v, _: id_problem(v) if isinstance(v, str) else None)
    elif fmt == "date":
        low = _bound(spec.get("x-date-min", "0001-01-01"), today)
        high = _bound(spec.get("x-date-max", "9999-12-31"), today)

        def date_check(v: object, _: dict) -> str | None:
            if not isinstance(v, str) or not _ISO_DATE.match(v):
                return NOT_A_DATE
            try:
                day = dt.date.fromisoformat(v)
            except ValueError:
                return NOT_A_DATE
            return None if low <= day <= high else IMPLAUSIBLE_DATE

        checks.append(date_check)
    if pattern := spec.get("pattern"):
        compiled = re.compile(pattern)
        checks.append(lambda v, _: None if not isinstance(v, str) or compiled.search(v) else PATTERN)
    if "enum" in spec:
        allowed = spec["enum"]
        # `True == 1` in Python: compare types too, so true is not section 1.
        checks.append(
            lambda v, _: None if any(v == a and type(v) is type(a) for a in allowed) else NOT_ALLOWED
        )
    if (longest := spec.get("maxLength")) is not None:
        checks.append(lambda v, _: TOO_LONG if isinstance(v, str) and len(v) > longest else None)
    if (least := spec.get("minimum")) is not None:
        checks.append(lambda v, _: TOO_SMALL if _TYPES["number"](v) and v < least else None)
    if name := spec.get("x-code-list"):
        lists = _code_lists()
        if name not in lists:
            raise ValueError(f"Unknown x-code-list {name!r}; known: {code_list_names()}")
        known = lists[name]
        checks.append(lambda v, _: None if v in known else UNKNOWN_CODE)
    if parent := spec.get("x-within"):

        def within(v: object, holder: dict) -> str | None:
            outer = holder.get(parent)
            if isinstance(v, str) and isinstance(outer, str) and outer and not v.startswith(outer):
                return OUTSIDE_PARENT
            return None

        checks.append(within)
    return checks


@dataclass
class _Rule:
    quality: FieldQuality
    key: str
    nullable: bool
    checks: list[Check]
    children: list[_Rule]


def _rules(schema: dict, today: dt.date, prefix: str = "") -> list[_Rule]:
    required = set(schema.get("required", []))
    rules = []
    for key, spec in schema.get("properties", {}).items():
        kinds = spec.get("type", [])
        path = f"{prefix}{key}"
        quality = FieldQuality(
            field=path,
            label=spec.get("x-label"),
            classification=spec.get("x-classification"),
            required=key in required,
        )
        children = _rules(spec, today, f"{path}.") if "properties" in spec else []
        rules.append(_Rule(quality, key, "null" in kinds, _checks(spec, today), children))
    return rules


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _apply(rules: list[_Rule], holder: dict) -> bool:
    """Check one object against its rules, counting into them; True when nothing was wrong."""
    clean = True
    for rule in rules:
        q = rule.quality
        q.checked += 1
        value = holder.get(rule.key)
        if _blank(value):
            if q.required and not rule.nullable:
                q.missing += 1
                q.problems[MISSING] += 1
                clean = False
        else:
            q.present += 1
            for check in rule.checks:
                if problem := check(value, holder):
                    q.invalid += 1
                    q.problems[problem] += 1
                    clean = False
                    break
        if rule.children:
            # A missing or malformed object still counts against its required parts.
            clean = _apply(rule.children, value if isinstance(value, dict) else {}) and clean
    return clean


def _flatten(rules: list[_Rule]) -> Iterable[FieldQuality]:
    for rule in rules:
        yield rule.quality
        yield from _flatten(rule.children)


def assess(records: Iterable[dict], schema: dict, *, today: dt.date | None = None) -> QualityReport:
    """Score `records` against a provider's record `schema` (see the module's description)."""
    rules = _rules(schema, today or dt.date.today())
    count = clean = 0
    for record in records:
        count += 1
        clean += _apply(rules, record if isinstance(record, dict) else {})
    return QualityReport(records=count, clean_records=clean, fields={q.field: q for q in _flatten(rules)})
