"""The OpenAPI 3.1 description a provider publishes (the hub's directory shows it; quality reads it)."""

from __future__ import annotations

from .records import ProviderSpec

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}


def _response(description: str, schema: dict, media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": schema}}}


def describe(spec: ProviderSpec) -> dict:
    record_name = spec.schema["title"]
    record_ref = {"$ref": f"#/components/schemas/{record_name}"}
    error_ref = {"$ref": "#/components/schemas/Error"}
    problems = {
        "400": _response("Malformed request", error_ref),
        "401": _response("Missing or wrong API key", error_ref),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": spec.title["en"],
            "x-title-th": spec.title["th"],
            "version": "1.0.0",
            "x-service-code": spec.service_code,
            "x-agency": spec.agency_code,
            "x-record-schema": record_name,
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/v1/records/{id_number}": {
                "get": {
                    "operationId": "getRecord",
                    "summary": "One person's record by 13-digit ID number",
                    "parameters": [
                        {
                            "name": "id_number",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": r"^\d{13}$"},
                        }
                    ],
                    "responses": {
                        "200": _response("The record", record_ref),
                        **problems,
                        "404": _response("No record for this ID number", error_ref),
                    },
                }
            },
            "/v1/extract": {
                "get": {
                    "operationId": "extract",
                    "summary": "Every record, a page at a time, in a stable order",
                    "description": "Pass the previous page's `next` (also in the X-Next-Cursor header) as "
                    "`after`; `next` is null on the last page. Send `Accept: application/x-ndjson` "
                    "for one record a line instead of a JSON object.",
                    "parameters": [
                        {"name": "after", "in": "query", "schema": {"type": "string", "pattern": r"^\d*$"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of records",
                            "headers": {"X-Next-Cursor": {"schema": {"type": "string"}}},
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["records", "next"],
                                        "properties": {
                                            "records": {"type": "array", "items": record_ref},
                                            "next": {"type": ["string", "null"]},
                                        },
                                    }
                                },
                                "application/x-ndjson": {"schema": record_ref},
                            },
                        },
                        **problems,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "security": [],
                    "responses": {"200": {"description": "The service is up"}},
                }
            },
        },
        "components": {
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
            "schemas": {record_name: spec.schema, "Error": _ERROR},
        },
    }
