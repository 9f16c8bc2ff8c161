"""Write the walkthrough sample data to notebooks/data/ (deterministic: same bytes every run).

Everyone here is made up. Phone numbers use the 555-01xx block that North
American numbering keeps for fiction (still valid numbers to `phonenumbers`,
so the library treats them like real ones); emails use example.com. A few
rows are wrong on purpose, so the dry run in 02_subscribers has something to
show: a phone with no area code, an email without '@', a row with neither.
The exercises' files (``exercise_*.csv``) are written from
``attentive_nb.training.data``, where their checks find what should arrive.

Run:  .venv/bin/python scripts/make_sample_data.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from attentive_nb.training.data import FILES as EXERCISE_FILES

DATA = Path(__file__).resolve().parent.parent / "notebooks" / "data"
SEED = 6  # issue 6; any fixed number keeps the files stable

PEOPLE = [  # first, last, area code
    ("Ada", "Okafor", "201"), ("Ben", "Larsen", "212"), ("Chloe", "Martin", "415"),
    ("Diego", "Alvarez", "312"), ("Elif", "Yilmaz", "617"), ("Farah", "Haddad", "202"),
    ("Gus", "Pereira", "303"), ("Hana", "Sato", "206"), ("Ivan", "Petrov", "404"),
    ("Jia", "Chen", "512"), ("Kofi", "Mensah", "305"), ("Lena", "Fischer", "718"),
    ("Mateo", "Rossi", "773"), ("Nora", "Byrne", "818"), ("Omar", "Farouk", "702"),
    ("Priya", "Nair", "646"),
]  # fmt: skip
PHONE_STYLES = ("({a}) 555-{n}", "{a}-555-{n}", "+1 {a} 555 {n}", "{a}555{n}", "1.{a}.555.{n}")
TIERS = ("bronze", "silver", "gold")
CATEGORIES = ("shoes", "outerwear", "bags", "accessories")
STORES = ("online", "Brooklyn", "Austin", "Seattle")
PRODUCTS = [  # product id, variant id, name, price
    ("P-100", "P-100-S", "Trail runner, size S", 89.00),
    ("P-100", "P-100-M", "Trail runner, size M", 89.00),
    ("P-200", "P-200-BLK", "Rain shell, black", 129.50),
    ("P-300", "P-300-ONE", "Canvas tote", 34.00),
    ("P-400", "P-400-RED", "Wool beanie, red", 22.00),
    ("P-500", "P-500-L", "Down vest, size L", 149.00),
]


def phone(i: int, area: str) -> str:
    """A fictional 555-01xx number, written the many ways spreadsheets write phones."""
    return PHONE_STYLES[i % len(PHONE_STYLES)].format(a=area, n=f"01{i + 10:02d}")


def email(first: str, last: str) -> str:
    return f"{first}.{last}@example.com".lower()


def date(rng: random.Random) -> str:
    """A day between 2018 and 2024, ISO format."""
    return f"20{rng.randrange(18, 25)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def clock(rng: random.Random, first_hour: int, last_hour: int) -> str:
    """A time of day on the minute, HH:MM:00."""
    return f"{rng.randrange(first_hour, last_hour):02d}:{rng.randrange(60):02d}:00"


def subscribers() -> list[dict]:
    """Sixteen people, some email-only, then three deliberately bad rows."""
    rows = []
    for i, (first, last, area) in enumerate(PEOPLE):
        rows.append({
            "first_name": first, "last_name": last,
            "phone": "" if i % 6 == 5 else phone(i, area),  # a few email-only sign-ups
            "email": "" if i % 7 == 3 else email(first, last),  # and a few phone-only
        })  # fmt: skip
    rows += [
        # Area code forgotten: not a valid US number (fixed in the notebook).
        {"first_name": "Quinn", "last_name": "Adams", "phone": "555-0142", "email": ""},
        # '@' missing (fixed in the notebook).
        {"first_name": "Rosa", "last_name": "Delgado", "phone": "",
         "email": "rosa.delgado.example.com"},
        # Nothing to reach this person by (dropped in the notebook).
        {"first_name": "Sam", "last_name": "Ito", "phone": "", "email": ""},
    ]  # fmt: skip
    return rows


def attributes(rng: random.Random) -> list[dict]:
    """Custom attributes for the first twelve people: text, numbers, a date, a yes/no."""
    rows = []
    for i, (first, last, area) in enumerate(PEOPLE[:12]):
        rows.append({
            "phone": phone(i, area), "email": email(first, last),
            "first_name": first, "last_name": last,
            "loyalty_tier": TIERS[rng.randrange(len(TIERS))],
            "points": rng.randrange(0, 5000, 25),
            "favorite_category": CATEGORIES[rng.randrange(len(CATEGORIES))],
            "home_store": STORES[rng.randrange(len(STORES))],
            "vip": rng.random() < 0.25,
            "member_since": date(rng),
        })  # fmt: skip
    return rows


def events(rng: random.Random) -> list[dict]:
    """'Order Shipped' events: when it happened, a carrier and a tracking number."""
    rows = []
    for k in range(10):
        i = rng.randrange(12)
        first, last, area = PEOPLE[i]
        rows.append({
            "phone": phone(i, area), "email": email(first, last),
            "occurred_at": f"2025-03-{k + 3:02d}T{clock(rng, 8, 20)}Z",
            "order_id": f"SO-{1001 + k}",
            "carrier": rng.choice(("UPS", "USPS", "FedEx")),
            "tracking_number": f"TRK{rng.randrange(10**9, 10**10)}",
        })  # fmt: skip
    return rows


def order_lines(rng: random.Random) -> list[dict]:
    """Eight orders of one to four lines each: one row per item, the order repeated."""
    rows = []
    for k in range(8):
        i = rng.randrange(12)
        first, last, area = PEOPLE[i]
        when = f"2025-03-{k + 10:02d}T{clock(rng, 9, 21)}Z"
        for product_id, variant_id, name, price in rng.sample(PRODUCTS, rng.randint(1, 4)):
            rows.append({
                "order_id": f"A-{2001 + k}", "phone": phone(i, area), "email": email(first, last),
                "ordered_at": when, "product_id": product_id, "variant_id": variant_id,
                "product_name": name, "price": f"{price:.2f}", "quantity": rng.randint(1, 3),
                "currency": "USD", "product_url": f"https://shop.example.com/p/{variant_id.lower()}",
            })  # fmt: skip
    return rows


def write(name: str, rows: list[dict]) -> Path:
    """One CSV, Unix newlines, columns in the order the rows give them."""
    path = DATA / name
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    for name, rows in (
        ("subscribers.csv", subscribers()),
        ("attributes.csv", attributes(rng)),
        ("events.csv", events(rng)),
        ("order_lines.csv", order_lines(rng)),
        *EXERCISE_FILES.items(),
    ):
        print(f"{write(name, rows).relative_to(DATA.parent.parent)}: {len(rows)} rows")


if __name__ == "__main__":
    main()
