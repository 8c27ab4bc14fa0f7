"""Process definitions: YAML files checked by a JSON Schema and by rules a schema cannot express.

A definition is data (see process.schema.json and processes/petition.yaml). `parse_file` turns a
file into a `Definition` or raises `DefinitionError` listing every problem as (file, path, reason),
so whoever writes a process can fix them all in one go.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from pracha.core.calendar import TimeLimit
from pracha.identity.models import Role

SCHEMA_PATH = Path(__file__).resolve().parent / "process.schema.json"
# Not an officer role: the person the case is about, when they have an account (e.g. to send
# information an officer asked for). Checked against case.applicant, not against agency roles.
APPLICANT = "applicant"
VALID_ROLES = frozenset(Role.values) | {APPLICANT}
# Event names the engine writes itself; an action with one of these codes would be ambiguous.
RESERVED_ACTIONS = frozenset({"start", "assign", "transfer", "alert", "breach", "escalate"})


class LocalText(dict):
    """{"th": ..., "en": ...} that prints in the active language (Thai when English is missing)."""

    def __str__(self) -> str:
        lang = get_language() or "th"
        return self.get(lang) or self.get("th") or self.get("en") or ""


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '(top)'}: {self.reason}"


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class BreachStep:
    """One thing to do when a time limit passes: alert roles, escalate, or move the case."""

    alert: tuple[str, ...] = ()
    escalate_supervisor: bool = False
    move_to: str = ""  # contact point code

    def as_dict(self) -> dict:
        if self.alert:
            return {"alert": list(self.alert)}
        if self.escalate_supervisor:
            return {"escalate": "supervisor"}
        return {"escalate": {"contact_point": self.move_to}}


@dataclass(frozen=True)
class Action:
    code: str
    to: str
    roles: tuple[str, ...]
    label: LocalText
    reason_required: bool = False


@dataclass(frozen=True)
class State:
    code: str
    name: LocalText
    final: bool = False
    time_limit: TimeLimit | None = None
    alert_before: TimeLimit | None = None
    on_breach: tuple[BreachStep, ...] = ()
    pause_case_clock: bool = False
    actions: dict[str, Action] = field(default_factory=dict)


@dataclass(frozen=True)
class Definition:
    code: str
    name: LocalText
    initial_state: str
    states: dict[str, State]
    entry_states: tuple[str, ...] = ()
    description: LocalText | None = None
    reference_prefix: str = ""
    # URL name of the owning app's page for a case (kwarg pk = the case's subject id), when an app owns it.
    handled_in: str = ""
    time_limit: TimeLimit | None = None
    alert_before: TimeLimit | None = None
    on_breach: tuple[BreachStep, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def prefix(self) -> str:
        return self.reference_prefix or "".join(c for c in self.code.upper() if c.isalnum())[:10]

    def state(self, code: str) -> State:
        return self.states[code]


# --- Loading YAML ----------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (PyYAML would silently keep the last one)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = " ".join(str(p) for p in (getattr(exc, "problem", None), getattr(exc, "context", None)) if p)
        raise DefinitionError([Problem(str(path), where, f"not valid YAML: {reason or exc}")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem(str(path), "", f"cannot read the file: {exc}")]) from exc


# --- Validation ------------------------------------------------------------------------------------


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


def _schema_problems(data: Any, source: str) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        detail = _deepest(error)
        problems.append(Problem(source, _path(detail.absolute_path), detail.message))
    return problems


def _deepest(error: ValidationError) -> ValidationError:
    """A oneOf failure says only "not valid under any of the given schemas". The alternative whose
    complaint reaches deepest into the document is the one the author meant: report that."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _check_limits(where: str, node: dict, source: str, problems: list[Problem]) -> None:
    limit, before = node.get("time_limit"), node.get("alert_before")
    prefix = f"{where}." if where else ""
    if before and not limit:
        problems.append(Problem(source, f"{prefix}alert_before", "needs a time_limit to count back from"))
    if node.get("on_breach") and not limit:
        problems.append(Problem(source, f"{prefix}on_breach", "needs a time_limit that can be breached"))
    if limit and before and limit["unit"] == before["unit"] and before["amount"] >= limit["amount"]:
        problems.append(Problem(source, f"{prefix}alert_before", "must be shorter than the time limit"))
    for i, step in enumerate(node.get("on_breach") or ()):
        for j, role in enumerate(step.get("alert") or ()):
            if role not in Role.values:
                problems.append(
                    Problem(
                        source,
                        f"{prefix}on_breach[{i}].alert[{j}]",
                        f"“{role}” is not an officer role; use one of {', '.join(Role.values)}",
                    )
                )


def _semantic_problems(data: dict, source: str) -> list[Problem]:
    problems: list[Problem] = []
    states: dict[str, dict] = data["states"]
    initial = data["initial_state"]
    if initial not in states:
        problems.append(Problem(source, "initial_state", f"state “{initial}” is not defined under states"))
    elif states[initial].get("final"):
        problems.append(
            Problem(source, "initial_state", f"state “{initial}” is final: a case could never move")
        )
    for i, code in enumerate(data.get("entry_states") or []):
        if code not in states:
            problems.append(
                Problem(source, f"entry_states[{i}]", f"state “{code}” is not defined under states")
            )
        elif states[code].get("final"):
            problems.append(
                Problem(source, f"entry_states[{i}]", f"state “{code}” is final: a case could never move")
            )
    _check_limits("", data, source, problems)

    for code, state in states.items():
        where = f"states.{code}"
        actions = state.get("actions") or {}
        if state.get("final"):
            if actions:
                problems.append(Problem(source, f"{where}.actions", "a final state cannot have actions"))
            for key in ("time_limit", "alert_before", "on_breach", "pause_case_clock"):
                if key in state:
                    problems.append(Problem(source, f"{where}.{key}", "a final state has no time limits"))
        elif not actions:
            problems.append(
                Problem(source, f"{where}.actions", "a state that is not final needs at least one action")
            )
        _check_limits(where, state, source, problems)
        for action_code, action in actions.items():
            at = f"{where}.actions.{action_code}"
            if action_code in RESERVED_ACTIONS:
                problems.append(
                    Problem(source, at, f"“{action_code}” is reserved for the engine's own events")
                )
            if action["to"] not in states:
                problems.append(
                    Problem(source, f"{at}.to", f"state “{action['to']}” is not defined under states")
                )
            for i, role in enumerate(action["roles"]):
                if role not in VALID_ROLES:
                    problems.append(
                        Problem(
                            source,
                            f"{at}.roles[{i}]",
                            f"“{role}” is not a role; use one of {', '.join(sorted(VALID_ROLES))}",
                        )
                    )

    if problems:
        return problems  # the graph checks below assume every name resolves
    edges = {code: {a["to"] for a in (s.get("actions") or {}).values()} for code, s in states.items()}
    reachable = set().union(*(_reach(start, edges) for start in [initial, *(data.get("entry_states") or [])]))
    for code, state in states.items():
        if not state.get("final") and code not in reachable:
            problems.append(
                Problem(source, f"states.{code}", f"no action leads here from the initial state “{initial}”")
            )
    finals = {code for code, s in states.items() if s.get("final")}
    if not finals:
        problems.append(Problem(source, "states", "no state is final, so no case could ever close"))
        return problems
    for code in states:
        if code in reachable and code not in finals and not _reach(code, edges) & finals:
            problems.append(Problem(source, f"states.{code}", "no final state can be reached from here"))
    return problems


def _reach(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def validate(data: Any, source: str = "<definition>") -> list[Problem]:
    """Every problem of a definition (parsed YAML/JSON); an empty list means it can run."""
    problems = _schema_problems(data, source)
    if problems:
        return problems
    return _semantic_problems(data, source)


# --- Building the runtime objects ----------------------------------------------------------------


def _limit(node: dict | None) -> TimeLimit | None:
    return TimeLimit.parse(node) if node else None


def _steps(items: list | None) -> tuple[BreachStep, ...]:
    steps = []
    for item in items or ():
        if "alert" in item:
            steps.append(BreachStep(alert=tuple(item["alert"])))
        elif item["escalate"] == "supervisor":
            steps.append(BreachStep(escalate_supervisor=True))
        else:
            steps.append(BreachStep(move_to=item["escalate"]["contact_point"]))
    return tuple(steps)


def build(data: dict, source: str = "<definition>") -> Definition:
    """A validated Definition from parsed data; DefinitionError lists every problem."""
    problems = validate(data, source)
    if problems:
        raise DefinitionError(problems)
    states = {}
    for code, s in data["states"].items():
        actions = {
            a_code: Action(
                code=a_code,
                to=a["to"],
                roles=tuple(a["roles"]),
                label=LocalText(a["label"]),
                reason_required=bool(a.get("reason_required", False)),
            )
            for a_code, a in (s.get("actions") or {}).items()
        }
        states[code] = State(
            code=code,
            name=LocalText(s["name"]),
            final=bool(s.get("final", False)),
            time_limit=_limit(s.get("time_limit")),
            alert_before=_limit(s.get("alert_before")),
            on_breach=_steps(s.get("on_breach")),
            pause_case_clock=bool(s.get("pause_case_clock", False)),
            actions=actions,
        )
    return Definition(
        code=data["code"],
        name=LocalText(data["name"]),
        description=LocalText(data["description"]) if data.get("description") else None,
        reference_prefix=data.get("reference_prefix", ""),
        handled_in=data.get("handled_in", ""),
        initial_state=data["initial_state"],
        entry_states=tuple(data.get("entry_states") or ()),
        time_limit=_limit(data.get("time_limit")),
        alert_before=_limit(data.get("alert_before")),
        on_breach=_steps(data.get("on_breach")),
        states=states,
        raw=data,
    )


def parse_file(path: Path) -> Definition:
    return build(read_yaml(path), str(path))
