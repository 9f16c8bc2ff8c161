"""The route table: which handler answers which path."""

from __future__ import annotations

from typing import Any

from tornado.web import Application

from attentive_nb.sandbox import (
    bulk_jobs,
    consent,
    coupons,
    handlers,
    privacy,
    segments,
    training_api,
)
from attentive_nb.sandbox.base import SandboxHandler, log_request
from attentive_nb.sandbox.context import Context

_JOB_ID = r"([A-Za-z0-9_-]{1,64})"
SEGMENT_ROUTES: list[Any] = [
    (r"/v2/segments", segments.SegmentsHandler),
    (r"/v2/segments/external/([^/]+)", segments.SegmentHandler),
    (r"/v2/bulk/segments/members", segments.MembersHandler),
]


class NotFoundHandler(SandboxHandler):
    """Any other path: a JSON 404, like Attentive's."""

    def prepare(self) -> None:
        self.send_error_json(404, f"Not found: the sandbox serves no {self.request.path}")


def make_app(ctx: Context) -> Application:
    """A Tornado application serving the sandbox for ``ctx``."""
    events = [
        (rf"/v1/events/ecommerce/{name}", handlers.EventHandler, {"name": name})
        for name in ("product-view", "add-to-cart", "purchase")
    ]
    routes: list[Any] = [
        (r"/", consent.IndexHandler),
        (r"/v1/me", handlers.MeHandler),
        (r"/v1/subscriptions", handlers.SubscriptionsHandler),
        (r"/v1/subscriptions/unsubscribe", handlers.UnsubscribeHandler),
        (r"/v1/attributes/custom", handlers.AttributesHandler),
        (r"/v1/events/custom", handlers.EventHandler, {"name": "events"}),
        *events,
        (r"/v1/identity-resolution/user-identifiers", handlers.IdentityHandler),
        (r"/v2/bulk/user/attributes", bulk_jobs.BulkAttributesHandler),
        (rf"/v2/bulk/job/{_JOB_ID}", bulk_jobs.BulkJobHandler),
        (rf"/v2/bulk/job/{_JOB_ID}/results\.jsonl", bulk_jobs.BulkResultsHandler),
        *SEGMENT_ROUTES,
        (r"/v1/privacy/delete-request", privacy.DeleteRequestHandler),
        (r"/v1/privacy/delete-request/([A-Za-z0-9_-]{1,128})", privacy.DeleteStatusHandler),
        (r"/v1/coupons/coupon-pool/([^/]+)/create", coupons.CreateCouponsHandler),
        (r"/v1/authorization-codes/tokens", consent.TokenHandler),
        (r"/integrations/oauth-install", consent.InstallHandler),
        (r"/oauth/callback", consent.CallbackHandler),
        (r"/sandbox/inspect", training_api.InspectHandler),
        (r"/sandbox/start-over", training_api.StartOverHandler),
    ]
    return Application(
        routes,
        ctx=ctx,
        default_handler_class=NotFoundHandler,
        log_function=log_request,
        serve_traceback=False,
        compress_response=False,
    )
