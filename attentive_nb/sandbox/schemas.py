"""JSON Schemas for the request bodies the sandbox accepts, and their messages.

The property names, ``required`` lists, enums and ``additionalProperties``
follow Attentive's OpenAPI documents (``shared/attentive-openapi*.json``); a
test compares them structurally so they cannot drift. On top of that the
sandbox adds the field rules Attentive documents in prose (E.164 phones,
RFC 3339 timestamps with an offset, ``signUpSourceId`` or ``locale`` +
``subscriptionType``, no lists as attribute values). Those extra rules carry
an ``x-message`` (or ``x-messages`` per keyword) so a 400 tells the analyst
what the field must look like.
"""

from __future__ import annotations

from typing import Any

_STR = {"type": "string"}
_BOOL = {"type": "boolean"}

PHONE = {
    "type": "string",
    "pattern": r"^\+[1-9][0-9]{6,14}$",
    "x-message": "must be an E.164 phone number such as +13115552368",
}
EMAIL = {
    "type": "string",
    "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "x-message": "must be an email address such as name@example.com",
}
DATE_TIME = {
    "type": "string",
    "format": "date-time",
    "pattern": (
        r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
        r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
        r"(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])$"
    ),
    "x-message": "must be an RFC 3339 date-time with an offset, such as 2021-03-30T14:38:29.000Z",
}
DATE = {
    "type": "string",
    "format": "date",
    "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    "x-message": "must be a date such as 1990-11-16",
}
_LOCATION_FIELDS = (
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "latitude",
    "longitude",
    "country",
    "region",
    "timezone",
)
SUBSCRIPTION_TYPES = ["MARKETING", "TRANSACTIONAL"]
CHANNELS = ["TEXT", "EMAIL"]

# Subscribe/unsubscribe `user` (UserDto1): phone and email only; identifiers
# sit beside it, so anything else inside `user` is a 400.
SUBSCRIBE_USER = {
    "type": "object",
    "properties": {"phone": PHONE, "email": EMAIL},
    "additionalProperties": False,
    "minProperties": 1,
    "x-messages": {"minProperties": "needs a phone or an email"},
}
_V1_CUSTOM_IDS = {
    "type": "array",
    "items": {"type": "object", "properties": {"name": _STR, "value": _STR}},
}
# Event and attribute `user` (EventUser).
EVENT_USER = {
    "type": "object",
    "properties": {
        "phone": PHONE,
        "email": EMAIL,
        "externalIdentifiers": {
            "type": "object",
            "properties": {"clientUserId": _STR, "customIdentifiers": _V1_CUSTOM_IDS},
        },
    },
    "additionalProperties": False,
    "minProperties": 1,
    "x-messages": {"minProperties": "needs a phone, an email or externalIdentifiers"},
}

SUBSCRIBE = {
    "type": "object",
    "properties": {
        "user": SUBSCRIBE_USER,
        "signUpSourceId": {"type": "string", "minLength": 1},
        "externalIdentifiers": {
            "type": "object",
            "properties": {
                "clientUserId": _STR,
                "shopifyId": _STR,
                "klaviyoId": _STR,
                "customIdentifiers": _V1_CUSTOM_IDS,
            },
        },
        "locale": {
            "type": "object",
            "properties": {
                "language": {
                    "type": "string",
                    "pattern": "^[a-z]{2}$",
                    "x-message": "must be an ISO 639-1 code such as en",
                },
                "country": {
                    "type": "string",
                    "pattern": "^[A-Z]{2}$",
                    "x-message": "must be an ISO 3166-1 code such as US",
                },
            },
        },
        "subscriptionType": {"type": "string", "enum": SUBSCRIPTION_TYPES},
        "singleOptIn": _BOOL,
    },
    "required": ["user"],
    "allOf": [
        {
            "anyOf": [
                {"required": ["signUpSourceId"]},
                {"required": ["locale", "subscriptionType"]},
            ],
            "x-message": (
                "signUpSourceId is required unless locale and subscriptionType are both given"
            ),
        }
    ],
}

UNSUBSCRIBE = {
    "type": "object",
    "properties": {
        "user": SUBSCRIBE_USER,
        "subscriptions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": [*SUBSCRIPTION_TYPES, "CHECKOUT_ABANDONED"]},
                    "channel": {"type": "string", "enum": CHANNELS},
                },
            },
        },
        "notification": {
            "type": "object",
            "properties": {
                "language": {
                    "type": "string",
                    "pattern": "^(en-US|fr-CA)$",
                    "x-message": "must be en-US or fr-CA",
                },
                "disabled": _BOOL,
            },
        },
    },
    "required": ["user"],
}

ATTRIBUTES = {
    "type": "object",
    "properties": {
        "properties": {
            "type": "object",
            "propertyNames": {"maxLength": 200},
            "additionalProperties": {
                "type": ["string", "number", "boolean"],
                "x-message": "must be text, a number or true/false (lists and objects are a 400)",
            },
        },
        "user": EVENT_USER,
    },
    "required": ["properties", "user"],
}

CUSTOM_EVENT = {
    "type": "object",
    "properties": {
        "type": {
            "type": "string",
            "pattern": r"^[^\"'(){}\[\]\\|,]+$",
            "x-message": "must be a name without quotes, brackets, backslash, | or comma",
        },
        "properties": {
            "type": "object",
            "properties": {"mediaUrl": _STR},
            "additionalProperties": True,
            "propertyNames": {
                "pattern": r"^[^\"{}\[\]\\|]+$",
                "x-message": "names must not contain quotes, brackets, backslash or |",
            },
        },
        "externalEventId": _STR,
        "occurredAt": DATE_TIME,
        "user": EVENT_USER,
    },
    "required": ["type", "user"],
}

_PRICE = {
    "type": "object",
    "properties": {
        "value": {"type": "number"},
        "currency": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "x-message": "must be an ISO 4217 code such as USD",
        },
    },
    "required": ["value"],
}
_PRODUCT = {
    "type": "object",
    "properties": {
        "productId": _STR,
        "productVariantId": _STR,
        "productImage": _STR,
        "productUrl": _STR,
        "name": _STR,
        "price": {"type": "array", "minItems": 1, "items": _PRICE},
        "quantity": {"type": "integer"},
    },
    "required": ["productId", "productVariantId", "price"],
}
_ECOMMERCE_PROPS = {
    "items": {"type": "array", "minItems": 1, "items": _PRODUCT},
    "occurredAt": DATE_TIME,
    "user": EVENT_USER,
}
ECOMMERCE = {"type": "object", "properties": _ECOMMERCE_PROPS, "required": ["items", "user"]}
PURCHASE = {
    "type": "object",
    "properties": {
        **_ECOMMERCE_PROPS,
        "orderId": _STR,
        "salesChannel": {
            "type": "object",
            "properties": {
                "channelType": {
                    "type": "string",
                    "enum": ["WEB", "IOS_APP", "ANDROID_APP", "IN_STORE", "PHONE", "OTHER", ""],
                }
            },
        },
    },
    "required": ["items", "user"],
}

# Identity resolution (IdentifyRequestDto): no required list[Any] in the spec; the
# handler asks for two identifiers at least. Every id is at most 100
# characters, and empty strings are refused (Attentive: omit them instead).
_ID_TEXT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 100,
    "x-messages": {
        "minLength": "must not be empty: leave the field out instead",
        "maxLength": "is longer than 100 characters",
    },
}
IDENTIFY = {
    "type": "object",
    "properties": {
        "phone": PHONE,
        "email": {**EMAIL, "maxLength": 100, "x-messages": {"maxLength": "is over 100 characters"}},
        "shopifyId": _ID_TEXT,
        "klaviyoId": _ID_TEXT,
        "clientUserId": _ID_TEXT,
        "customIdentifiers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": _ID_TEXT, "value": _ID_TEXT},
                "required": ["name", "value"],
            },
        },
    },
}

# One v2 bulk record (CreateUserAttributesRequestDtoV2). Checked per record:
# a bad record FAILS its own result line, it does not 400 the request.
BULK_USER = {
    "type": "object",
    "properties": {
        "attributes": {
            "type": "object",
            "properties": {
                "firstName": _STR,
                "lastName": _STR,
                "demographic": {
                    "type": "object",
                    "properties": {
                        "language": _STR,
                        "dateOfBirth": DATE,
                        "age": {"type": "integer"},
                        "organization": _STR,
                        "title": _STR,
                        "website": _STR,
                    },
                },
                "location": {
                    "type": "object",
                    "properties": {name: _STR for name in _LOCATION_FIELDS},
                },
                "locale": {"type": "object", "properties": {"language": _STR, "country": _STR}},
                "custom": {
                    "type": "object",
                    "additionalProperties": {
                        "type": ["string", "number", "boolean"],
                        "x-message": "must be text, a number or true/false (lists and maps fail)",
                    },
                },
            },
        },
        "subscriptions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "signUpSourceId": _STR,
                    "channel": {"type": "string", "enum": CHANNELS},
                    "singleOptIn": _BOOL,
                },
                # The spec also lists `subscriptionType`, which it never defines.
                "required": ["signUpSourceId", "channel"],
            },
        },
        "identifiers": {
            "type": "object",
            "minProperties": 1,
            "properties": {
                "email": EMAIL,
                "phone": PHONE,
                "shopifyId": _STR,
                "klaviyoId": _STR,
                "clientUserId": {"type": "string", "maxLength": 100},
                "customIdentifiers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"key": _STR, "value": _STR},
                        "required": ["key", "value"],
                    },
                },
            },
        },
    },
}
# The envelope is checked as a whole (400); records one by one (see above).
_ENVELOPE_USERS: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "maxItems": 256,
    "items": {"type": "object"},
}
BULK_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "properties": {"users": _ENVELOPE_USERS},
    "required": ["users"],
}
# The full document a client must follow, for the drift test and for readers.
BULK_ATTRIBUTES = {
    **BULK_ENVELOPE,
    "properties": {"users": {**_ENVELOPE_USERS, "items": BULK_USER}},
}

# v2 segments. The lengths are checked again after trimming, by the handlers.
_SEGMENT_NAME = {"type": "string", "minLength": 1, "maxLength": 240}
_SEGMENT_DESCRIPTION = {"type": "string", "minLength": 2, "maxLength": 500}
SEGMENT_CREATE = {
    "type": "object",
    "properties": {
        "name": _SEGMENT_NAME,
        "description": _SEGMENT_DESCRIPTION,
        "externalId": {"type": "string", "minLength": 1, "maxLength": 255},
    },
    "required": ["name"],
}
SEGMENT_UPDATE = {
    "type": "object",
    "properties": {"name": _SEGMENT_NAME, "description": _SEGMENT_DESCRIPTION},
    "minProperties": 1,
    "x-messages": {"minProperties": "give name or description (or both)"},
}
SEGMENT_MEMBER = {
    "type": "object",
    "properties": {
        "email": EMAIL,
        "phone": PHONE,
        "clientUserId": {"type": "string", "minLength": 1, "maxLength": 100},
    },
    "anyOf": [{"required": [name]} for name in ("email", "phone", "clientUserId")],
    "x-messages": {"anyOf": "needs an email, phone or clientUserId"},
}
SEGMENT_MEMBERS = {
    "type": "object",
    "properties": {
        "externalId": {"type": "string", "minLength": 1},
        "members": {"type": "array", "minItems": 1, "maxItems": 10000, "items": SEGMENT_MEMBER},
    },
    "required": ["externalId", "members"],
}

# PrivacyRequestAddDeleteEventDto: no field is required by the schema; the handler
# answers 400 when none names the person, as Attentive does.
PRIVACY_DELETE = {
    "type": "object",
    "properties": {
        "subjectEmail": EMAIL,
        "subjectPhone": PHONE,
        "requestMsg": _STR,
        "clientUserId": _STR,
    },
}

# CreateCouponsDto: "UTC ISO format (e.g., 2023-02-14T21:29:25Z)"; at most 200,000 codes.
UTC_TIME = {
    "type": "string",
    "pattern": (
        r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
        r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?Z$"
    ),
    "x-message": "must be a UTC time in ISO format, such as 2023-02-14T21:29:25Z",
}
COUPONS = {
    "type": "object",
    "properties": {
        "codes": {"type": "array", "items": _STR, "maxItems": 200_000},
        "distributionStart": UTC_TIME,
        "distributionStop": UTC_TIME,
    },
    "required": ["codes"],
}

# Schema per endpoint name (attentive_nb.endpoints.ENDPOINTS).
SCHEMAS: dict[str, dict[str, Any]] = {
    "subscribe": SUBSCRIBE,
    "unsubscribe": UNSUBSCRIBE,
    "attributes": ATTRIBUTES,
    "events": CUSTOM_EVENT,
    "product-view": ECOMMERCE,
    "add-to-cart": ECOMMERCE,
    "purchase": PURCHASE,
    "attributes_bulk": BULK_ATTRIBUTES,
    "identity": IDENTIFY,
    "segment_create": SEGMENT_CREATE,
    "segment_update": SEGMENT_UPDATE,
    "segment_add": SEGMENT_MEMBERS,
    "segment_remove": SEGMENT_MEMBERS,
    "privacy_delete": PRIVACY_DELETE,
    "coupons": COUPONS,
}
