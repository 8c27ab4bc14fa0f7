"""Data agreements as data: YAML files checked by a JSON Schema and by the PDPA's own rules.

`validate_file` lists every problem as (file, field path, reason) in the style of the workflow's
process definitions; `load_agreements` stores each file as a `DataAgreement` version, refusing the
whole load if any file is wrong, so a half-loaded directory never exists.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pracha.agencies.models import Agency
from pracha.audit import chain as audit
from pracha.workflow.definitions import DefinitionError, Problem, read_yaml

from .models import CONSENT_BASES, DataAgreement, LawfulBasis, Sensitivity

AGREEMENTS_DIR = Path(__file__).resolve().parent / "agreements"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "agreement.schema.json"
# PDPA s.26: sensitive data without explicit consent only where the law itself allows it.
SENSITIVE_BASES = frozenset(
    {LawfulBasis.EXPLICIT_CONSENT, LawfulBasis.VITAL_INTEREST, LawfulBasis.LEGAL_OBLIGATION}
)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path(parts) -> str:
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return text


def _deepest(error: ValidationError) -> ValidationError:
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _schema_problems(data: Any, source: str) -> list[Problem]:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [Problem(source, _path(_deepest(e).absolute_path), _deepest(e).message) for e in errors]


def _semantic_problems(data: dict, path: Path, source: str) -> list[Problem]:
    problems: list[Problem] = []
    basis = data["lawful_basis"]
    if path.stem != data["code"]:
        problems.append(Problem(source, "code", f"the file must be named {data['code']}.yaml"))
    if basis in CONSENT_BASES and not data["withdrawable"]:
        problems.append(
            Problem(source, "withdrawable", "consent can always be withdrawn (PDPA s.19): set it to true")
        )
    if basis not in CONSENT_BASES and "legal_reference" not in data:
        problems.append(
            Problem(
                source, "legal_reference", f"a “{basis}” basis must name the law or contract that allows it"
            )
        )
    if basis not in CONSENT_BASES and "min_consent_version" in data:
        problems.append(Problem(source, "min_consent_version", f"a “{basis}” basis takes no consent"))
    sensitive = [c for c in data["data_categories"] if c["sensitivity"] == Sensitivity.SENSITIVE]
    if sensitive and basis not in SENSITIVE_BASES:
        problems.append(
            Problem(
                source,
                "lawful_basis",
                f"category “{sensitive[0]['code']}” is sensitive (PDPA s.26): the basis must be one of "
                f"{', '.join(sorted(SENSITIVE_BASES))}",
            )
        )
    if basis == LawfulBasis.EXPLICIT_CONSENT and not sensitive:
        problems.append(
            Problem(
                source,
                "lawful_basis",
                "explicit_consent is for sensitive data (s.26); no category is: use consent",
            )
        )
    seen: set[str] = set()
    for i, category in enumerate(data["data_categories"]):
        if category["code"] in seen:
            problems.append(
                Problem(source, f"data_categories[{i}].code", f"“{category['code']}” is given twice")
            )
        seen.add(category["code"])
    if data.get("min_consent_version", 1) > data["version"]:
        problems.append(Problem(source, "min_consent_version", "cannot be above the agreement's version"))
    return problems


def validate_data(data: Any, path: Path) -> list[Problem]:
    source = str(path)
    problems = _schema_problems(data, source)
    if problems:
        return problems
    return _semantic_problems(data, path, source)


def validate_file(path: Path) -> list[Problem]:
    """Every problem of one agreement file (YAML, schema, PDPA rules); agencies are checked at load."""
    try:
        data = read_yaml(Path(path))
    except DefinitionError as exc:
        return exc.problems
    return validate_data(data, Path(path))


def content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class LoadResult:
    loaded: list[str]  # "code vN" of the versions stored now
    unchanged: int


def _agency_problems(data: dict, source: str, agencies: dict[str, Agency]) -> list[Problem]:
    problems = []
    refs = [("controller", data["controller"])] + [
        (f"recipients[{i}]", c) for i, c in enumerate(data["recipients"])
    ]
    for where, code in refs:
        if code not in agencies:
            problems.append(
                Problem(source, where, f"there is no agency with code “{code}” (load the agencies first)")
            )
    return problems


def _version_problems(data: dict, digest: str, source: str) -> list[Problem]:
    versions = dict(DataAgreement.objects.filter(code=data["code"]).values_list("version", "content_hash"))
    if data["version"] in versions and versions[data["version"]] != digest:
        return [
            Problem(
                source, "version", f"version {data['version']} is already loaded with other content: raise it"
            )
        ]
    newest = max(versions, default=0)
    if data["version"] not in versions and data["version"] < newest:
        return [
            Problem(source, "version", f"version {newest} is already loaded: a new version must be above it")
        ]
    return []


def load_agreements(directory: Path = AGREEMENTS_DIR) -> LoadResult:
    """Store each file's version when it is new; raise DefinitionError listing every problem."""
    files = sorted(Path(directory).glob("*.yaml"))
    problems: list[Problem] = []
    parsed: list[tuple[Path, dict, str]] = []
    codes: dict[str, Path] = {}
    for path in files:
        file_problems = validate_file(path)
        if file_problems:
            problems += file_problems
            continue
        data = read_yaml(path)
        if data["code"] in codes:
            problems.append(
                Problem(str(path), "code", f"“{data['code']}” is also defined in {codes[data['code']]}")
            )
        codes[data["code"]] = path
        parsed.append((path, data, content_hash(data)))
    wanted = {c for _p, d, _h in parsed for c in [d["controller"], *d["recipients"]]}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=wanted)}
    for path, data, digest in parsed:
        problems += _agency_problems(data, str(path), agencies) + _version_problems(data, digest, str(path))
    if problems:
        raise DefinitionError(problems)

    loaded, unchanged = [], 0
    with transaction.atomic():
        for path, data, digest in parsed:
            if DataAgreement.objects.filter(code=data["code"], version=data["version"]).exists():
                unchanged += 1
                continue
            retention = data["retention"]
            agreement = DataAgreement.objects.create(
                code=data["code"],
                version=data["version"],
                title=data["title"],
                purpose=data["purpose"],
                lawful_basis=data["lawful_basis"],
                legal_reference=data.get("legal_reference", {}),
                data_categories=data["data_categories"],
                retention_amount=retention["amount"],
                retention_unit=retention["unit"],
                retention_note=retention.get("note", {}),
                controller=agencies[data["controller"]],
                withdrawable=data["withdrawable"],
                withdrawal_effect=data["withdrawal_effect"],
                min_consent_version=data.get("min_consent_version", 1),
                content_hash=digest,
                source=path.name,
            )
            agreement.recipients.set([agencies[c] for c in data["recipients"]])
            audit.record(
                "consent.agreement_loaded",
                agreement,
                {"code": agreement.code, "version": agreement.version, "content_hash": digest},
            )
            loaded.append(str(agreement))
    return LoadResult(loaded, unchanged)
