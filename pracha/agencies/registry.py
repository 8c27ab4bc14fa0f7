"""Loading the agency registry: YAML data files (pracha/agencies/data/) and local-body CSV files.

Both inputs go through the same three steps:
1. shape: each entry is checked against a JSON Schema (schema/*.schema.json);
2. meaning: codes are unique, parents exist, area codes are real DOPA codes of the loaded geography;
3. upsert by code in one transaction with bulk statements, and one audit entry naming what changed.
Any problem stops the load before anything is written, and every problem names file, entry, field, reason.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Q
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pracha.audit.chain import record

from .models import Agency, ContactPoint, Coverage, District, Province, Subdistrict
from .signals import registry_changed

DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
YAML_SOURCE_PREFIX = "data/"
AGENCY_FIELDS = ["name_th", "name_en", "kind", "abbr_th", "abbr_en", "website", "phone", "email", "active"]
UNIT_FIELDS = ["name_th", "name_en", "phone", "email", "active"]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One reason a data file is refused."""

    source: str
    entry: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = [self.source] + [p for p in (self.entry, f"field “{self.field}”" if self.field else "") if p]
        return f"{': '.join(where)}: {self.reason}"


class RegistryError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class AgencySpec:
    """One agency as a data file declares it, already checked against the schema."""

    source: str
    label: str
    code: str
    kind: str
    values: dict[str, Any]
    parent: str | None = None
    units: list[dict[str, Any]] = field(default_factory=list)
    areas: list[str] | None = None  # None: no coverage at all
    all_provinces_except: list[str] | None = None
    area_field: str = "coverage.areas"
    file: str = ""  # how problems name the file; defaults to source

    def __post_init__(self) -> None:
        self.file = self.file or self.source


@dataclass
class LoadResult:
    agencies: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    units_created: int = 0
    units_updated: int = 0
    units_retired: int = 0
    coverage_added: int = 0
    coverage_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.retired
            or self.units_created
            or self.units_updated
            or self.units_retired
            or self.coverage_added
            or self.coverage_removed
        )

    def summary(self) -> str:
        return (
            f"{self.agencies} agencies ({len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.retired)} retired); contact points {self.units_created} created, "
            f"{self.units_updated} updated, {self.units_retired} retired; coverage rows "
            f"{self.coverage_added} added, {self.coverage_removed} removed"
        )


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path_text(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_problem(source: str, label: str, err: ValidationError, rel_path: list[Any]) -> Problem:
    """Turn a jsonschema error into a problem naming the field; `required` and extra keys name theirs."""
    field_path = _path_text(rel_path)
    reason = err.message
    missing = re.match(r"^'(.+)' is a required property$", err.message)
    extra = re.match(r"^Additional properties are not allowed \('(.+)' was unexpected\)$", err.message)
    if missing:
        field_path, reason = _path_text([*rel_path, missing.group(1)]), "is required"
    elif extra:
        field_path, reason = _path_text([*rel_path, extra.group(1)]), "is not a known field"
    elif err.validator == "pattern" and "description" in err.schema:
        reason = f"{err.message} ({err.schema['description']})"
    return Problem(source, label, field_path, reason)


def _entry_lines(text: str) -> list[int]:
    """Line number of each item of the top-level `agencies` list, for messages people can act on."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "agencies" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _entry_label(index: int, item: Any, lines: list[int]) -> str:
    code = item.get("code") if isinstance(item, dict) else None
    details = [str(code)] if isinstance(code, str) else []
    if index < len(lines):
        details.append(f"line {lines[index]}")
    return f"entry {index + 1}" + (f" ({', '.join(details)})" if details else "")


def parse_yaml_file(path: Path, source: str) -> tuple[list[AgencySpec], list[Problem]]:
    text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
        return [], [Problem(source, where, "", reason)]
    lines = _entry_lines(text)
    problems: list[Problem] = []
    bad_entries: set[int] = set()
    for err in _validator("agency-file.schema.json").iter_errors(doc):
        path_parts = list(err.absolute_path)
        if len(path_parts) >= 2 and path_parts[0] == "agencies" and isinstance(path_parts[1], int):
            index = path_parts[1]
            bad_entries.add(index)
            label = _entry_label(index, doc["agencies"][index], lines)
            problems.append(_schema_problem(source, label, err, path_parts[2:]))
        else:
            problems.append(_schema_problem(source, "", err, path_parts))
    if not isinstance(doc, dict) or not isinstance(doc.get("agencies"), list):
        return [], problems
    specs = []
    for index, item in enumerate(doc["agencies"]):
        if index in bad_entries:
            continue
        coverage = item.get("coverage", {})
        specs.append(
            AgencySpec(
                source=source,
                label=_entry_label(index, item, lines),
                code=item["code"],
                kind=item["kind"],
                parent=item.get("parent"),
                values={
                    "name_th": item["name_th"],
                    "name_en": item["name_en"],
                    "kind": item["kind"],
                    "abbr_th": item.get("abbr_th", ""),
                    "abbr_en": item.get("abbr_en", ""),
                    "website": item.get("website", ""),
                    "phone": item.get("phone", ""),
                    "email": item.get("email", ""),
                    "active": item.get("active", True),
                },
                units=[dict(unit) for unit in item["contact_points"]],
                areas=coverage.get("areas"),
                all_provinces_except=coverage.get("all_provinces_except"),
            )
        )
    return specs, problems


def read_data_dir(data_dir: Path = DATA_DIR) -> tuple[list[AgencySpec], list[Problem]]:
    specs: list[AgencySpec] = []
    problems: list[Problem] = []
    files = sorted(data_dir.glob("*.yaml"))
    if not files:
        problems.append(Problem(str(data_dir), "", "", "no *.yaml data files here"))
    for path in files:
        file_specs, file_problems = parse_yaml_file(path, f"{YAML_SOURCE_PREFIX}{path.name}")
        specs += file_specs
        problems += file_problems
    return specs, problems


# -- local bodies from CSV -------------------------------------------------------------------------

CSV_COLUMNS = [
    "code",
    "kind",
    "name_th",
    "name_en",
    "abbr_th",
    "abbr_en",
    "subdistricts",
    "phone",
    "email",
    "website",
]
CSV_REQUIRED = ["code", "kind", "name_th", "subdistricts"]
# The office of every municipality and SAO that receives letters and complaints (its clerk's office).
MAIN_UNIT = {
    "municipality": ("สำนักปลัดเทศบาล", "Office of the Municipal Clerk"),
    "sao": ("สำนักปลัดองค์การบริหารส่วนตำบล", "Office of the SAO Clerk"),
    "special_local": ("สารบรรณกลาง", "Central correspondence"),
}


def parse_local_bodies_csv(path: Path) -> tuple[list[AgencySpec], list[Problem]]:
    source = path.name
    problems: list[Problem] = []
    specs: list[AgencySpec] = []
    try:
        handle = path.open(encoding="utf-8-sig", newline="")  # utf-8-sig: spreadsheets add a BOM
    except OSError as exc:
        return [], [Problem(source, "", "", f"cannot read the file: {exc.strerror}")]
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except (UnicodeDecodeError, csv.Error) as exc:
            return [], [Problem(source, "header", "", f"not a UTF-8 CSV file: {exc}")]
        header = [h.strip() for h in header]
        reader.fieldnames = header
        for column in header:
            if column not in CSV_COLUMNS:
                problems.append(
                    Problem(source, "header", column, f"unknown column; known: {', '.join(CSV_COLUMNS)}")
                )
        for column in CSV_REQUIRED:
            if column not in header:
                problems.append(Problem(source, "header", column, "required column is missing"))
        if problems:
            return [], problems
        try:
            rows = list(reader)
        except (UnicodeDecodeError, csv.Error) as exc:
            return [], [Problem(source, f"row {reader.line_num}", "", f"cannot read the row: {exc}")]
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        item: dict[str, Any] = {k: v for k, v in row.items() if v and k != "subdistricts"}
        item["subdistricts"] = [c for c in re.split(r"[\s,;]+", row.get("subdistricts", "")) if c]
        label = f"row {number}" + (f" ({item['code']})" if item.get("code") else "")
        errors = list(_validator("local-body-row.schema.json").iter_errors(item))
        for err in errors:
            problems.append(_schema_problem(source, label, err, list(err.absolute_path)[:1]))
        if errors:
            continue
        unit_th, unit_en = MAIN_UNIT[item["kind"]]
        specs.append(
            AgencySpec(
                source=f"csv:{source}",
                file=source,
                label=label,
                code=item["code"],
                kind=item["kind"],
                values={
                    "name_th": item["name_th"],
                    "name_en": item.get("name_en", ""),
                    "kind": item["kind"],
                    "abbr_th": item.get("abbr_th", ""),
                    "abbr_en": item.get("abbr_en", ""),
                    "website": item.get("website", ""),
                    "phone": item.get("phone", ""),
                    "email": item.get("email", ""),
                    "active": True,
                },
                units=[
                    {"unit": "main", "name_th": unit_th, "name_en": unit_en, "phone": item.get("phone", "")}
                ],
                areas=item["subdistricts"],
                area_field="subdistricts",
            )
        )
    return specs, problems


# -- meaning -----------------------------------------------------------------------------------------


def check_meaning(specs: list[AgencySpec], *, local_only: bool = False) -> list[Problem]:
    """Checks no schema can make: unique codes and units, real parents, real area codes."""
    problems: list[Problem] = []
    first: dict[str, AgencySpec] = {}
    for spec in specs:
        if spec.code in first:
            other = first[spec.code]
            problems.append(
                Problem(
                    spec.file,
                    spec.label,
                    "code",
                    f"duplicate code {spec.code}: also in {other.file} {other.label}",
                )
            )
            continue
        first[spec.code] = spec
        seen_units: set[str] = set()
        for i, unit in enumerate(spec.units):
            if unit["unit"] in seen_units:
                problems.append(
                    Problem(
                        spec.file,
                        spec.label,
                        f"contact_points[{i}].unit",
                        f"duplicate unit “{unit['unit']}”",
                    )
                )
            seen_units.add(unit["unit"])

    parents_needed = {s.parent for s in specs if s.parent} - set(first)
    in_db = set(Agency.objects.filter(code__in=parents_needed).values_list("code", flat=True))
    for spec in specs:
        if spec.parent is None:
            continue
        if spec.parent == spec.code:
            problems.append(Problem(spec.file, spec.label, "parent", "an agency cannot be its own parent"))
        elif spec.parent not in first and spec.parent not in in_db:
            problems.append(Problem(spec.file, spec.label, "parent", f"unknown parent “{spec.parent}”"))
    problems += _cycles(first)

    if local_only:
        kinds = dict(Agency.objects.filter(code__in=list(first)).values_list("code", "kind"))
        for spec in specs:
            if kinds.get(spec.code, spec.kind) not in MAIN_UNIT:
                problems.append(
                    Problem(
                        spec.file,
                        spec.label,
                        "code",
                        f"{spec.code} is a {kinds[spec.code]} agency; a local-bodies file may only hold "
                        "municipalities, SAOs and special local governments",
                    )
                )
    problems += _check_areas(specs)
    return problems


def _cycles(by_code: dict[str, AgencySpec]) -> list[Problem]:
    problems = []
    for code, spec in by_code.items():
        seen, current = {code}, spec.parent
        while current in by_code:
            if current in seen:
                problems.append(
                    Problem(spec.file, spec.label, "parent", f"parent chain loops back to {current}")
                )
                break
            seen.add(current)
            current = by_code[current].parent
    return problems


def _area_sets() -> dict[int, set[str]]:
    return {
        2: set(Province.objects.values_list("code", flat=True)),
        4: set(District.objects.values_list("code", flat=True)),
        6: set(Subdistrict.objects.values_list("code", flat=True)),
    }


def _check_areas(specs: list[AgencySpec]) -> list[Problem]:
    wanted = [s for s in specs if s.areas or s.all_provinces_except]
    if not wanted:
        return []
    known = _area_sets()
    if not known[2]:
        return [
            Problem(wanted[0].file, "", "", "the geography is not loaded: run `pracha load-geography` first")
        ]
    problems = []
    for spec in wanted:
        for i, code in enumerate(spec.areas or []):
            if code not in known[len(code)]:
                problems.append(
                    Problem(spec.file, spec.label, f"{spec.area_field}[{i}]", f"unknown area code {code}")
                )
        for i, code in enumerate(spec.all_provinces_except or []):
            if code not in known[2]:
                problems.append(
                    Problem(
                        spec.file,
                        spec.label,
                        f"coverage.all_provinces_except[{i}]",
                        f"unknown province code {code}",
                    )
                )
    return problems


# -- writing -----------------------------------------------------------------------------------------


def _coverage_key(row: tuple[int, str | None, str | None, str | None]) -> tuple[int, str]:
    agency_id, province, district, subdistrict = row
    return agency_id, (subdistrict or district or province or "")


def _coverage_row(agency_id: int, area: str) -> Coverage:
    level = {2: "province_id", 4: "district_id", 6: "subdistrict_id"}[len(area)]
    return Coverage(agency_id=agency_id, **{level: area})


def apply(specs: list[AgencySpec], *, retire_missing_yaml: bool = False) -> LoadResult:
    """Upsert agencies, their contact points and coverage by code, in bulk, inside the caller's transaction.

    Contact points and agencies that a data file no longer lists are deactivated, not deleted: cases,
    roles and audit records may point at them.
    """
    result = LoadResult(agencies=len(specs))
    codes = [s.code for s in specs]
    existing = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    new, changed = [], []
    for spec in specs:
        values = {**spec.values, "source": spec.source}
        agency = existing.get(spec.code)
        if agency is None:
            new.append(Agency(code=spec.code, **values))
        elif any(getattr(agency, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(agency, k, v)
            changed.append(agency)
    Agency.objects.bulk_create(new, batch_size=500)
    Agency.objects.bulk_update(changed, [*AGENCY_FIELDS, "source"], batch_size=500)
    result.created = [a.code for a in new]
    updated = {a.code for a in changed}

    # Parents once every agency of the batch exists, so files may list children before parents.
    parent_codes = {s.parent for s in specs if s.parent}
    ids = dict(Agency.objects.filter(code__in=set(codes) | parent_codes).values_list("code", "id"))
    current_parent = dict(Agency.objects.filter(code__in=codes).values_list("code", "parent_id"))
    reparent = []
    for spec in specs:
        want = ids[spec.parent] if spec.parent else None
        if current_parent[spec.code] != want:
            reparent.append(Agency(id=ids[spec.code], parent_id=want))
            updated.add(spec.code)
    Agency.objects.bulk_update(reparent, ["parent"], batch_size=500)
    result.updated = sorted(updated - set(result.created))

    agency_ids = [ids[c] for c in codes]
    _apply_units(specs, ids, agency_ids, result)
    _apply_coverage(specs, ids, agency_ids, result)

    if retire_missing_yaml:
        gone = Agency.objects.filter(source__startswith=YAML_SOURCE_PREFIX, active=True).exclude(
            code__in=codes
        )
        result.retired = sorted(gone.values_list("code", flat=True))
        gone.update(active=False)
    # Now for this process, and again once committed (another thread may have read the old rows).
    registry_changed.send(sender=Agency)
    transaction.on_commit(lambda: registry_changed.send(sender=Agency))
    return result


def _apply_units(
    specs: list[AgencySpec], ids: dict[str, int], agency_ids: list[int], result: LoadResult
) -> None:
    wanted: dict[str, dict[str, Any]] = {}
    for spec in specs:
        for unit in spec.units:
            wanted[f"{spec.code}/{unit['unit']}"] = {
                "agency_id": ids[spec.code],
                "name_th": unit["name_th"],
                "name_en": unit.get("name_en", ""),
                "phone": unit.get("phone", ""),
                "email": unit.get("email", ""),
                "active": unit.get("active", True),
            }
    have = {
        cp.code: cp
        for cp in ContactPoint.objects.filter(Q(agency_id__in=agency_ids) | Q(code__in=list(wanted)))
    }
    new, changed = [], []
    for code, values in wanted.items():
        cp = have.get(code)
        if cp is None:
            new.append(ContactPoint(code=code, **values))
        elif any(getattr(cp, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(cp, k, v)
            changed.append(cp)
    retired = [cp for code, cp in have.items() if code not in wanted and cp.active]
    for cp in retired:
        cp.active = False
    ContactPoint.objects.bulk_create(new, batch_size=500)
    ContactPoint.objects.bulk_update([*changed, *retired], ["agency_id", *UNIT_FIELDS], batch_size=500)
    result.units_created, result.units_updated, result.units_retired = len(new), len(changed), len(retired)


def _apply_coverage(
    specs: list[AgencySpec], ids: dict[str, int], agency_ids: list[int], result: LoadResult
) -> None:
    provinces = sorted(Province.objects.values_list("code", flat=True))
    wanted: set[tuple[int, str]] = set()
    for spec in specs:
        areas = spec.areas or []
        if spec.all_provinces_except is not None:
            areas = [p for p in provinces if p not in set(spec.all_provinces_except)]
        wanted |= {(ids[spec.code], area) for area in areas}
    rows = Coverage.objects.filter(agency_id__in=agency_ids).values_list(
        "id", "agency_id", "province_id", "district_id", "subdistrict_id"
    )
    have = {_coverage_key(row[1:]): row[0] for row in rows}
    stale = [pk for key, pk in have.items() if key not in wanted]
    Coverage.objects.filter(pk__in=stale).delete()
    Coverage.objects.bulk_create(
        [_coverage_row(agency_id, area) for agency_id, area in sorted(wanted - set(have))], batch_size=1000
    )
    result.coverage_added, result.coverage_removed = len(wanted - set(have)), len(stale)


def _audit(result: LoadResult, object_id: str, sources: list[str]) -> None:
    if result.changed:
        record(
            "agencies.registry_loaded",
            ("agencies.registry", object_id),
            {
                "sources": sources,
                "created": result.created,
                "updated": result.updated,
                "retired": result.retired,
                "contact_points": {
                    "created": result.units_created,
                    "updated": result.units_updated,
                    "retired": result.units_retired,
                },
                "coverage": {"added": result.coverage_added, "removed": result.coverage_removed},
            },
        )


def load_agencies(data_dir: Path = DATA_DIR) -> LoadResult:
    """Load every YAML file of data_dir; refuse them all (RegistryError) if any has a problem."""
    specs, problems = read_data_dir(data_dir)
    problems += check_meaning(specs)
    if problems:
        raise RegistryError(problems)
    with transaction.atomic():
        result = apply(specs, retire_missing_yaml=True)
        _audit(result, "yaml", sorted({s.source for s in specs}))
    return result


def import_local_bodies(path: Path) -> LoadResult:
    """Load a CSV of municipalities, SAOs and special local governments (see docs/decisions/0101)."""
    specs, problems = parse_local_bodies_csv(path)
    problems += check_meaning(specs, local_only=True)
    if problems:
        raise RegistryError(problems)
    if not specs:
        raise RegistryError([Problem(path.name, "", "", "the file has no rows")])
    with transaction.atomic():
        result = apply(specs)
        _audit(result, f"csv:{path.name}", [f"csv:{path.name}"])
    return result
