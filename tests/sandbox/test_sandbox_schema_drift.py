"""The sandbox's rules must not drift from Attentive's OpenAPI documents.

For every endpoint the sandbox serves, its JSON Schema is compared with the
spec's request schema node by node (property names, required lists, enums,
array bounds, date formats, additionalProperties false); samples built from
the spec's examples must pass, and samples the spec forbids must fail. The
spec files stay in ../shared; nothing is copied into the project.
"""

from __future__ import annotations

import copy

import pytest
from attentive_spec import ABSENT, V1, V2, load, resolve
from jsonschema import Draft202012Validator

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.sandbox import schemas
from attentive_nb.sandbox.consent import TOKEN_FORM_FIELDS

pytestmark = pytest.mark.skipif(not (V1.exists() and V2.exists()), reason=ABSENT)

# endpoint name -> (spec file, spec path, method)
OPERATIONS = {
    "me": (V1, "/me", "get"),
    "token": (V1, "/authorization-codes/tokens", "post"),
    "subscribe": (V1, "/subscriptions", "post"),
    "subscriptions": (V1, "/subscriptions", "get"),
    "unsubscribe": (V1, "/subscriptions/unsubscribe", "post"),
    "attributes": (V1, "/attributes/custom", "post"),
    "attributes_read": (V1, "/attributes/custom", "get"),
    "events": (V1, "/events/custom", "post"),
    "product-view": (V1, "/events/ecommerce/product-view", "post"),
    "add-to-cart": (V1, "/events/ecommerce/add-to-cart", "post"),
    "purchase": (V1, "/events/ecommerce/purchase", "post"),
    "attributes_bulk": (V2, "/v2/bulk/user/attributes", "post"),
    "bulk_job": (V2, "/v2/bulk/job/{bulkJobId}", "get"),
    "identity": (V1, "/identity-resolution/user-identifiers", "post"),
    "segments": (V2, "/v2/segments", "get"),
    "segment_create": (V2, "/v2/segments", "post"),
    "segment": (V2, "/v2/segments/external/{externalId}", "get"),
    "segment_update": (V2, "/v2/segments/external/{externalId}", "patch"),
    "segment_delete": (V2, "/v2/segments/external/{externalId}", "delete"),
    "segment_add": (V2, "/v2/bulk/segments/members", "post"),
    "segment_remove": (V2, "/v2/bulk/segments/members", "delete"),
    "privacy_delete": (V1, "/privacy/delete-request", "post"),
    "privacy_delete_status": (V1, "/privacy/delete-request/{id}", "get"),
    "coupons": (V1, "/coupons/coupon-pool/{coupon-pool-id}/create", "post"),
}
WITH_BODY = sorted(schemas.SCHEMAS)

# Deliberate differences, each with its reason. The test fails if one disappears too.
KNOWN = {
    ("attributes_bulk", "", "required"): "users is required: an empty body is a 400, not a job",
    ("attributes_bulk", ".users[].subscriptions[]", "required"): (
        "the spec requires subscriptionType but never defines it (attentive-api.md 2.10)"
    ),
}
# Fields the spec gives no example for, where the sandbox checks the format, and
# examples of the wrong type (IdentifyRequestDto's shopifyId is a string whose
# example is a number).
SAMPLE_VALUES = {
    ".notification.language": "en-US",
    ".shopifyId": "123456789000",
    ".subjectEmail": "ann@example.com",
    ".subjectPhone": "+13115552368",
}


def operation(name: str) -> dict:
    path, spec_path, method = OPERATIONS[name]
    doc = load(path)
    return copy.deepcopy(resolve(doc["paths"][spec_path][method], doc))


def request_schema(name: str) -> dict:
    return next(iter(operation(name)["requestBody"]["content"].values()))["schema"]


def differences(spec: dict, mine: dict, where: str = "") -> list[tuple[str, str]]:
    """(where, keyword) for every structural disagreement between the two schemas."""
    found = []
    if "type" in spec and spec["type"] != mine.get("type"):
        found.append((where, "type"))
    if spec.get("enum") != mine.get("enum"):
        found.append((where, "enum"))
    if set(spec.get("required", [])) != set(mine.get("required", [])):
        found.append((where, "required"))
    for key in ("minItems", "maxItems", "minProperties"):
        if key in spec and spec[key] != mine.get(key):
            found.append((where, key))
    if spec.get("format") in ("date", "date-time") and spec["format"] != mine.get("format"):
        found.append((where, "format"))
    if spec.get("additionalProperties") is False and mine.get("additionalProperties") is not False:
        found.append((where, "additionalProperties"))
    theirs, ours = spec.get("properties", {}), mine.get("properties", {})
    if set(theirs) != set(ours):
        found.append((where, "properties"))
    for name in set(theirs) & set(ours):
        found += differences(theirs[name], ours[name], f"{where}.{name}")
    if "items" in spec:
        found += differences(spec["items"], mine.get("items", {}), f"{where}[]")
    return found


def sample(spec: dict, where: str = ""):
    """A payload built from the spec's own examples (placeholders where it has none)."""
    if where in SAMPLE_VALUES:
        return SAMPLE_VALUES[where]
    if "example" in spec:
        return copy.deepcopy(spec["example"])
    if "enum" in spec:
        return spec["enum"][0]
    if "properties" in spec or spec.get("type") == "object":
        return {k: sample(v, f"{where}.{k}") for k, v in spec.get("properties", {}).items()}
    if spec.get("type") == "array":
        return [sample(spec["items"], f"{where}[]")]
    return {"string": "sample", "boolean": True, "integer": 1, "number": 1.5}[spec["type"]]


def forbidden(spec: dict, body):
    """(label, payload) the spec forbids: a required field gone, an extra field, a bad enum."""
    for label, change in _mutations(spec, ()):
        yield label, change(copy.deepcopy(body))


def _mutations(spec: dict, where: tuple):
    def at(payload, path):
        for part in path:
            payload = payload[part]
        return payload

    for name in spec.get("required", []):
        yield f"{where} without {name}", _drop(where, name, at)
    if spec.get("additionalProperties") is False:
        yield f"{where} with an extra field", _set(where, "zzz_not_a_field", "x", at)
    for name, sub in spec.get("properties", {}).items():
        if "enum" in sub:
            yield f"{where}.{name} outside its enum", _set(where, name, "NOT_IN_ENUM", at)
        yield from _mutations(sub, (*where, name))
    if "items" in spec:
        yield from _mutations(spec["items"], (*where, 0))


def _drop(where, name, at):
    def change(payload):
        at(payload, where).pop(name, None)
        return payload

    return change


def _set(where, name, value, at):
    def change(payload):
        at(payload, where)[name] = value
        return payload

    return change


def test_every_served_endpoint_is_in_the_spec_with_the_same_scopes():
    for name, endpoint in ENDPOINTS.items():
        security = operation(name).get("security") or []
        scopes = {s for entry in security for s in entry.get("OAuthFlow", [])}
        assert scopes == set((endpoint.scope or "").split()), name


@pytest.mark.parametrize("name", WITH_BODY)
def test_request_schema_matches_the_spec(name):
    found = {
        (name, where, kind)
        for where, kind in differences(request_schema(name), schemas.SCHEMAS[name])
    }
    expected = {key for key in KNOWN if key[0] == name}
    assert found == expected, "schema drift; see KNOWN for the deliberate differences"


@pytest.mark.parametrize("name", WITH_BODY)
def test_spec_examples_pass_and_spec_violations_fail(name):
    spec = request_schema(name)
    validator = Draft202012Validator(schemas.SCHEMAS[name])
    valid = sample(spec)
    assert list(validator.iter_errors(valid)) == [], valid
    checked = 0
    for label, payload in forbidden(spec, valid):
        if payload == valid:  # e.g. the undefined subscriptionType was never in the sample
            continue
        assert list(validator.iter_errors(payload)), f"{name}: {label} was accepted"
        checked += 1
    # PatchSegmentRequest requires nothing and allows extra fields: nothing to forbid.
    assert checked > 0 or not list(forbidden(spec, valid))
    # PrivacyRequestAddDeleteEventDto forbids nothing (no required field, enum or closed object).
    assert checked > 0 or not list(_mutations(spec, ()))


def test_token_form_fields_match_the_spec():
    assert set(TOKEN_FORM_FIELDS) == set(request_schema("token")["properties"])
    assert set(operation("token")["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded"
    }


def strict(schema):
    """The spec's response schema, with no field beyond the ones it names."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in schema:
            out["additionalProperties"] = False
            # A required name the schema never defines is a spec bug (GET attributes
            # requires "attribute" but defines "name"); the defined names are checked.
            out["required"] = [n for n in schema.get("required", []) if n in schema["properties"]]
        return out
    return [strict(v) for v in schema] if isinstance(schema, list) else schema


def response_schema(name: str, status: str) -> dict:
    content = operation(name)["responses"][status]["content"]
    return strict(content["application/json"]["schema"])


@pytest.mark.sandbox
def test_sandbox_answers_fit_the_spec_response_schemas(api):
    phone = {"phone": "+13115552368"}

    def check(name, status, answer):
        assert answer.status_code == int(status)
        Draft202012Validator(response_schema(name, status)).validate(answer.json())
        return answer.json()

    check("me", "200", api.get("/v1/me"))
    check(
        "subscribe",
        "202",
        api.post("/v1/subscriptions", json={"user": phone, "signUpSourceId": "1"}),
    )
    check("subscriptions", "200", api.get("/v1/subscriptions", params=phone))
    check("unsubscribe", "202", api.post("/v1/subscriptions/unsubscribe", json={"user": phone}))
    api.post("/v1/attributes/custom", json={"properties": {"a": 1}, "user": phone})
    check("attributes_read", "200", api.get("/v1/attributes/custom", params=phone))
    link = api.post("/v1/identity-resolution/user-identifiers", json={**phone, "clientUserId": "u"})
    assert "content" not in operation("identity")["responses"]["202"]  # "Request processed."
    assert link.status_code == 202 and link.content == b""
    users = {"users": [{"identifiers": phone}]}
    job = check("attributes_bulk", "202", api.post("/v2/bulk/user/attributes", json=users))
    for _ in range(2):
        check("bulk_job", "200", api.get(f"/v2/bulk/job/{job['batchJobId']}"))
    error = load(V1)["components"]["schemas"]
    error_schema = strict(resolve(error["ErrorResponseDto"], load(V1)))
    Draft202012Validator(error_schema).validate(api.get("/v1/me", token=None).json())
