"""DataFrame -> Plan, pure: what a send would do, decided before anything is sent.

- ``mapping``: which column feeds which payload field (one table, one override);
- ``validate``, ``distinct``, ``phones``, ``timestamps``: each value checked and
  converted, once per distinct value, with a reason in words when refused;
- ``prepare``: every column of one call checked and aligned with the rows;
- ``options``: the call-level keyword arguments, checked before any row;
- ``merge``: rows that are one person (or one event) merged only when nothing is lost;
- ``users``, ``subscriptions``, ``attributes``, ``events``, ``ecommerce``,
  ``identity`` (links), ``lookups``: the builders, one per kind, each
  returning the one :class:`Plan`;
- ``caveats``: what Attentive will accept but not act on, said before sending;
- ``model``: the Plan and its requests, keyed for the ledger.

Nothing here does I/O.
"""

from attentive_nb.plan.attributes import plan_attributes
from attentive_nb.plan.ecommerce import plan_ecommerce
from attentive_nb.plan.events import plan_events
from attentive_nb.plan.identity import plan_links
from attentive_nb.plan.lookups import plan_attribute_lookup, plan_subscription_lookup
from attentive_nb.plan.model import KINDS, OTHER_KINDS, Plan, Request, request_key
from attentive_nb.plan.subscriptions import plan_subscribers, plan_unsubscribe

__all__ = [
    "KINDS",
    "OTHER_KINDS",
    "Plan",
    "Request",
    "plan_attribute_lookup",
    "plan_attributes",
    "plan_ecommerce",
    "plan_events",
    "plan_links",
    "plan_subscribers",
    "plan_subscription_lookup",
    "plan_unsubscribe",
    "request_key",
]
