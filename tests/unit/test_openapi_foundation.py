"""The token exchange and /v1/me handling, checked against Attentive's OpenAPI spec.

The spec lives in the workspace's ``shared/`` folder next to the project; it
is read in place, never copied into the project.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import responses
from attentive_spec import V1, load, resolve

from attentive_nb.connection import ME_FIELDS, Connection
from attentive_nb.signin.oauth import OAuthFlow

API = "https://api.attentivemobile.com"
TOKEN_URL = API + "/v1/authorization-codes/tokens"
KEY = "key_0123456789abcdefghijklmnopqrstuv"


@pytest.fixture(scope="module")
def spec():
    return load(V1)


def example_of(schema: dict) -> dict:
    return {name: prop["example"] for name, prop in schema["properties"].items()}


@pytest.fixture
def token_operation(spec):
    return resolve(spec["paths"]["/authorization-codes/tokens"]["post"], spec)


@pytest.fixture
def me_schema(spec):
    operation = resolve(spec["paths"]["/me"]["get"], spec)
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


def test_spec_server_is_the_v1_base_we_use(spec):
    assert spec["servers"][0]["url"] == API + "/v1"


def test_token_exchange_request_matches_the_spec(token_operation, spec):
    content = token_operation["requestBody"]["content"]
    assert list(content) == ["application/x-www-form-urlencoded"]
    declared = content["application/x-www-form-urlencoded"]["schema"]
    example = example_of(declared)
    response_schema = token_operation["responses"]["200"]["content"]["application/json"]["schema"]
    token_example = example_of(response_schema)
    jsonschema.validate(token_example, response_schema)

    flow = OAuthFlow(example["client_id"], example["client_secret"], example["redirect_uri"])
    state = parse_qs(urlsplit(flow.authorization_url).query)["state"][0]
    me_example = example_of(resolve(spec["components"]["schemas"]["GetMeResponseDto"], spec))
    with responses.RequestsMock() as mock:
        mock.post(TOKEN_URL, json=token_example)
        mock.get(API + "/v1/me", json=me_example)
        conn = flow.finish(f"{example['redirect_uri']}?code={example['code']}&state={state}")
        sent, me_call = mock.calls[0].request, mock.calls[1].request

    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(sent.body, strict_parsing=True).items()}
    assert set(form) == set(declared["properties"])
    assert form == example  # the spec's examples are exactly what we send for its inputs
    jsonschema.validate(form, declared)
    assert me_call.headers["Authorization"] == f"Bearer {token_example['access_token']}"
    assert conn.company == me_example


def test_token_response_schema_is_what_the_flow_reads(spec):
    schema = resolve(spec["components"]["schemas"]["CreateTokenResponseDto"], spec)
    assert "access_token" in schema["properties"]
    assert schema["properties"]["access_token"]["type"] == "string"


def test_me_handling_reads_every_property_of_the_schema(me_schema):
    assert set(ME_FIELDS) == set(me_schema["properties"])
    example = example_of(me_schema)
    jsonschema.validate(example, me_schema)
    with responses.RequestsMock() as mock:
        mock.get(API + "/v1/me", json=example)
        company = Connection.from_api_key(KEY).me()
    assert company == example
    jsonschema.validate(company, me_schema)
