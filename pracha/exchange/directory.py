"""Reading a provider's OpenAPI description into the directory's per-field classification."""

from __future__ import annotations

from .models import Classification
from .quality import record_schema

# Providers label fields with the government data-governance levels (public, internal, confidential,
# secret); the hub's directory speaks of what the data is (decision 1300). Data about a person that is
# confidential is personal data; secret is sensitive (PDPA section 26 kinds).
_LEVELS = {
    "public": Classification.PUBLIC,
    "internal": Classification.INTERNAL,
    "confidential": Classification.PERSONAL,
    "personal": Classification.PERSONAL,
    "secret": Classification.SENSITIVE,
    "sensitive": Classification.SENSITIVE,
}


def fields_from_openapi(openapi: dict) -> list[dict]:
    """[{name, classification, th, en}] from the record schema's properties; a field with no known
    level counts as personal (the safe side: it is masked and needs a grant like any other)."""
    fields = []
    for name, prop in record_schema(openapi).get("properties", {}).items():
        label = prop.get("x-label") or {}
        level = _LEVELS.get(str(prop.get("x-classification", "")).lower(), Classification.PERSONAL)
        fields.append(
            {"name": name, "classification": level, "th": label.get("th", ""), "en": label.get("en", "")}
        )
    return fields
