"""Which DataFrame column feeds which payload field: one table, one override.

A column maps by convention when its name, lower-cased and stripped of
spaces, underscores and hyphens, is one of a field's aliases (``Phone Number``
and ``phone_number`` both mean ``phone``). ``columns=`` overrides the
convention, input column -> field, and ``None`` drops a column. Columns that
match nothing become properties where the endpoint takes properties
(attributes, events) and are listed as unused otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.errors import ConfigError

ECOMMERCE = ("purchase", "add-to-cart", "product-view")
SEGMENT_MEMBERS = ("segment_add", "segment_remove")  # v2 members: email, phone, clientUserId
LOOKUPS = ("subscriptions", "attributes_read")  # the GET endpoints: by phone or email only
ENDPOINT_NAMES = (
    "subscribe",
    "unsubscribe",
    "attributes",
    "attributes_bulk",
    "events",
    *ECOMMERCE,
    "identity",
    *LOOKUPS,
    *SEGMENT_MEMBERS,
    "privacy_delete",
)
WITH_PROPERTIES = ("attributes", "attributes_bulk", "events")
CUSTOM_PREFIX = "custom_id:"
IDENTIFIERS = ("phone", "email", "clientUserId", "shopifyId", "klaviyoId")
ITEM_FIELDS = (
    "productId",
    "productVariantId",
    "price",
    "currency",
    "quantity",
    "name",
    "productUrl",
    "productImage",
)

_EVENTS = ("events", *ECOMMERCE)
_BULK = ("attributes_bulk",)


@dataclass(frozen=True)
class Field:
    """A payload field, the column names that mean it, and the endpoints where it applies."""

    name: str
    aliases: tuple[str, ...]
    endpoints: tuple[str, ...] = ENDPOINT_NAMES


FIELDS: tuple[Field, ...] = (
    Field(
        "phone",
        (
            "phone",
            "phone_number",
            "phonenumber",
            "mobile",
            "mobile_phone",
            "mobile_number",
            "cell",
            "cell_phone",
            "sms",
        ),
    ),
    Field("email", ("email", "email_address", "e-mail")),
    Field("clientUserId", ("client_user_id",)),
    Field("shopifyId", ("shopify_id",)),
    Field("klaviyoId", ("klaviyo_id",)),
    Field("occurredAt", ("occurred_at", "timestamp"), _EVENTS),
    Field("productId", ("product_id",), ECOMMERCE),
    Field("productVariantId", ("product_variant_id", "variant_id"), ECOMMERCE),
    Field("price", ("price",), ECOMMERCE),
    Field("currency", ("currency",), ECOMMERCE),
    Field("quantity", ("quantity",), ECOMMERCE),
    Field("name", ("name", "product_name"), ECOMMERCE),
    Field("productUrl", ("product_url",), ECOMMERCE),
    Field("productImage", ("product_image",), ECOMMERCE),
    Field("orderId", ("order_id",), ECOMMERCE),
    Field("salesChannel", ("sales_channel",), ("purchase",)),
    Field("language", ("language", "notification_language"), ("unsubscribe",)),
)
# The v2 person fields, by their place in the bulk body (attentive_nb.plan.profile checks them).
PERSON_FIELDS = tuple(
    Field(name, aliases, _BULK)
    for name, aliases in (
        ("attributes.firstName", ("first_name", "given_name", "forename")),
        ("attributes.lastName", ("last_name", "surname", "family_name")),
        ("attributes.demographic.dateOfBirth", ("date_of_birth", "dob", "birthday", "birth_date")),
        ("attributes.demographic.age", ("age",)),
        ("attributes.demographic.language", ("language",)),
        ("attributes.demographic.organization", ("organization", "organisation")),
        ("attributes.demographic.title", ("title", "salutation")),
        ("attributes.demographic.website", ("website", "web_site", "homepage")),
        ("attributes.location.address1", ("address1", "address_line_1", "street_address")),
        ("attributes.location.address2", ("address2", "address_line_2")),
        ("attributes.location.city", ("city", "town")),
        ("attributes.location.state", ("state", "province")),
        ("attributes.location.zip", ("zip", "zip_code", "postal_code", "postcode")),
        ("attributes.location.country", ("country", "country_code")),
        ("attributes.location.region", ("region", "region_code")),
        ("attributes.location.latitude", ("latitude", "lat")),
        ("attributes.location.longitude", ("longitude", "lon", "lng")),
        ("attributes.location.timezone", ("timezone", "time_zone")),
        ("attributes.locale", ("locale",)),
        ("subscriptions.signUpSourceId", ("sign_up_source_id", "signup_source_id")),
        ("subscriptions.channel", ("channel", "subscription_channel")),
        ("subscriptions.singleOptIn", ("single_opt_in",)),
    )
)
FIELDS += PERSON_FIELDS

# The identifier fields each endpoint can carry (custom ids aside); the rest are reported unused.
USABLE_IDS = {
    "subscribe": IDENTIFIERS,
    "unsubscribe": ("phone", "email"),
    "attributes_bulk": IDENTIFIERS,
    "identity": IDENTIFIERS,
    **dict.fromkeys(LOOKUPS, ("phone", "email")),
    **dict.fromkeys(SEGMENT_MEMBERS, ("phone", "email", "clientUserId")),
    "privacy_delete": ("phone", "email", "clientUserId"),  # PrivacyRequestAddDeleteEventDto
}
EVENT_USER_IDS = ("phone", "email", "clientUserId")  # the v1 EventUser schema
CUSTOM_IDS_OK = {
    k
    for k in ENDPOINT_NAMES
    if k not in ("unsubscribe", *LOOKUPS, *SEGMENT_MEMBERS, "privacy_delete")
}


def norm(name: object) -> str:
    """The comparison form of a column or field name: lower case, no spaces, _ or -."""
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def usable_ids(endpoint: str) -> tuple[str, ...]:
    """The identifier fields an endpoint accepts."""
    return USABLE_IDS.get(endpoint, EVENT_USER_IDS)


def _lookup(endpoint: str) -> dict[str, str]:
    """alias (normalised) -> field name, for the fields that apply to ``endpoint``."""
    table = {}
    for f in FIELDS:
        if endpoint in f.endpoints:
            table.update({norm(a): f.name for a in (*f.aliases, f.name)})
    return table


def field_for(column: object, endpoint: str) -> str | None:
    """The field a column's name means by convention for ``endpoint`` (None: no field)."""
    return _convention(column, _lookup(endpoint))


def target_field(target: object, endpoint: str) -> str | None:
    """The field a ``columns=`` target names, or None when it names none for this endpoint."""
    text = str(target)
    return _custom_field(text, loose=True) or _lookup(endpoint).get(norm(text))


def _custom_field(text: str, loose: bool) -> str | None:
    """``custom_id:<name>`` when ``text`` names a custom identifier, else None.

    Column names must start with ``custom_id:`` in any case; ``columns=``
    targets (``loose``) may also spell it ``Custom ID:``.
    """
    head, name = text[: len(CUSTOM_PREFIX)], text[len(CUSTOM_PREFIX) :].strip()
    same = norm(head) == norm(CUSTOM_PREFIX) if loose else head.lower() == CUSTOM_PREFIX
    return CUSTOM_PREFIX + name if same and name else None


def is_field_name(text: str) -> bool:
    """True for a field's own name (``phone``, ``clientUserId``, ``client_user_id``,
    ``custom_id:<name>``), not a loose alias such as ``Mobile``."""
    names = {n for f in FIELDS for n in (f.name, f.aliases[0])}
    return text.strip() in names or _custom_field(text.strip(), loose=False) is not None


def valid_targets(endpoint: str) -> list[str]:
    """Every target ``columns=`` accepts for ``endpoint``, for error messages."""
    return [f.name for f in FIELDS if endpoint in f.endpoints] + ["custom_id:<name>", "None (drop)"]


@dataclass
class ColumnMap:
    """The outcome of mapping: field -> input column, property columns, unused columns."""

    fields: dict[str, object] = field(default_factory=dict)
    properties: list[object] = field(default_factory=list)
    unused: list[object] = field(default_factory=list)
    dropped: list[object] = field(default_factory=list)

    def column_map(self, property_prefix: str = "properties.") -> dict[object, str]:
        """Input column -> field, for the Plan (properties shown with their prefix)."""
        out = {col: name for name, col in self.fields.items()}
        out.update({col: f"{property_prefix}{col}" for col in self.properties})
        return out

    @property
    def custom_ids(self) -> dict[str, object]:
        """Custom identifier name -> input column."""
        return {
            k[len(CUSTOM_PREFIX) :]: c
            for k, c in self.fields.items()
            if k.startswith(CUSTOM_PREFIX)
        }


def map_columns(
    frame_columns: Iterable[Hashable],
    endpoint: str,
    columns: Mapping[Hashable, str | None] | None = None,
    reserved: Mapping[Hashable, str] | None = None,
) -> ColumnMap:
    """Map every input column to a field, a property or nothing.

    ``reserved`` holds columns already claimed by keyword arguments
    (``type_column=``, ``occurred_at_column=``...), column -> field.
    Raises ConfigError for an unknown column or field in ``columns=``
    and for two columns claiming the same field.
    """
    present = list(frame_columns)
    explicit = _check_override(columns or {}, present, endpoint)
    claimed = dict(reserved or {})
    lookup, out = _lookup(endpoint), ColumnMap()
    owners: dict[str, list[Hashable]] = {}
    for col in present:
        target: str | None
        if col in claimed:
            target = claimed[col]
        elif col in explicit:
            target = explicit[col]
        else:
            target = _convention(col, lookup)
        if target is None and col in explicit:
            out.dropped.append(col)
        elif target is None:
            (out.properties if endpoint in WITH_PROPERTIES else out.unused).append(col)
        else:
            owners.setdefault(target, []).append(col)
    for target, cols in owners.items():
        out.fields[target] = _one_owner(target, cols, explicit, claimed)
        out.unused.extend(c for c in cols if c != out.fields[target])
    return out


def _convention(col: object, lookup: dict[str, str]) -> str | None:
    """The field a column name means by itself: an alias, or ``custom_id:<name>``."""
    text = str(col)
    return _custom_field(text, loose=False) or lookup.get(norm(text))


def _one_owner(
    target: str,
    cols: list[Hashable],
    explicit: Mapping[Hashable, str | None],
    claimed: Mapping[Hashable, str],
) -> Hashable:
    """The column that feeds ``target``: the only candidate, or the one named explicitly."""
    if len(cols) == 1:
        return cols[0]
    chosen = [c for c in cols if c in explicit or c in claimed]
    if len(chosen) == 1:
        return chosen[0]
    names = ", ".join(repr(c) for c in cols)
    raise ConfigError(
        f"Columns {names} all map to '{target}'. Keep one, or say which with "
        f"columns={{{cols[-1]!r}: None}} to leave the others out."
    )


def _check_override(
    columns: Mapping[Hashable, str | None], present: list[Hashable], endpoint: str
) -> dict[Hashable, str | None]:
    """Validate ``columns=`` and turn its targets into field names."""
    if not isinstance(columns, dict):
        raise ConfigError(
            "columns= must be a dict of input column -> field, e.g. {'Mobile': 'phone'}."
        )
    out: dict[Hashable, str | None] = {}
    for col, target in columns.items():
        if col not in present:
            listed = ", ".join(repr(c) for c in present)
            raise ConfigError(
                f"columns= names {col!r}, which is not a column of the data ({listed})."
            )
        field_name = None if target is None else target_field(target, endpoint)
        if target is not None and field_name is None:
            listed = ", ".join(valid_targets(endpoint))
            words = ENDPOINTS[endpoint].words
            raise ConfigError(
                f"columns= maps {col!r} to {target!r}, which is not a field for {words}. "
                f"Valid fields: {listed}."
            )
        out[col] = field_name
    return out
