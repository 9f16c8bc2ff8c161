"""The exercises' data: the rows of each ``notebooks/data/exercise_*.csv``, and what should arrive.

``scripts/make_sample_data.py`` writes the files from these rows, and the
checks compare what the sandbox received with the expectations beside them,
so the two can never disagree. Everyone here is made up: phone numbers in the
555-01xx block North American numbering keeps for fiction, emails at
example.com, none of them used by the walkthroughs' own data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """Someone in the exercises, with the phone (E.164) and email Attentive would receive."""

    name: str
    phone: str | None = None
    email: str | None = None


ANA = Person("Ana", "+16465550150", "ana.ruiz@example.com")
BO = Person("Bo", "+19175550151")
CLEO = Person("Cleo", "+12125550152", "cleo.park@example.com")
TOM = Person("Tom", "+16465550163")  # once his area code is added
UMA = Person("Uma", email="uma.ng@example.com")  # once the '@' is put back

# -- 02: exercise_signups.csv -------------------------------------------------------------------

SIGNUPS = [
    {"first_name": "Ana", "phone": "(646) 555-0150", "email": "ana.ruiz@example.com"},
    {"first_name": "Bo", "phone": "917-555-0151", "email": ""},
    {"first_name": "Cleo", "phone": "", "email": "cleo.park@example.com"},
    {"first_name": "Tom", "phone": "555-0163", "email": ""},  # no area code (it is 646)
    {"first_name": "Uma", "phone": "", "email": "uma.ng.example.com"},  # '@' missing
]
#: Who 2.1 subscribes, by the identifier each can be reached by.
REACHABLE = {ANA.name: ANA, BO.name: BO, "Cleo": Person("Cleo", email=CLEO.email)}
#: Why the other two cannot be sent as written.
UNREACHABLE = {TOM.name: "his phone has no area code", UMA.name: "her email has no '@'"}
FIXED = {TOM.name: TOM, UMA.name: UMA}

# -- 03: exercise_tiers.csv ---------------------------------------------------------------------

TIERS = [
    {"phone": "646-555-0150", "first_name": "Ana", "tier": "Gold", "lifetime_spend": "1,250.50"},
    {"phone": "917-555-0151", "first_name": "Bo", "tier": "Silver", "lifetime_spend": "310.00"},
    {
        "phone": "(212) 555-0152",
        "first_name": "Cleo",
        "tier": "Bronze",
        "lifetime_spend": "2,045.75",
    },
]
TIER_PEOPLE = (ANA, BO, CLEO)
LOYALTY_TIER = "Loyalty Tier"
EXPECTED_TIERS = {ANA.name: "Gold", BO.name: "Silver", CLEO.name: "Bronze"}
SPEND = "lifetime_spend"
EXPECTED_SPEND = {ANA.name: 1250.5, BO.name: 310.0, CLEO.name: 2045.75}

# -- 04: exercise_returns.csv -------------------------------------------------------------------

RETURNS = [
    {
        "phone": "646-555-0150",
        "return_id": "R-5001",
        "requested_at": "2025-04-02T10:15:00Z",
        "reason": "too small",
    },
    {
        "phone": "917-555-0151",
        "return_id": "R-5002",
        "requested_at": "2025-04-03T16:40:00Z",
        "reason": "changed mind",
    },
    {
        "phone": "(212) 555-0152",
        "return_id": "R-5003",
        "requested_at": "2025-04-05T09:05:00Z",
        "reason": "arrived damaged",
    },
]
RETURN_REQUESTED = "Return Requested"
RETURN_APPROVED = "Return Approved"
#: Each person's return: its id and when it was requested.
EXPECTED_RETURNS = {
    ANA.name: ("R-5001", "2025-04-02T10:15:00Z"),
    BO.name: ("R-5002", "2025-04-03T16:40:00Z"),
    CLEO.name: ("R-5003", "2025-04-05T09:05:00Z"),
}
APPROVED = {ANA.name: "R-5001", CLEO.name: "R-5003"}  # Bo's return is not approved

# -- 05: exercise_orders.csv --------------------------------------------------------------------


def _line(
    order: str, phone: str, at: str, variant: str, name: str, price: str, qty: int
) -> dict[str, str | int]:
    return {
        "order_number": order,
        "phone": phone,
        "ordered_at": at,
        "product_id": variant.rsplit("-", 1)[0],
        "variant_id": variant,
        "product_name": name,
        "price": price,
        "quantity": qty,
    }


ORDERS = [
    _line(
        "E-3001", "646-555-0150", "2025-04-06T12:00:00Z", "P-100-M", "Trail runner, M", "89.00", 1
    ),
    _line("E-3001", "646-555-0150", "2025-04-06T12:00:00Z", "P-300-ONE", "Canvas tote", "34.00", 2),
    _line("E-3002", "917-555-0151", "2025-04-07T18:30:00Z", "P-200-BLK", "Rain shell", "129.50", 1),
    _line(
        "E-3003", "(212) 555-0152", "2025-04-08T09:45:00Z", "P-400-RED", "Wool beanie", "22.00", 1
    ),
    _line(
        "E-3003", "(212) 555-0152", "2025-04-08T09:45:00Z", "P-500-L", "Down vest, L", "149.00", 1
    ),
    _line(
        "E-3003", "(212) 555-0152", "2025-04-08T09:45:00Z", "P-100-S", "Trail runner, S", "89.00", 1
    ),
]
#: Each order: whose it is and how many lines (items) it has.
EXPECTED_ORDERS = {"E-3001": (ANA, 2), "E-3002": (BO, 1), "E-3003": (CLEO, 3)}
VIEWED_ORDER = "E-3003"
VIEWED_VARIANTS = {"P-400-RED", "P-500-L", "P-100-S"}

# -- 06: exercise_winback.csv ------------------------------------------------------------------

WINBACK = [
    {"phone": "646-555-0150", "first_name": "Ana", "bought_again": "no"},
    {"phone": "917-555-0151", "first_name": "Bo", "bought_again": "yes"},
    {"phone": "(212) 555-0152", "first_name": "Cleo", "bought_again": "no"},
    {"phone": "(646) 555-0163", "first_name": "Tom", "bought_again": "yes"},
]
WINBACK_SEGMENT = "VIP winback"
WINBACK_PEOPLE = (ANA, BO, CLEO, TOM)
BOUGHT_AGAIN = (BO, TOM)
STILL_LAPSED = (ANA, CLEO)

#: Every exercise file, by name, as make_sample_data.py writes it.
FILES = {
    "exercise_signups.csv": SIGNUPS,
    "exercise_tiers.csv": TIERS,
    "exercise_returns.csv": RETURNS,
    "exercise_orders.csv": ORDERS,
    "exercise_winback.csv": WINBACK,
}
EXERCISE_PHONES = {p.phone for p in (ANA, BO, CLEO, TOM) if p.phone is not None}
