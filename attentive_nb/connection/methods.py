"""Each job's word (the CLI's ``send KIND``, ``send_by_company(kind=)``) -> its Connection method.

One table, so a new kind is wired once for the command line and the fan-out alike.
"""

METHODS = {
    "subscribers": "send_subscribers",
    "unsubscribe": "unsubscribe",
    "attributes": "send_attributes",
    "events": "send_events",
    "ecommerce": "send_ecommerce",
    "link": "link_identifiers",
    "lookup_subscriptions": "lookup_subscriptions",
    "lookup_attributes": "lookup_attributes",
    "deletions": "request_deletion",
    "segment": "sync_segment",
}
