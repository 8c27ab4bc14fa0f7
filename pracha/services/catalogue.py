"""E-service definitions: one YAML file per service in definitions/, checked by a JSON Schema
(schema/service.schema.json) and by the rules a schema cannot express (steps are states of the
process, certificate fields are form fields, fetched fields exist at the data owner, and so on).

    definition = get_definition("rice-trading-licence")
    errors = validate_application_data(definition, data, partial=True)

The files are the catalogue: what is in the repository is what is published. An application pins the
exact content it was filed under through `pracha.services.services.current_version(code)`.
A file with an error is refused with (file, field path, reason), like the workflow's process files.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from pracha.core.calendar import TimeLimit
from pracha.core.errors import PrachaError
from pracha.workflow import definitions as workflow_definitions
from pracha.workflow.definitions import (
    Definition,
    DefinitionError,
    Problem,
    _deepest,
    _path,
    parse_file,
    read_yaml,
)
from pracha.workflow.registry import definition_files

__all__ = [
    "DEFINITIONS_DIR",
    "EXCHANGE_SERVICES",
    "PREFILL_KEYS",
    "Certificate",
    "DefinitionError",
    "Document",
    "Fee",
    "Fetch",
    "FormField",
    "FormPage",
    "LocalText",
    "Problem",
    "ServiceDefinition",
    "Step",
    "build",
    "get_definition",
    "load_definitions",
    "prefill",
    "search",
    "validate",
    "validate_application_data",
    "validate_file",
]

HERE = Path(__file__).resolve().parent
DEFINITIONS_DIR = HERE / "definitions"
SCHEMA_PATH = HERE / "schema" / "service.schema.json"

PREFILL_KEYS = (
    "person.full_name",
    "person.first_name",
    "person.last_name",
    "person.id_number",
    "person.birth_date",
    "person.phone",
    "person.email",
    "person.address",
    "person.nationality",
)
# The data services of the exchange an e-service may fetch a document from, with the fields each
# provider answers (contract D). The hub keeps the live directory; a definition is checked against
# this list so that a typo is caught when the file is written, not when a citizen applies.
EXCHANGE_SERVICES: dict[str, frozenset[str]] = {
    "dopa.population_record": frozenset(
        {
            "id_number", "prefix", "first_name", "last_name", "birth_date", "gender",
            "nationality", "address", "house_registration_no", "status", "moved_in_at",
        }
    ),
    "sso.insured_status": frozenset(
        {
            "id_number", "insured", "section", "employer_name", "employer_id", "contribution_months",
            "last_contribution_month",
        }
    ),
    "doe.worker_abroad": frozenset(
        {
            "id_number", "country", "employer_abroad", "job_title", "contract_start", "contract_end",
            "departure_date", "return_date", "status",
        }
    ),
}  # fmt: skip
# Which form field types each widget can show.
WIDGET_TYPES = {
    "textarea": {"string"},
    "select": {"string", "integer", "number"},
    "date": {"string"},
    "number": {"integer", "number"},
    "checkbox": {"boolean"},
}


# --- The runtime objects ---------------------------------------------------------------------------


class LocalText(workflow_definitions.LocalText):
    """{"th": ..., "en": ...}: str() in the active language (as the workflow's), or .th / .en."""

    @property
    def th(self) -> str:
        return self.get("th", "")

    @property
    def en(self) -> str:
        return self.get("en", "")


@dataclass(frozen=True)
class FormField:
    code: str
    type: str
    label: LocalText
    required: bool
    help: LocalText | None = None
    prefill: str = ""
    widget: str = ""
    choices: tuple[tuple[Any, LocalText], ...] = ()  # (value, label) of an enum
    schema: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class FormPage:
    title: LocalText
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Fetch:
    service: str
    fields: tuple[str, ...]
    consent: bool
    id_field: str = ""  # empty: the applicant's own record


@dataclass(frozen=True)
class Document:
    code: str
    name: LocalText
    required: bool
    accept: tuple[str, ...]
    max_mb: float
    help: LocalText | None = None
    fetch: Fetch | None = None

    @property
    def fetchable(self) -> bool:
        return self.fetch is not None


@dataclass(frozen=True)
class Fee:
    code: str
    name: LocalText
    amount: Decimal
    due: str  # on_submit | on_approval
    amount_field: str = ""  # the amount comes from this form field (at least `amount`)
    note: LocalText | None = None

    def amount_for(self, data: Mapping[str, Any] | None = None) -> Decimal:
        if self.amount_field and data and data.get(self.amount_field) not in (None, ""):
            try:
                value = Decimal(str(data[self.amount_field]))
            except InvalidOperation:
                return self.amount
            return max(value, self.amount) if value.is_finite() else self.amount
        return self.amount


@dataclass(frozen=True)
class Step:
    state: str
    name: LocalText
    time_limit: TimeLimit
    office: LocalText


@dataclass(frozen=True)
class Certificate:
    kind: str
    title: LocalText
    valid_for: dict | None  # {"years": 1} | {"months": n} | {"days": n} | None (no expiry)
    fields: tuple[str, ...]

    def valid_until(self, start: dt.date) -> dt.date | None:
        """The last day of validity of a certificate issued on `start`."""
        if not self.valid_for:
            return None
        if "days" in self.valid_for:
            return start + dt.timedelta(days=self.valid_for["days"] - 1)
        months = self.valid_for.get("months", 0) + 12 * self.valid_for.get("years", 0)
        year, month = divmod(start.month - 1 + months, 12)
        year += start.year
        day = start.day
        while True:  # 29 Feb plus one year ends on 28 Feb
            try:
                return dt.date(year, month + 1, day) - dt.timedelta(days=1)
            except ValueError:
                day -= 1


@dataclass(frozen=True)
class ServiceDefinition:
    code: str
    version: int
    name: LocalText
    agency: str
    legal_basis: tuple[LocalText, ...]
    summary: LocalText
    eligibility: LocalText
    applicant_types: tuple[str, ...]
    keywords: dict[str, tuple[str, ...]]
    process: str
    form: dict  # the JSON Schema of the application data, as written
    fields: dict[str, FormField]
    pages: tuple[FormPage, ...]
    documents: tuple[Document, ...]
    fees: tuple[Fee, ...]
    steps: tuple[Step, ...]
    time_limit: TimeLimit
    contact: LocalText
    certificate: Certificate | None = None
    published: dt.date | None = None
    source: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def fetchable_documents(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.fetch is not None)

    @property
    def upload_documents(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.fetch is None)

    def fee_total(self, due: str | None = None, data: Mapping[str, Any] | None = None) -> Decimal:
        """Sum of the fees due at `due` (on_submit/on_approval; None: all), with amounts taken from
        the application data where a fee names an amount field."""
        return sum((f.amount_for(data) for f in self.fees if due in (None, f.due)), Decimal("0.00"))

    @property
    def is_free(self) -> bool:
        return not any(f.amount or f.amount_field for f in self.fees)

    def step(self, state: str) -> Step | None:
        return next((s for s in self.steps if s.state == state), None)

    def document(self, code: str) -> Document | None:
        return next((d for d in self.documents if d.code == code), None)

    def page_fields(self) -> tuple[FormPage, ...]:
        """The wizard pages; one page with every field when the definition does not split the form."""
        if self.pages:
            return self.pages
        return (FormPage(LocalText(self.name), tuple(self.fields)),)

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.raw)


def content_hash(data: dict) -> str:
    import hashlib

    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- Validation ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _schema_problems(data: Any, source: str) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        detail = _deepest(error)
        problems.append(Problem(source, _path(detail.absolute_path), detail.message))
    return problems


def registered_processes() -> dict[str, Definition]:
    """Every process definition that parses, by code. A broken process file is the workflow's
    problem (pracha load-processes reports it); here it only means the process is unknown."""
    found: dict[str, Definition] = {}
    for path in definition_files():
        try:
            definition = parse_file(path)
        except DefinitionError:
            continue
        found.setdefault(definition.code, definition)
    return found


def known_agency_codes() -> frozenset[str]:
    """Agency codes of the registry's data files and of the database (local bodies are loaded from
    CSV files into the database only)."""
    from django.db import DatabaseError

    from pracha.agencies.models import Agency
    from pracha.agencies.registry import read_data_dir

    specs, _problems = read_data_dir()
    codes = {s.code for s in specs}
    # No database yet (e.g. a check before migrate): the data files alone.
    with suppress(DatabaseError):
        codes |= set(Agency.objects.values_list("code", flat=True))
    return frozenset(codes)


def _form_problems(form: dict, source: str) -> list[Problem]:
    problems: list[Problem] = []
    try:
        Draft202012Validator.check_schema(form)
    except SchemaError as exc:
        problems.append(
            Problem(source, _path(["form", *exc.absolute_path]), f"not a valid JSON Schema: {exc.message}")
        )
    props: dict[str, dict] = form["properties"]
    for i, name in enumerate(form.get("required") or ()):
        if name not in props:
            problems.append(
                Problem(source, f"form.required[{i}]", f"“{name}” is not a field under form.properties")
            )
    for name, spec in props.items():
        at = f"form.properties.{name}"
        widget, enum = spec.get("x-widget"), spec.get("enum")
        if widget and spec["type"] not in WIDGET_TYPES[widget]:
            problems.append(
                Problem(source, f"{at}.x-widget", f"a {widget} cannot show a field of type {spec['type']}")
            )
        if widget == "select" and not enum:
            problems.append(Problem(source, f"{at}.enum", "a select needs the list of choices in enum"))
        labels = spec.get("x-enum-labels")
        if labels is not None and (not enum or len(labels) != len(enum)):
            problems.append(
                Problem(
                    source, f"{at}.x-enum-labels", "needs one label for each value of enum, in the same order"
                )
            )
        if enum:
            checker = Draft202012Validator({"type": spec["type"]})
            for j, value in enumerate(enum):
                if not checker.is_valid(value):
                    problems.append(
                        Problem(source, f"{at}.enum[{j}]", f"{value!r} is not of type {spec['type']}")
                    )
        if widget == "date" and spec.get("format") != "date":
            problems.append(Problem(source, f"{at}.format", "a date field needs format: date (YYYY-MM-DD)"))
        if spec.get("x-prefill") and spec["type"] != "string":
            problems.append(Problem(source, f"{at}.x-prefill", "prefilled values are text: use type string"))
    pages = form.get("x-pages") or []
    seen: dict[str, int] = {}
    for p, page in enumerate(pages):
        for j, name in enumerate(page["fields"]):
            where = f"form.x-pages[{p}].fields[{j}]"
            if name not in props:
                problems.append(Problem(source, where, f"“{name}” is not a field under form.properties"))
            elif name in seen:
                problems.append(Problem(source, where, f"“{name}” is already on page {seen[name] + 1}"))
            else:
                seen[name] = p
    if pages:
        for name in props:
            if name not in seen:
                problems.append(Problem(source, f"form.properties.{name}", "is on none of the x-pages"))
    return problems


def _unique(items: list[dict], where: str, source: str, key: str = "code") -> list[Problem]:
    problems, seen = [], set()
    for i, item in enumerate(items):
        if item[key] in seen:
            problems.append(Problem(source, f"{where}[{i}].{key}", f"“{item[key]}” is given twice"))
        seen.add(item[key])
    return problems


def _semantic_problems(
    data: dict,
    source: str,
    processes: Mapping[str, Definition] | None,
    agencies: Iterable[str] | None,
) -> list[Problem]:
    problems: list[Problem] = []
    stem = Path(source).stem
    if source.endswith((".yaml", ".yml")) and stem != data["code"]:
        problems.append(Problem(source, "code", f"must be the file name: “{stem}”"))
    if agencies is not None and data["agency"] not in set(agencies):
        problems.append(
            Problem(source, "agency", f"“{data['agency']}” is not an agency of the registry (see /agencies/)")
        )
    form = data["form"]
    props: dict[str, dict] = form["properties"]
    problems += _form_problems(form, source)

    problems += _unique(data["documents"], "documents", source)
    for i, doc in enumerate(data["documents"]):
        fetch = doc.get("fetch")
        if not fetch:
            continue
        at = f"documents[{i}].fetch"
        offered = EXCHANGE_SERVICES.get(fetch["service"])
        if offered is None:
            problems.append(
                Problem(
                    source,
                    f"{at}.service",
                    f"“{fetch['service']}” is not a data service of the exchange; use one of "
                    f"{', '.join(sorted(EXCHANGE_SERVICES))}",
                )
            )
        else:
            for j, name in enumerate(fetch["fields"]):
                if name not in offered:
                    problems.append(
                        Problem(source, f"{at}.fields[{j}]", f"“{fetch['service']}” has no field “{name}”")
                    )
        id_field = fetch.get("id_field")
        if id_field and id_field not in props:
            problems.append(
                Problem(source, f"{at}.id_field", f"“{id_field}” is not a field under form.properties")
            )

    problems += _unique(data["fees"], "fees", source)
    for i, fee in enumerate(data["fees"]):
        try:
            Decimal(fee["amount"])
        except InvalidOperation:
            problems.append(
                Problem(source, f"fees[{i}].amount", f"“{fee['amount']}” is not an amount in baht")
            )
        amount_field = fee.get("amount_field")
        if amount_field and (
            amount_field not in props or props[amount_field]["type"] not in ("number", "integer")
        ):
            problems.append(
                Problem(
                    source, f"fees[{i}].amount_field", f"“{amount_field}” is not a number field of the form"
                )
            )

    cert = data.get("certificate")
    if cert:
        for j, name in enumerate(cert["fields"]):
            if name not in props:
                problems.append(
                    Problem(
                        source, f"certificate.fields[{j}]", f"“{name}” is not a field under form.properties"
                    )
                )

    problems += _unique(data["steps"], "steps", source, key="state")
    total = data["time_limit"]
    units = {s["time_limit"]["unit"] for s in data["steps"]}
    if units == {total["unit"]}:
        summed = sum(Decimal(str(s["time_limit"]["amount"])) for s in data["steps"])
        if summed > Decimal(str(total["amount"])):
            problems.append(
                Problem(
                    source,
                    "time_limit",
                    f"the steps take {summed} {total['unit']}, more than the service's {total['amount']}",
                )
            )

    if processes is not None:
        process = processes.get(data["process"])
        if process is None:
            problems.append(
                Problem(
                    source,
                    "process",
                    f"there is no process “{data['process']}”; known: "
                    f"{', '.join(sorted(processes)) or 'none'}",
                )
            )
        else:
            problems += _process_problems(data, process, source)
    return problems


def _process_problems(data: dict, process: Definition, source: str) -> list[Problem]:
    problems = []
    for i, step in enumerate(data["steps"]):
        state = process.states.get(step["state"])
        if state is None:
            problems.append(
                Problem(
                    source,
                    f"steps[{i}].state",
                    f"process “{process.code}” has no state “{step['state']}”; its states: "
                    f"{', '.join(process.states)}",
                )
            )
        elif state.final:
            problems.append(
                Problem(
                    source, f"steps[{i}].state", f"“{step['state']}” is a final state: no work is done in it"
                )
            )
    if any(f["due"] == "on_approval" for f in data["fees"]) and "awaiting_payment" not in process.states:
        problems.append(
            Problem(
                source,
                "fees",
                f"a fee due on approval needs a payment state; process “{process.code}” has none",
            )
        )
    if data.get("certificate") and "issuing" not in process.states:
        problems.append(
            Problem(source, "certificate", f"process “{process.code}” has no “issuing” state to issue it in")
        )
    return problems


def validate(
    data: Any,
    source: str = "<definition>",
    *,
    processes: Mapping[str, Definition] | None = None,
    agencies: Iterable[str] | None = None,
) -> list[Problem]:
    """Every problem of a definition (parsed YAML). `processes`: the workflow processes to check the
    steps against (None: the registered ones); `agencies`: known agency codes (None: not checked)."""
    problems = _schema_problems(data, source)
    if problems:
        return problems
    return _semantic_problems(
        data, source, registered_processes() if processes is None else processes, agencies
    )


def validate_file(
    path: str | Path,
    *,
    processes: Mapping[str, Definition] | None = None,
    agencies: Iterable[str] | None = None,
) -> list[Problem]:
    try:
        data = read_yaml(Path(path))
    except DefinitionError as exc:
        return exc.problems
    return validate(data, str(path), processes=processes, agencies=agencies)


# --- Building ------------------------------------------------------------------------------------


def _text(node: dict | None) -> LocalText | None:
    return LocalText(node) if node else None


def _fields(form: dict) -> dict[str, FormField]:
    required = set(form.get("required") or ())
    fields = {}
    for name, spec in form["properties"].items():
        labels = spec.get("x-enum-labels") or []
        choices = tuple(
            (value, LocalText(labels[i]) if i < len(labels) else LocalText(th=str(value), en=str(value)))
            for i, value in enumerate(spec.get("enum") or ())
        )
        fields[name] = FormField(
            code=name,
            type=spec["type"],
            label=LocalText(spec["x-label"]),
            required=name in required,
            help=_text(spec.get("x-help")),
            prefill=spec.get("x-prefill", ""),
            widget=spec.get("x-widget", "") or ("select" if choices else ""),
            choices=choices,
            schema=spec,
        )
    return fields


def build(
    data: dict,
    source: str = "<definition>",
    *,
    processes: Mapping[str, Definition] | None = None,
    agencies: Iterable[str] | None = None,
    check_references: bool = True,
) -> ServiceDefinition:
    """A checked ServiceDefinition; DefinitionError lists every problem. A stored version is rebuilt
    with check_references=False: it stays readable after its process or agency changed."""
    problems = (
        validate(data, source, processes=processes, agencies=agencies)
        if check_references
        else _schema_problems(data, source)
    )
    if problems:
        raise DefinitionError(problems)
    form = data["form"]
    cert = data.get("certificate")
    return ServiceDefinition(
        code=data["code"],
        version=data["version"],
        published=dt.date.fromisoformat(data["published"]) if data.get("published") else None,
        name=LocalText(data["name"]),
        agency=data["agency"],
        legal_basis=tuple(LocalText(t) for t in data["legal_basis"]),
        summary=LocalText(data["summary"]),
        eligibility=LocalText(data["eligibility"]),
        applicant_types=tuple(data["applicant_types"]),
        keywords={lang: tuple(words) for lang, words in (data.get("keywords") or {}).items()},
        process=data["process"],
        form=form,
        fields=_fields(form),
        pages=tuple(FormPage(LocalText(p["title"]), tuple(p["fields"])) for p in form.get("x-pages") or ()),
        documents=tuple(
            Document(
                code=d["code"],
                name=LocalText(d["name"]),
                help=_text(d.get("help")),
                required=d["required"],
                accept=tuple(d["accept"]),
                max_mb=d["max_mb"],
                fetch=Fetch(
                    service=d["fetch"]["service"],
                    fields=tuple(d["fetch"]["fields"]),
                    consent=d["fetch"]["consent"],
                    id_field=d["fetch"].get("id_field", ""),
                )
                if d.get("fetch")
                else None,
            )
            for d in data["documents"]
        ),
        fees=tuple(
            Fee(
                code=f["code"],
                name=LocalText(f["name"]),
                amount=Decimal(f["amount"]).quantize(Decimal("0.01")),
                due=f["due"],
                amount_field=f.get("amount_field", ""),
                note=_text(f.get("note")),
            )
            for f in data["fees"]
        ),
        steps=tuple(
            Step(
                state=s["state"],
                name=LocalText(s["name"]),
                time_limit=TimeLimit.parse(s["time_limit"]),
                office=LocalText(s["office"]),
            )
            for s in data["steps"]
        ),
        time_limit=TimeLimit.parse(data["time_limit"]),
        certificate=Certificate(
            kind=cert["kind"],
            title=LocalText(cert["title"]),
            valid_for=cert["valid_for"],
            fields=tuple(cert["fields"]),
        )
        if cert
        else None,
        contact=LocalText(data["contact"]),
        source=source,
        raw=data,
    )


# --- Loading the catalogue -------------------------------------------------------------------------


def definition_paths(directory: Path = DEFINITIONS_DIR) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def load_definitions(
    directory: Path = DEFINITIONS_DIR, *, agencies: Iterable[str] | None = None
) -> dict[str, ServiceDefinition]:
    """Every service of the catalogue by code (sorted by code); DefinitionError lists the problems of
    all files. Parsed once per content of the directory, so an edited file is read again."""
    paths = definition_paths(directory)
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    if agencies is not None:
        return _load(paths, frozenset(agencies))
    return _load_cached(stamp)


@cache
def _load_cached(stamp: tuple) -> dict[str, ServiceDefinition]:
    return _load([Path(p) for p, _m, _s in stamp], None)


def _load(paths: list[Path], agencies: frozenset[str] | None) -> dict[str, ServiceDefinition]:
    processes = registered_processes()
    found: dict[str, ServiceDefinition] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            definition = build(read_yaml(path), str(path), processes=processes, agencies=agencies)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        found[definition.code] = definition
    if problems:
        raise DefinitionError(problems)
    return dict(sorted(found.items()))


def get_definition(code: str) -> ServiceDefinition:
    definition = load_definitions().get((code or "").strip().lower())
    if definition is None:
        raise PrachaError("unknown_service", status=404, code=code)
    return definition


def search(
    query: str,
    lang: str | None = None,
    *,
    agency: str = "",
    applicant_type: str = "",
) -> list[ServiceDefinition]:
    """Services matching the words of `query` (Thai segmented by pythainlp), best first; all
    services in catalogue order when the query is empty. See pracha.services.search."""
    from .search import rank

    services = [
        d
        for d in load_definitions().values()
        if (not agency or d.agency == agency.upper())
        and (not applicant_type or applicant_type in d.applicant_types)
    ]
    return rank(services, query, lang)


# --- Application data ------------------------------------------------------------------------------

_ERROR_CODES = {
    "required": "service_form_required",
    "type": "service_form_invalid_type",
    "maxLength": "service_form_too_long",
    "minLength": "service_form_too_short",
    "enum": "service_form_invalid_choice",
    "const": "service_form_invalid_choice",
    "pattern": "service_form_pattern",
    "minimum": "service_form_too_small",
    "exclusiveMinimum": "service_form_too_small",
    "maximum": "service_form_too_large",
    "exclusiveMaximum": "service_form_too_large",
    "multipleOf": "service_form_invalid_number",
}


@cache
def _form_validator(form_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(form_json), format_checker=FormatChecker())


def _error_code(error: ValidationError) -> str:
    if error.validator == "format":
        return (
            "service_form_invalid_date" if error.validator_value == "date" else "service_form_invalid_format"
        )
    if error.validator == "minLength" and error.instance == "":
        return "service_form_required"
    if error.validator == "const" and isinstance(error.instance, bool):
        return "service_form_must_confirm"  # a declaration the applicant must tick
    return _ERROR_CODES.get(str(error.validator), "service_form_invalid")


def validate_application_data(
    definition: ServiceDefinition,
    data: Mapping[str, Any],
    *,
    partial: bool,
    fields: Iterable[str] | None = None,
) -> dict[str, str]:
    """{field: error code} of the application data against the service's form (messages in
    pracha.core.errors.ERROR_MESSAGES, Thai and English). partial=True (a draft) does not ask for
    missing required fields, except those listed in `fields` (the wizard page being left); with
    `fields`, only those fields are reported."""
    only = set(fields) if fields is not None else None
    errors: dict[str, str] = {}
    if not isinstance(data, Mapping):
        return {"__all__": "service_form_invalid"}
    for name in data:
        if name not in definition.fields:
            errors[str(name)] = "service_form_unknown_field"
    # An empty string is "not given" for an optional field (an HTML form always sends the field).
    given = {k: v for k, v in data.items() if k in definition.fields and v not in ("", None)}
    validator = _form_validator(json.dumps(definition.form, sort_keys=True))
    for error in validator.iter_errors(given):
        if error.validator == "required":
            missing = [n for n in error.validator_value if n not in given]
            for name in missing:
                if partial and (only is None or name not in only):
                    continue
                errors.setdefault(name, "service_form_required")
            continue
        name = str(error.absolute_path[0]) if error.absolute_path else "__all__"
        errors.setdefault(name, _error_code(error))
    if only is not None:
        errors = {k: v for k, v in errors.items() if k in only}
    return errors


def prefill(definition: ServiceDefinition, person: Any, *, known: Mapping[str, Any] | None = None) -> dict:
    """Form values the platform already knows about the signed-in person, by field: the fields with
    an x-prefill key. `known` adds or replaces values by prefill key (e.g. "person.address" from the
    population record fetched through the exchange); values that are not known are left out."""
    values = _person_values(person) if person is not None else {}
    values.update({k: v for k, v in (known or {}).items() if v not in (None, "")})
    return {
        f.code: values[f.prefill] for f in definition.fields.values() if f.prefill and values.get(f.prefill)
    }


def _person_values(person: Any) -> dict[str, str]:
    name = (getattr(person, "name_th", "") or getattr(person, "name_en", "") or "").strip()
    first, _sep, last = name.partition(" ")
    birth = getattr(person, "birth_date", None)
    return {
        "person.full_name": name,
        "person.first_name": first,
        "person.last_name": last.strip(),
        "person.id_number": getattr(person, "id_number", "") or getattr(person, "passport_number", "") or "",
        "person.birth_date": birth.isoformat() if birth else "",
        "person.phone": getattr(person, "phone", "") or "",
        "person.email": getattr(person, "email", "") or "",
        "person.nationality": getattr(person, "nationality", "")
        or ("TH" if getattr(person, "kind", "") == "citizen" else ""),
    }
