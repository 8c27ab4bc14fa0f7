"""Routing rules as data (routing/rules.yaml): which unit answers for a complaint of a category in a place.

The file is checked at load: its shape against routing/rules.schema.json, then its meaning (unique rule
ids, known categories and channels, well-formed limits); every problem names the file, the rule and the
field. Rules are ordered: for the classifier's best category, when it is sure enough, the first rule
whose category, place and hours fit decides. When none fits, or the classifier is not sure enough,
the complaint goes to human triage (the 1111 centre) instead.

    rules = load_rules()
    decision = decide(prediction, subdistrict=sub, at=received_at, rules=rules, threshold=0.45)
    decision.as_dict()  # agency, unit, categories with confidences, the rule and why
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from django.utils import translation
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from pracha.agencies import services as agencies
from pracha.agencies.models import Agency, ContactPoint, Subdistrict
from pracha.core.calendar import BANGKOK, TimeLimit
from pracha.core.errors import PrachaError

RULES_DIR = Path(__file__).resolve().parent / "routing"
RULES_FILE = RULES_DIR / "rules.yaml"
SCHEMA_FILE = RULES_DIR / "rules.schema.json"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ROUTED, TRIAGE = "routed", "triage"


class RulesError(Exception):
    """The rules file was refused; `problems` lists each as "file: rules[i] (id): field: reason"."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Prediction(Protocol):
    """What the classifier says about a text (pracha.complaints.classifier.Prediction)."""

    categories: list[tuple[str, float]]
    intent: tuple[str, float]
    urgency: tuple[str, float]
    model_version: str


@dataclass(frozen=True)
class Target:
    kind: str  # "contact_point" | "local_body" | "covering"
    contact_point: str = ""
    unit: str = ""
    agencies: tuple[str, ...] = ()

    @property
    def needs_place(self) -> bool:
        return self.kind != "contact_point"


@dataclass(frozen=True)
class Rule:
    id: str
    categories: frozenset[str]
    target: Target
    reason: dict[str, str]
    places: tuple[str, ...] = ()
    except_places: tuple[str, ...] = ()
    hours: tuple[dt.time, dt.time] | None = None

    @property
    def needs_place(self) -> bool:
        return self.target.needs_place or bool(self.places or self.except_places)

    def fits_place(self, sub: Subdistrict) -> bool:
        """Area codes nest (province 2 digits, district 4, subdistrict 6), so a prefix test suffices."""
        if self.places and not any(sub.code.startswith(p) for p in self.places):
            return False
        return not any(sub.code.startswith(p) for p in self.except_places)

    def fits_time(self, at: dt.datetime) -> bool:
        if self.hours is None:
            return True
        start, end = self.hours
        now = at.astimezone(BANGKOK).time()
        # A window such as 22:00-06:00 runs past midnight.
        return start <= now < end if start < end else now >= start or now < end


@dataclass(frozen=True)
class RuleSet:
    source: str
    triage: str
    forwarding_limits: dict[str, TimeLimit]
    resolution_limits: dict[str, TimeLimit]
    rules: tuple[Rule, ...]

    def forwarding_limit(self, channel: str) -> TimeLimit:
        return self.forwarding_limits.get(channel, self.forwarding_limits["default"])

    def resolution_limit(self, category: str | None) -> TimeLimit:
        return self.resolution_limits.get(category or "", self.resolution_limits["default"])


# --- Loading -----------------------------------------------------------------------------------------


def _known_categories() -> frozenset[str]:
    """The classifier's category codes (imported late: the classifier's package loads the model code)."""
    from .classifier import CATEGORIES

    return frozenset(CATEGORIES)


def _where(source: str, data: Any, path: Sequence[Any]) -> str:
    """ "rules.yaml: rules[3] (id power-utility): to.unit" from a JSON path into the file."""
    parts, place = [source], ""
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        rule = data["rules"][path[1]] if path[1] < len(data.get("rules", [])) else {}
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        parts.append(f"rules[{path[1]}]" + (f" (id {rule_id})" if rule_id else ""))
        place = ".".join(str(p) for p in path[2:])
    else:
        place = ".".join(str(p) for p in path)
    if place:
        parts.append(place)
    return ": ".join(parts)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def parse_rules(data: Any, source: str, known_categories: Iterable[str] | None = None) -> RuleSet:
    """Check and build a rule set from parsed YAML; RulesError lists every problem."""
    problems = [
        f"{_where(source, data, list(err.absolute_path))}: {err.message}"
        for err in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        raise RulesError(problems)
    known = frozenset(known_categories) if known_categories is not None else None
    seen: set[str] = set()
    for i, raw in enumerate(data["rules"]):
        where = f"{source}: rules[{i}] (id {raw['id']})"
        if raw["id"] in seen:
            problems.append(f"{where}: id: the id is used by an earlier rule")
        seen.add(raw["id"])
        if known is not None:
            problems += [
                f"{where}: categories: unknown category “{c}”" for c in raw["categories"] if c not in known
            ]
        hours = raw.get("hours")
        if hours and hours["from"] == hours["to"]:
            problems.append(f"{where}: hours: “from” and “to” are the same time")
    if known is not None:
        problems += [
            f"{source}: resolution_limits.{c}: unknown category “{c}”"
            for c in data["resolution_limits"]
            if c != "default" and c not in known
        ]
    if problems:
        raise RulesError(problems)

    def limits(section: str) -> dict[str, TimeLimit]:
        return {key: TimeLimit.parse(value) for key, value in data[section].items()}

    rules = []
    for raw in data["rules"]:
        to = raw["to"]
        if "contact_point" in to:
            target = Target("contact_point", contact_point=to["contact_point"])
        elif "local_body" in to:
            target = Target("local_body", unit=to["local_body"])
        else:
            target = Target("covering", unit=to["unit"], agencies=tuple(to["covering"]))
        hours = raw.get("hours")
        rules.append(
            Rule(
                id=raw["id"],
                categories=frozenset(raw["categories"]),
                target=target,
                reason=dict(raw["reason"]),
                places=tuple(raw.get("places", ())),
                except_places=tuple(raw.get("except_places", ())),
                hours=(dt.time.fromisoformat(hours["from"]), dt.time.fromisoformat(hours["to"]))
                if hours
                else None,
            )
        )
    return RuleSet(
        source=source,
        triage=data["triage"],
        forwarding_limits=limits("forwarding_limits"),
        resolution_limits=limits("resolution_limits"),
        rules=tuple(rules),
    )


def read_rules(path: Path, known_categories: Iterable[str] | None = None) -> RuleSet:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise RulesError([f"{path.name}: not valid YAML: {exc}"]) from exc
    return parse_rules(data, path.name, known_categories)


@cache
def load_rules() -> RuleSet:
    """The shipped rules, read once per process (they change with a deployment)."""
    return read_rules(RULES_FILE, _known_categories())


# --- Deciding ----------------------------------------------------------------------------------------


def _both(render) -> dict[str, str]:
    out = {}
    for lang in ("th", "en"):
        with translation.override(lang):
            out[lang] = str(render(lang))
    return out


# The classifier's catch-all category (classifier.vocabulary.OTHER, named here so that reading the
# rules does not load the model code).
OTHER = "other"


def category_label(code: str, lang: str) -> str:
    """A category's name in a language, from the classifier's vocabulary (the code itself if unknown)."""
    from .classifier import CATEGORIES

    entry = CATEGORIES.get(code) or {}
    return entry.get(lang) or entry.get("th") or code


@dataclass
class Decision:
    """Where a complaint goes and why, with everything the classifier said."""

    status: str  # ROUTED | TRIAGE
    agency: Agency
    contact_point: ContactPoint
    rule: str  # the rule's id, or "triage:<why>"
    reason: dict[str, str]
    categories: list[tuple[str, float]]
    intent: tuple[str, float]
    urgency: tuple[str, float]
    model_version: str
    threshold: float
    category: str | None = None  # the category the decision was made for
    subdistrict: Subdistrict | None = None
    notes: list[str] = field(default_factory=list)  # rules passed over, for officers

    @property
    def routed(self) -> bool:
        return self.status == ROUTED

    def as_dict(self) -> dict[str, Any]:
        """JSON for the API and for Complaint.routing_reason."""
        sub = self.subdistrict
        return {
            "status": self.status,
            "agency": {
                "code": self.agency.code,
                "name_th": self.agency.name_th,
                "name_en": self.agency.name_en,
            },
            "contact_point": {
                "code": self.contact_point.code,
                "name_th": self.contact_point.name_th,
                "name_en": self.contact_point.name_en,
            },
            "rule": self.rule,
            "reason": self.reason,
            "category": self.category,
            "categories": [
                {
                    "code": code,
                    "label_th": category_label(code, "th"),
                    "label_en": category_label(code, "en"),
                    "confidence": round(float(conf), 4),
                }
                for code, conf in self.categories
            ],
            "intent": {"code": self.intent[0], "confidence": round(float(self.intent[1]), 4)},
            "urgency": {"code": self.urgency[0], "confidence": round(float(self.urgency[1]), 4)},
            "threshold": self.threshold,
            "model_version": self.model_version,
            "place": (
                {
                    "subdistrict": sub.code,
                    "name_th": f"{sub.name_th}, {sub.district.name_th}, {sub.district.province.name_th}",
                    "name_en": f"{sub.name_en}, {sub.district.name_en}, {sub.district.province.name_en}",
                }
                if sub is not None
                else None
            ),
            "notes": self.notes,
        }


def _place_names(sub: Subdistrict | None, lang: str) -> tuple[str, str]:
    if sub is None:
        return "", ""
    if lang == "en":
        return f"{sub.name_en or sub.name_th}, {sub.district.name_en or sub.district.name_th}", (
            sub.district.province.name_en or sub.district.province.name_th
        )
    return f"{sub.name_th} {sub.district.name_th}", sub.district.province.name_th


def _rule_reason(rule: Rule, cp: ContactPoint, sub: Subdistrict | None, category: str) -> dict[str, str]:
    out = {}
    for lang in ("th", "en"):
        place, province = _place_names(sub, lang)
        agency = cp.agency
        values = {
            "agency": (agency.name_en if lang == "en" else agency.name_th) or agency.name_th,
            "unit": (cp.name_en if lang == "en" else cp.name_th) or cp.name_th,
            "place": place,
            "province": province,
            "category": category_label(category, lang),
        }
        out[lang] = rule.reason[lang].format(**values)
    return out


class Units:
    """The registry's answers for (target, place), for decisions to share. A place's coverage and an
    agency's units come from one `RegistryView`, read once (`prefetch` reads a burst's places at once)."""

    def __init__(self) -> None:
        self.registry = agencies.RegistryView()
        self._found: dict[tuple[Target, str], ContactPoint | PrachaError] = {}

    def __len__(self) -> int:
        return len(self._found)

    def prefetch(self, places: Iterable[Subdistrict | None]) -> None:
        self.registry.prefetch(sub for sub in places if sub is not None)

    def unit(self, target: Target, sub: Subdistrict | None) -> ContactPoint | PrachaError:
        """The unit a target names for a place, or the registry's error when it has none for it."""
        # Keyed by target, not rule: rules that send to the same kind of unit share the look-up.
        key = (target, sub.code if sub is not None and target.needs_place else "")
        if key not in self._found:
            try:
                self._found[key] = self._resolve(target, sub)
            except PrachaError as exc:
                self._found[key] = exc
        return self._found[key]

    def contact_point(self, code: str) -> ContactPoint:
        return self.registry.contact_point(code)

    def _resolve(self, target: Target, sub: Subdistrict | None) -> ContactPoint:
        if target.kind == "contact_point":
            return self.registry.contact_point(target.contact_point)
        assert sub is not None
        if target.kind == "local_body":
            return self._unit_of(self.registry.local_body_for(sub.code), target.unit)
        found = self.registry.agencies_covering(sub.code, codes=target.agencies)
        if not found:
            raise PrachaError("unknown_agency", status=404, code="/".join(target.agencies))
        return self._unit_of(found[0], target.unit)

    def _unit_of(self, agency: Agency, unit: str) -> ContactPoint:
        """The agency's unit by name, or its main unit when it has no such unit (small local bodies)."""
        wanted = f"{agency.code}/{unit}"
        units = self.registry.units_of(agency)
        for cp in units:
            if cp.code == wanted:
                return cp
        if not units:
            raise PrachaError("unknown_contact_point", status=404, code=wanted)
        return units[0]


UNIT_CACHE_SECONDS = 60.0
_units = Units()
_units_since = 0.0


def unit_cache() -> Units:
    """The registry's answers shared by the decisions of this process for up to a minute, so that
    routing a burst costs no registry look-up for places seen recently. Emptied at once when the
    registry changes in this process (`forget_units`); other processes see a change within the minute."""
    global _units, _units_since
    now = time.monotonic()
    if now - _units_since > UNIT_CACHE_SECONDS:
        _units, _units_since = Units(), now
    return _units


def forget_units(**_kwargs: object) -> None:
    global _units, _units_since
    _units, _units_since = Units(), 0.0


def decide(
    prediction: Prediction,
    *,
    subdistrict: Subdistrict | None,
    at: dt.datetime,
    rules: RuleSet,
    threshold: float,
    units: Units | None = None,
) -> Decision:
    """Apply the rules to a prediction and a place. Never raises for a missing unit: triage instead.
    `units`: kept by the caller across decisions (`unit_cache`), so that each (target, place) is
    looked up in the registry once."""
    units = Units() if units is None else units
    categories = sorted(((c, float(p)) for c, p in prediction.categories), key=lambda cp: -cp[1])
    # Only the best category decides: a complaint about corruption that mentions a road is not the
    # road section's business. If the best one is not sure enough, or no rule takes it, people decide.
    # "Other" never decides: it is what complainants tick beside the real category (Traffy's newer
    # list files street lights as power + other), and no unit answers for it; the best named one does.
    named = [cp for cp in categories if cp[0] != OTHER]
    top = named[0] if named else None
    sure = top is not None and top[1] >= threshold
    base = {
        "categories": categories,
        "intent": (prediction.intent[0], float(prediction.intent[1])),
        "urgency": (prediction.urgency[0], float(prediction.urgency[1])),
        "model_version": prediction.model_version,
        "threshold": threshold,
        "subdistrict": subdistrict,
        "category": top[0] if sure else None,
    }
    notes: list[str] = []
    needed_place = False
    for rule in rules.rules if sure else ():
        if top[0] not in rule.categories or not rule.fits_time(at):
            continue
        if rule.needs_place and subdistrict is None:
            needed_place = True
            notes.append(f"{rule.id}: needs the subdistrict")
            continue
        if subdistrict is not None and not rule.fits_place(subdistrict):
            continue
        cp = units.unit(rule.target, subdistrict)
        if isinstance(cp, PrachaError):
            notes.append(f"{rule.id}: no unit in the registry ({cp.code})")
            continue
        return Decision(
            status=ROUTED,
            agency=cp.agency,
            contact_point=cp,
            rule=rule.id,
            reason=_rule_reason(rule, cp, subdistrict, top[0]),
            notes=notes,
            **base,
        )

    triage = units.contact_point(rules.triage)
    if not sure:
        why = "triage:low_confidence"
        if top:
            reason = _both(
                lambda lang: (
                    _(
                        "The automatic classification is not sure enough (best guess “%(category)s” "
                        "at %(confidence)d%%, below %(threshold)d%%), so officers of the 1111 centre will "
                        "read it and send it to the right agency."
                    )
                    % {
                        "category": category_label(top[0], lang),
                        "confidence": round(top[1] * 100),
                        "threshold": round(threshold * 100),
                    }
                )
            )
        else:
            reason = _both(
                lambda lang: _(
                    "The automatic classification found no category, so officers of the 1111 centre will "
                    "read it and send it to the right agency."
                )
            )
    elif needed_place:
        why = "triage:needs_place"
        reason = _both(
            lambda lang: _(
                "Which agency is responsible depends on the place, and no subdistrict was given, so "
                "officers of the 1111 centre will send it to the right agency."
            )
        )
    else:
        why = "triage:no_rule"
        reason = _both(
            lambda lang: (
                _(
                    "No routing rule covers “%(category)s” here, so officers of the 1111 centre will send it "
                    "to the right agency."
                )
                % {"category": category_label(top[0], lang)}
            )
        )
    return Decision(
        status=TRIAGE,
        agency=triage.agency,
        contact_point=triage,
        rule=why,
        reason=reason,
        notes=notes,
        **base,
    )
