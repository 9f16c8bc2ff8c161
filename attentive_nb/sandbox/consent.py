"""OAuth 2.0 authorization-code flow, as Attentive runs it for public apps.

- ``GET /integrations/oauth-install?client_id&redirect_uri&scope&state``: the
  consent page; an unknown client or an unregistered redirect URI is a 400
  page, never a redirect.
- ``POST /integrations/oauth-install`` (the page's form): Authorize redirects
  to ``redirect_uri?code=…&state=…``, Deny to ``redirect_uri?error=access_denied&state=…``.
  With companies added (``Sandbox.add_company``) the page asks which one
  installs the app (at Attentive, the account signed in decides); the code,
  and the token traded for it, act for that company.
- ``GET /oauth/callback``: a friendly page asking to paste its address into
  the notebook. It does not exchange the code.
- ``POST /v1/authorization-codes/tokens``: form-encoded only; the registered
  redirect URI only; each code once, within two minutes of the injected clock.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from attentive_nb.endpoints import ENDPOINTS
from attentive_nb.sandbox import pages
from attentive_nb.sandbox.base import Reject, SandboxHandler, same_secret
from attentive_nb.sandbox.context import APP_SCOPES, CODE_LIFETIME_S, PUBLIC_APP

FORM = "application/x-www-form-urlencoded"
TOKEN_FORM_FIELDS = ("grant_type", "code", "redirect_uri", "client_id", "client_secret")


class InstallHandler(SandboxHandler):
    """The consent page and its Authorize / Deny form."""

    def get(self) -> None:
        self._answer(self._checked())

    def post(self) -> None:
        fields = self._checked()
        if fields is None:
            self._answer(None)
            return
        scopes = frozenset(fields["scope"].split())
        if self.get_body_argument("decision", "") == "authorize":
            try:  # who signs in on Attentive's page decides the company; here, the form
                company = self.ctx.added_company(self.get_body_argument("company", ""))
            except KeyError:
                self.set_status(400)
                self.finish(pages.error("The company chosen is not one this sandbox has."))
                return
            outcome = {"code": self.ctx.issue_code(scopes, company)}
        else:
            outcome = {"error": "access_denied"}
        if fields["state"]:
            outcome["state"] = fields["state"]
        self.redirect(f"{fields['redirect_uri']}?{urlencode(outcome)}")

    def _checked(self) -> dict[str, str] | None:
        """The request's OAuth fields, or None after writing a 400 page."""
        fields = {
            k: self.get_argument(k, "").strip()
            for k in ("client_id", "redirect_uri", "scope", "state")
        }
        fields["scope"] = fields["scope"] or " ".join(APP_SCOPES)
        reason = self._problem(fields)
        if reason:
            self.set_status(400)
            self.finish(pages.error(reason))
            return None
        return fields

    def _problem(self, fields: dict[str, str]) -> str | None:
        if not same_secret(fields["client_id"], self.ctx.client_id):
            return "The client_id is not one this sandbox knows."
        if fields["redirect_uri"] != self.ctx.redirect_uri:
            return "The redirect_uri is not the one registered for this app."
        unknown = [s for s in fields["scope"].split() if s not in APP_SCOPES]
        if unknown:
            return f"Unknown scope(s): {', '.join(unknown)}."
        return None

    def _answer(self, fields: dict[str, str] | None) -> None:
        if fields is not None:
            companies = self.ctx.installers()
            self.finish(pages.consent(PUBLIC_APP, companies, fields["scope"].split(), fields))


class CallbackHandler(SandboxHandler):
    """The registered redirect URI: a page, not an exchange."""

    def get(self) -> None:
        self.finish(pages.callback(self.get_query_argument("error", None)))


class IndexHandler(SandboxHandler):
    def get(self) -> None:
        self.finish(pages.index(self.ctx.url))


class TokenHandler(SandboxHandler):
    """POST /v1/authorization-codes/tokens: trade a code for an access token."""

    def post(self) -> None:
        self.set_rate_headers(self.ctx.limiter.limit(ENDPOINTS["token"].rate_per_second))
        try:
            self.send_json(200, self._exchange())
            self.ctx.state.count("200")
        except Reject as problem:
            self.send_error_json(problem.status, problem.message)

    def _exchange(self) -> dict[str, Any]:
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != FORM:
            raise Reject(415, f"Unsupported media type: send the token request as {FORM}")
        form = {k: self.get_body_argument(k, "") for k in TOKEN_FORM_FIELDS}
        if form["grant_type"] != "authorization_code":
            raise Reject(400, "Invalid parameter: grant_type must be authorization_code")
        if not (
            same_secret(form["client_id"], self.ctx.client_id)
            and same_secret(form["client_secret"], self.ctx.client_secret)
        ):
            raise Reject(401, "Unauthorized: client_id or client_secret is not right")
        code = self.ctx.codes.get(form["code"])
        if code is None:
            raise Reject(400, "Invalid parameter: code is unknown or was already used")
        if form["redirect_uri"] != code.redirect_uri:
            raise Reject(400, "Invalid parameter: redirect_uri is not the one used to sign in")
        del self.ctx.codes[form["code"]]
        if self.ctx.clock() - code.issued_at > CODE_LIFETIME_S:
            raise Reject(
                400, "Invalid parameter: code expired (codes last 2 minutes); sign in again"
            )
        return {
            "access_token": self.ctx.issue_token(code.scopes, code.company),
            "id_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
        }
