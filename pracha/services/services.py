"""What other apps call: the catalogue's definitions and the stored versions applications pin.

version = current_version("rice-trading-licence")      # a ServiceVersion row (pk to store)
definition = definition_of_version(version.pk)          # the ServiceDefinition as it was then
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from pracha.agencies import services as agencies
from pracha.audit.chain import record
from pracha.core.errors import PrachaError

from .catalogue import (
    DefinitionError,
    Problem,
    ServiceDefinition,
    build,
    get_definition,
    load_definitions,
)
from .models import ServiceVersion

__all__ = [
    "LoadResult",
    "current_version",
    "definition_of_version",
    "get_definition",
    "load_definitions",
    "load_services",
    "store_definition",
]


@dataclass(frozen=True)
class LoadResult:
    code: str
    content_hash: str
    created: bool  # a new version row
    activated: bool  # became the version new applications are filed under
    retired: bool = False  # its file is gone: no new applications


def store_definition(definition: ServiceDefinition) -> tuple[ServiceVersion, LoadResult]:
    """Make this content the current version of its service (a new row only if it is new)."""
    digest = definition.content_hash
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, created = ServiceVersion.objects.get_or_create(
                    code=definition.code,
                    content_hash=digest,
                    defaults={
                        "number": definition.version,
                        "agency_code": definition.agency,
                        "definition": definition.raw,
                        "source": definition.source,
                    },
                )
        except IntegrityError:  # another process stored the same content at the same moment
            row, created = ServiceVersion.objects.get(code=definition.code, content_hash=digest), False
        row = ServiceVersion.objects.select_for_update().get(pk=row.pk)
        activated = not row.current
        if activated:
            ServiceVersion.objects.filter(code=definition.code, current=True).update(current=False)
            row.current = True
            row.save(update_fields=["current"])
            record(
                "services.version_current",
                row,
                {"code": row.code, "number": row.number, "hash": digest, "source": definition.source},
            )
    return row, LoadResult(definition.code, digest, created, activated)


def current_version(code: str) -> ServiceVersion:
    """The stored version of the service as the catalogue publishes it now (stored on first use):
    what an application is filed under. PrachaError "unknown_service" (404) for an unknown code."""
    definition = get_definition(code)
    row = ServiceVersion.objects.filter(code=definition.code, content_hash=definition.content_hash).first()
    if row is not None and row.current:
        return row
    row, _result = store_definition(definition)
    return row


_parsed: dict[tuple[int, str], ServiceDefinition] = {}


def definition_of_version(pk: int) -> ServiceDefinition:
    """The definition of a stored version, as it was (its process or agency may have changed since,
    so only its shape is checked). Versions never change, so each is parsed once per process; the
    cache is keyed by id and content hash, because a recreated database (tests, a restored backup)
    may give an id to another version."""
    found = ServiceVersion.objects.filter(pk=pk).values_list("content_hash", flat=True).first()
    if found is None:
        raise PrachaError("unknown_service", status=404, code=str(pk))
    key = (pk, found)
    if key not in _parsed:
        row = ServiceVersion.objects.get(pk=pk)
        _parsed[key] = build(row.definition, f"service version {pk}", check_references=False)
    return _parsed[key]


def load_services() -> list[LoadResult]:
    """Check every definition (agencies against the database too) and store the changed ones;
    a service whose file was removed stops being current. DefinitionError lists every problem."""
    definitions = load_definitions()
    problems = []
    for definition in definitions.values():
        try:
            agencies.get_agency(definition.agency)
        except PrachaError:
            problems.append(
                Problem(
                    definition.source,
                    "agency",
                    f"“{definition.agency}” is not in the agency database (run pracha load-agencies first)",
                )
            )
    if problems:
        raise DefinitionError(problems)
    results = [store_definition(d)[1] for d in definitions.values()]
    with transaction.atomic():
        for row in ServiceVersion.objects.filter(current=True).exclude(code__in=list(definitions)):
            row.current = False
            row.save(update_fields=["current"])
            record("services.version_retired", row, {"code": row.code, "number": row.number})
            results.append(LoadResult(row.code, row.content_hash, False, False, retired=True))
    return results
