"""A quick yes/no check of a body against a schema, for the rules simple schemas use.

jsonschema walks every rule of every item through its generic machinery: a
10,000-member segments body took it 0.4 s, nearly all the sandbox's work
for that request, so a million-member sync kept the one-threaded sandbox
busy long enough for a client's answers to time out. :func:`compiled` turns
a schema into plain Python closures that answer only "valid or not", with
jsonschema's own meaning for each rule (``pattern`` is ``re.search``, lengths
count characters). It compiles a schema only when it knows every keyword in
it; anything else (``format``, ``enum``, ``additionalProperties``...) is left
to jsonschema whole. A body it does not pass is described by jsonschema as
before (:func:`attentive_nb.sandbox.validation.problem`), so messages do not
change; ``tests/unit/test_sandbox_quick_check.py`` holds the two to one verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]
_NOTES = {"x-messages", "x-message"}  # the sandbox's wording, not rules
_KNOWN = {
    "object": {"type", "properties", "required", "anyOf"} | _NOTES,
    "array": {"type", "items", "minItems", "maxItems"} | _NOTES,
    "string": {"type", "minLength", "maxLength", "pattern"} | _NOTES,
}


def compiled(schema: Any) -> Check | None:
    """A function telling whether a value fits ``schema``; None when it uses other rules."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if not isinstance(kind, str) or kind not in _KNOWN or set(schema) - _KNOWN[kind]:
        return None
    return {"object": _object, "array": _array, "string": _string}[kind](schema)


def _string(schema: dict[str, Any]) -> Check:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None

    def check(value: Any) -> bool:
        if not isinstance(value, str) or len(value) < low:
            return False
        if high is not None and len(value) > high:
            return False
        return search is None or search(value) is not None

    return check


def _array(schema: dict[str, Any]) -> Check | None:
    items = compiled(schema["items"]) if "items" in schema else None
    if "items" in schema and items is None:
        return None
    low, high = schema.get("minItems", 0), schema.get("maxItems")

    def check(value: Any) -> bool:
        if not isinstance(value, list) or len(value) < low:
            return False
        if high is not None and len(value) > high:
            return False
        return items is None or all(map(items, value))

    return check


def _object(schema: dict[str, Any]) -> Check | None:
    fields = {name: compiled(sub) for name, sub in schema.get("properties", {}).items()}
    groups = [_required_only(branch) for branch in schema.get("anyOf", [{"required": []}])]
    if any(check is None for check in fields.values()) or any(g is None for g in groups):
        return None
    checks = [(name, check) for name, check in fields.items() if check is not None]
    required = tuple(schema.get("required", ()))
    alternatives = [group for group in groups if group is not None]

    def check(value: Any) -> bool:
        if not isinstance(value, dict) or not all(name in value for name in required):
            return False
        if not any(all(name in value for name in group) for group in alternatives):
            return False
        return all(check(value[name]) for name, check in checks if name in value)

    return check


def _required_only(branch: Any) -> tuple[str, ...] | None:
    """An ``anyOf`` branch that only requires fields (the one kind the check knows)."""
    if not isinstance(branch, dict) or set(branch) != {"required"}:
        return None
    return tuple(branch["required"])
