"""Attentive's published OpenAPI documents, read where they live in ../shared.

Shared by every test that checks our payloads, our reading of answers, or the
sandbox against Attentive's own documents. They are never copied into the
project; tests that need them are skipped with a clear reason when the folder
is absent.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
V1 = SHARED / "attentive-openapi.json"
V2 = SHARED / "attentive-openapi-v2.json"
ABSENT = f"Attentive's OpenAPI documents are not beside the project (looked in {SHARED})"


@cache
def load(path: Path = V1) -> dict:
    """One OpenAPI document; the calling test is skipped when it is absent."""
    if not path.exists():
        pytest.skip(ABSENT)
    return json.loads(path.read_text(encoding="utf-8"))


def resolve(node, doc: dict):
    """``node`` with every local ``$ref`` replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = doc
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(target, doc)
        return {key: resolve(value, doc) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, doc) for item in node]
    return node


def request_schema(method: str, path: str) -> tuple[dict, Registry]:
    """The JSON schema of the request body for ``method path`` (a /v1 path or a /v2 path)."""
    spec_path, key = (V2, path) if path.startswith("/v2/") else (V1, path.removeprefix("/v1"))
    spec = _sendable(load(spec_path))
    body = spec["paths"][key][method.lower()]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    resource = Resource.from_contents(spec, default_specification=DRAFT4)
    return schema, Registry().with_resource("urn:spec", resource)


def _sendable(node):
    """``node`` without the ``required`` names its schema never defines (a spec bug: the v2
    ``subscriptions[]`` item requires ``subscriptionType``, which nothing describes)."""
    if isinstance(node, list):
        return [_sendable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _sendable(value) for key, value in node.items()}
    if isinstance(out.get("required"), list) and isinstance(out.get("properties"), dict):
        out["required"] = [name for name in out["required"] if name in out["properties"]]
    return out


def documents_present() -> bool:
    """True when Attentive's documents are beside the project (a clean clone may lack them)."""
    return V1.exists() and V2.exists()


def validate_payload(method: str, path: str, payload: dict) -> None:
    """Raise jsonschema.ValidationError unless ``payload`` fits the published request schema."""
    schema, registry = request_schema(method, path)
    schema = {**_rebased(schema), "$schema": "http://json-schema.org/draft-04/schema#"}
    validator = jsonschema.Draft4Validator(
        schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    validator.validate(payload)


def validate_query(path: str, params: dict) -> None:
    """Raise jsonschema.ValidationError unless ``params`` are query parameters the spec
    declares for ``GET path`` (a /v1 path), each fitting its schema."""
    spec = load(V1)
    operation = resolve(spec["paths"][path.removeprefix("/v1")]["get"], spec)
    declared = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
    unknown = sorted(set(params) - set(declared))
    if unknown or not params:
        raise jsonschema.ValidationError(f"query {sorted(params)}: not among {sorted(declared)}")
    for name, value in params.items():
        jsonschema.validate(value, declared[name])


def _rebased(node):
    """Point local '#/components/...' references at the registered spec document."""
    if isinstance(node, dict):
        return {
            k: ("urn:spec" + v if k == "$ref" and v.startswith("#") else _rebased(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebased(v) for v in node]
    return node
