"""05_ecommerce: purchases grouped by order, add-to-carts, product views."""

from __future__ import annotations

from walkthroughs.common import Cell, closing, exercise, exercises_intro, intro, setup

CELLS: list[Cell] = [
    intro(
        "5. Ecommerce events",
        "Send purchases, add-to-carts and product views from an order-lines table: one row "
        "per item, several rows per order.",
        [
            "turn the lines of an order into one purchase with several items;",
            "send add-to-cart and product-view events;",
            "know why ecommerce events are sent at most once.",
        ],
        20,
        ["ecommerce", "rate-limits"],
    ),
    *setup(),
    (
        "md",
        "load-why",
        """\
## Load the order lines

Why: this is the shape most shops export: one row per item, the order id, customer and time
repeated on each line. Prices are numbers; the phone stays text.""",
    ),
    (
        "code",
        "load",
        """\
lines = pd.read_csv("data/order_lines.csv", dtype={"phone": str})
lines.drop(columns=["email", "product_url", "currency"]).head(8)  # fits a laptop's screen""",
    ),
    (
        "md",
        "load-what",
        """\
What you see: the first eight of fifteen lines. Order A-2001 has four lines; `variant_id`
and `product_name` are read as the product's variant and name. Left out of this view so
it fits the screen: `email` (each person's, as in `02`), `product_url`, sent as the
product's link, and `currency` (`USD` on every line).""",
    ),
    (
        "md",
        "purchase-why",
        """\
## Purchases: one event per order

Why: `group_by="order_id"` turns the lines of an order into one purchase event with several
items, so Attentive sees eight orders, not fifteen purchases. `ordered_at` is the time of
the order.""",
    ),
    (
        "code",
        "purchase",
        """\
purchases = conn.send_ecommerce(lines, event="purchase", group_by="order_id",
                                occurred_at_column="ordered_at")
purchases""",
    ),
    (
        "md",
        "purchase-what",
        """\
What you see: all fifteen lines `sent`, in eight requests (the estimate said so). An
ecommerce event has no id Attentive could tell copies apart by, so a purchase whose answer
was lost is never sent again by itself (it would count twice): such rows would be
`unknown`, for you to check.""",
    ),
    (
        "md",
        "cart-why",
        """\
## Add to cart

Why: each order's basket was added to a cart before checkout; the same grouping sends one
add-to-cart event per basket.""",
    ),
    (
        "code",
        "cart",
        """\
carts = conn.send_ecommerce(lines, event="add-to-cart", group_by="order_id",
                            occurred_at_column="ordered_at")
carts.summary""",
    ),
    (
        "md",
        "view-why",
        """\
## Product views

Why: a product view is about one product, so each line is its own event: leave the order
out (`columns={"order_id": None}`) so nothing groups the lines.""",
    ),
    (
        "code",
        "view",
        """\
views = conn.send_ecommerce(lines, event="product-view", occurred_at_column="ordered_at",
                            columns={"order_id": None})
views.summary""",
    ),
    ("code", "view-table", "views.table.head()"),
    (
        "md",
        "view-what",
        """\
What you see: fifteen product views, one per line, each `sent` with `200 OK`.""",
    ),
    exercises_intro(),
    *exercise(
        "5.1",
        "One purchase per order",
        "`data/exercise_orders.csv` has three orders in six lines, under `order_number`, a "
        "name the toolkit does not know. Send one purchase per order, with its order number "
        "as the order id.",
        "# Exercise 5.1: your code here",
        """\
orders = pd.read_csv("data/exercise_orders.csv", dtype={"phone": str})
conn.send_ecommerce(orders, event="purchase", columns={"order_number": "order_id"},
                    occurred_at_column="ordered_at")""",
    ),
    *exercise(
        "5.2",
        "Product views for one order's lines",
        "Cleo looked at each product of order E-3003 before buying. Send a product view for "
        "each line of that order, and for no other line.",
        "# Exercise 5.2: your code here",
        """\
orders = pd.read_csv("data/exercise_orders.csv", dtype={"phone": str})
cleo = orders[orders["order_number"] == "E-3003"]
conn.send_ecommerce(cleo, event="product-view", occurred_at_column="ordered_at",
                    columns={"order_number": None})""",
    ),
    *closing(
        [
            "`send_ecommerce` takes one row per item; `group_by=` makes the lines of an order "
            "one event.",
            "Purchases, add-to-carts and product views are sent at most once: a lost answer "
            "leaves the rows `unknown`, never resent by itself.",
            "A column the toolkit does not know can be named with `columns=`.",
        ],
        "06_segments.ipynb",
    ),
]
