"""Checking bodies against the sandbox's schemas, and saying what is wrong in words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from attentive_nb.sandbox import quick_check
from attentive_nb.sandbox.schemas import BULK_ENVELOPE, BULK_USER, SCHEMAS

# The bulk envelope 400s as a whole; each record is checked on its own.
_SCHEMAS = {**SCHEMAS, "attributes_bulk": BULK_ENVELOPE, "bulk_user": BULK_USER}
# Compiled once: the handlers only iterate errors.
_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in _SCHEMAS.items()}
# Where a schema uses only simple rules, a quick yes first (segment members: 0.4 s a body
# in jsonschema); jsonschema still says what is wrong with a body it does not pass.
_QUICK = {name: quick_check.compiled(schema) for name, schema in _SCHEMAS.items()}


def problem(name: str, body: Any) -> str | None:
    """The first problem with ``body`` for endpoint ``name``, in words; None when valid."""
    quick = _QUICK[name]
    if quick is not None and quick(body):
        return None
    error = best_match(_VALIDATORS[name].iter_errors(body))
    return None if error is None else describe(error)


def describe(error: ValidationError) -> str:
    """One sentence naming the field and what is wrong with it (never the value)."""
    # anyOf failures come back as one of their branches; the rule's text is on the parent.
    while error.parent is not None and not _custom(error):
        error = cast(ValidationError, error.parent)
    field, text = _field(error.absolute_path), _custom(error)
    if text:
        return f"{field} {text}" if field else text
    return _default_message(error, field)


def _custom(error: ValidationError) -> str | None:
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    text = schema.get("x-messages", {}).get(error.validator) or schema.get("x-message")
    return None if text is None else str(text)


def _field(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(field: str, name: str) -> str:
    return f"{field}.{name}" if field else name


def _default_message(error: ValidationError, field: str) -> str:
    # jsonschema types these loosely (they may be unset); here they are always set.
    kind, value = str(error.validator), cast(Any, error.validator_value)
    instance = cast(Any, error.instance)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        missing = [n for n in value if n not in instance]
        return f"{_join(field, missing[0])} is required"
    if kind == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        return f"{_join(field, extra[0])} is not an accepted field"
    where = field or "body"
    messages = {
        "type": lambda: (
            f"{where} must be of type {value if isinstance(value, str) else ' or '.join(value)}"
        ),
        "enum": lambda: f"{where} must be one of: {', '.join(map(repr, value))}",
        "minItems": lambda: f"{where} needs at least {value} item(s)",
        "maxItems": lambda: f"{where} takes at most {value} items",
        "minProperties": lambda: f"{where} must not be empty",
        "maxLength": lambda: f"{where} is longer than {value} characters",
        "minLength": lambda: f"{where} must not be empty",
    }
    return messages.get(kind, lambda: f"{where} is not valid ({kind})")()
