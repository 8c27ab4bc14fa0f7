"""The application form, read from the service's JSON Schema: its pages, each field as the wizard
shows it, and the values a browser posts turned into the JSON types the schema expects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pracha.core.errors import render_message

MAX_TEXT = 4000  # longer than any answer a form asks for; a schema's maxLength is usually smaller


def local(text: Any) -> str:
    """A {"th", "en"} text in the active language (Thai when English is missing)."""
    if isinstance(text, dict):
        lang = get_language() or "th"
        return text.get(lang) or text.get("th") or text.get("en") or ""
    return str(text or "")


@dataclass
class Field:
    name: str
    label: str
    help: str
    widget: str  # text, textarea, select, date, number, checkbox, email, tel
    required: bool
    value: Any = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    known: bool = False  # prefilled from the person's record: shown, not asked
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def input_value(self) -> str:
        if self.value is None:
            return ""
        if isinstance(self.value, bool):
            return "on" if self.value else ""
        return str(self.value)

    @property
    def display_value(self) -> str:
        if self.value in (None, ""):
            return ""
        if isinstance(self.value, bool):
            return str(_("Yes") if self.value else _("No"))
        for value, label in self.choices:
            if value == str(self.value):
                return label
        return str(self.value)


@dataclass
class Page:
    index: int
    title: str
    fields: list[str]


def schema_of(definition: Any) -> dict:
    return definition.form if isinstance(definition.form, dict) else dict(definition.form)


def pages(definition: Any) -> list[Page]:
    """The form's wizard pages (one page with every field when the definition does not split it)."""
    return [Page(i + 1, local(p.title), list(p.fields)) for i, p in enumerate(definition.page_fields())]


def _widget(prop: dict) -> str:
    if prop.get("x-widget"):
        return prop["x-widget"]
    if "enum" in prop:
        return "select"
    kind = prop.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    fmt = prop.get("format")
    if fmt == "date":
        return "date"
    if fmt == "email":
        return "email"
    return "textarea" if (prop.get("maxLength") or 0) > 300 else "text"


def _choices(prop: dict) -> list[tuple[str, str]]:
    values = prop.get("enum") or []
    labels = prop.get("x-enum-labels") or []
    return [(str(v), local(labels[i]) if i < len(labels) else str(v)) for i, v in enumerate(values)]


def _attrs(prop: dict) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for key, attr in (("maxLength", "maxlength"), ("minimum", "min"), ("maximum", "max")):
        if key in prop:
            attrs[attr] = prop[key]
    if prop.get("type") == "number":
        attrs["step"] = "any"
    if prop.get("pattern"):
        attrs["pattern"] = prop["pattern"].lstrip("^").rstrip("$")
    return attrs


def fields_of(
    definition: Any, names: list[str], data: dict, errors: dict[str, str], known: list[str]
) -> list[Field]:
    schema = schema_of(definition)
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    out = []
    for name in names:
        prop = props.get(name)
        if prop is None:
            continue
        code = errors.get(name, "")
        out.append(
            Field(
                name=name,
                label=local(prop.get("x-label")) or name,
                help=local(prop.get("x-help")),
                widget=_widget(prop),
                required=name in required,
                value=data.get(name),
                choices=_choices(prop),
                error=render_message(code) if code else "",
                known=name in known and data.get(name) not in (None, ""),
                attrs=_attrs(prop),
            )
        )
    return out


def _coerce(prop: dict, raw: str) -> Any:
    """One posted value as the schema's type; a value that does not parse is kept as text, so the
    schema check reports it against the field (and the applicant sees what they typed)."""
    kind = prop.get("type")
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            number = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            return raw
        return int(number) if number == number.to_integral_value() else float(number)
    if prop.get("format") == "date":
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError:
            return raw
    return raw[:MAX_TEXT]


def values_from_post(definition: Any, names: list[str], post: QueryDict | dict) -> dict[str, Any]:
    """The page's answers: {field: value}; None for a field left empty (removed from the draft)."""
    props = schema_of(definition).get("properties") or {}
    values: dict[str, Any] = {}
    for name in names:
        prop = props.get(name)
        if prop is None:
            continue
        if prop.get("type") == "boolean":
            values[name] = post.get(name) in ("on", "true", "1", "yes", True)
            continue
        if prop.get("type") == "array":
            items = post.getlist(name) if hasattr(post, "getlist") else post.get(name) or []
            values[name] = [str(v) for v in items if str(v).strip()] or None
            continue
        raw = post.get(name)
        if raw is None:
            values[name] = None
            continue
        raw = str(raw).strip()
        values[name] = _coerce(prop, raw) if raw else None
    return values
