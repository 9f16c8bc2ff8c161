"""Column conventions, the columns= override, and the ConfigErrors they raise."""

from __future__ import annotations

import pytest

from attentive_nb.errors import ConfigError
from attentive_nb.plan.mapping import map_columns, norm, target_field


@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("phone", "phone"),
        ("Phone Number", "phone"),
        ("phone_number", "phone"),
        ("MOBILE", "phone"),
        ("mobile-phone", "phone"),
        ("PhoneNumber", "phone"),
        ("email", "email"),
        ("Email Address", "email"),
        ("client_user_id", "clientUserId"),
        ("Client User ID", "clientUserId"),
        ("shopify_id", "shopifyId"),
        ("klaviyo-id", "klaviyoId"),
    ],
)
def test_identifier_conventions(column, field):
    assert map_columns([column], "subscribe").fields == {field: column}


def test_norm_ignores_case_spaces_underscores_hyphens():
    assert norm(" Phone_Num-ber ") == "phonenumber"


def test_custom_id_column_by_convention_and_override():
    cmap = map_columns(
        ["custom_id:loyalty", "Loyalty ID"],
        "attributes",
        columns={"Loyalty ID": "custom_id:member"},
    )
    assert cmap.fields == {
        "custom_id:loyalty": "custom_id:loyalty",
        "custom_id:member": "Loyalty ID",
    }
    assert cmap.custom_ids == {"loyalty": "custom_id:loyalty", "member": "Loyalty ID"}


def test_unknown_columns_are_properties_for_attributes_and_events():
    for kind in ("attributes", "attributes_bulk", "events"):
        cmap = map_columns(["email", "Favorite Color", "price"], kind)
        assert cmap.properties == ["Favorite Color", "price"]
        assert cmap.unused == []


def test_unknown_columns_are_unused_for_subscribe():
    cmap = map_columns(["phone", "first_name"], "subscribe")
    assert cmap.unused == ["first_name"] and cmap.properties == []


def test_item_conventions_only_for_ecommerce():
    cmap = map_columns(
        ["email", "Product ID", "variant_id", "Price", "Product Name", "order_id"], "purchase"
    )
    assert cmap.fields == {
        "email": "email",
        "productId": "Product ID",
        "productVariantId": "variant_id",
        "price": "Price",
        "name": "Product Name",
        "orderId": "order_id",
    }
    assert map_columns(["email", "price"], "events").properties == ["price"]


def test_override_wins_over_convention_and_none_drops():
    cmap = map_columns(
        ["Mobile Number", "phone", "notes"],
        "attributes",
        columns={"Mobile Number": "phone", "phone": None},
    )
    assert cmap.fields == {"phone": "Mobile Number"}
    assert cmap.dropped == ["phone"]
    assert cmap.column_map() == {"Mobile Number": "phone", "notes": "properties.notes"}


def test_override_accepts_field_aliases():
    assert target_field("Client User ID", "subscribe") == "clientUserId"
    assert target_field("custom_id:loyalty", "subscribe") == "custom_id:loyalty"


def test_unknown_input_column_in_override():
    with pytest.raises(ConfigError, match=r"columns= names 'Cell'.*'phone', 'x'"):
        map_columns(["phone", "x"], "subscribe", columns={"Cell": "phone"})


def test_unknown_target_field_lists_valid_ones():
    with pytest.raises(
        ConfigError, match=r"not a field for subscribe\. Valid fields: phone, email"
    ):
        map_columns(["Cell"], "subscribe", columns={"Cell": "telephone"})


def test_item_target_is_not_valid_for_events():
    with pytest.raises(ConfigError, match="'price', which is not a field for events"):
        map_columns(["Cost"], "events", columns={"Cost": "price"})


def test_two_columns_for_one_field_is_a_config_error():
    with pytest.raises(ConfigError, match=r"'phone', 'Mobile' all map to 'phone'"):
        map_columns(["phone", "Mobile"], "subscribe")


def test_two_columns_resolved_by_naming_one():
    cmap = map_columns(["phone", "Mobile"], "subscribe", columns={"Mobile": "phone"})
    assert cmap.fields == {"phone": "Mobile"} and cmap.unused == ["phone"]


def test_columns_must_be_a_dict():
    with pytest.raises(ConfigError, match="must be a dict"):
        map_columns(["phone"], "subscribe", columns=["phone"])


def test_custom_id_needs_a_name():
    assert target_field("Custom ID: member", "attributes") == "custom_id:member"
    assert target_field("custom_id:  ", "attributes") is None
    with pytest.raises(ConfigError, match="not a field for attributes"):
        map_columns(["Loyalty"], "attributes", columns={"Loyalty": "custom_id: "})
    assert map_columns(["custom_id: ", "tier"], "attributes").properties == ["custom_id: ", "tier"]
