"""OAuth 2.0 authorization-code sign-in for a public app, pasted back by hand.

Three steps, with I/O only in the last (see attentive-api.md section 3):

1. :attr:`OAuthFlow.authorization_url` builds the consent-page link with a
   fresh unguessable ``state`` and records the pending sign-in on disk.
2. :func:`parse_pasted` reads what the user pasted: the full redirected
   address (``code`` or ``authorizationCode``) or the bare code.
3. :meth:`OAuthFlow.finish` checks that the paste belongs to a link made
   here, exchanges the code (form encoded, never JSON), asks ``/v1/me`` who
   the company is, and stores the token for that company.

Against login CSRF (RFC 6749 section 10.12), a pasted address must carry the
``state`` of a waiting sign-in and be on the redirect address that sign-in
was made with (scheme, host, port and path). A bare code has no state, so it
is accepted only while exactly one sign-in is waiting.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from attentive_nb import config
from attentive_nb.endpoints import ENDPOINTS, SEND_SCOPES
from attentive_nb.errors import AttentiveError, ConfigError, OAuthError
from attentive_nb.http.client import USER_AGENT
from attentive_nb.http.reading import redirect_words
from attentive_nb.http.statuses import parse_error_body
from attentive_nb.redact import mask_secret, scrub
from attentive_nb.signin.tokens import PendingSignIns, TokenStore
from attentive_nb.urls import same_endpoint

if TYPE_CHECKING:
    from attentive_nb.connection import Connection

CODE_LIFETIME_S = 120
_QUOTES = "'\"<>"
# A pasted text is an address (or its query) when it has one of these keys;
# otherwise it is a bare code, which may itself end in base64 "=" padding.
_QUERY_KEY = re.compile(r"(^|[?&#])(code|authorizationCode|state|error)=")
# Words of a token-endpoint refusal that name a cause other than an expired code.
_OTHER_CAUSE = re.compile(r"secret|client|redirect|scope|grant_type|unsupported", re.IGNORECASE)


@dataclass(frozen=True)
class Pasted:
    """What the user pasted, taken apart.

    ``address`` is the pasted address without its query (None when only a
    query or a code was pasted); ``bare`` is true when only the code was.
    """

    code: str
    state: str | None
    address: str | None = None
    bare: bool = False


def parse_pasted(pasted: str) -> Pasted:
    """Read a redirected address or a bare code; raise OAuthError on an ``error=``."""
    # An address never holds whitespace: drop line breaks a copy may have added.
    text = "".join((pasted or "").split()).strip(_QUOTES)
    if not text:
        raise OAuthError("Nothing was pasted: copy the address of the page Attentive sent you to.")
    if "://" not in text and not _QUERY_KEY.search(text):
        return Pasted(code=text, state=None, bare=True)
    try:
        parts = urlsplit(text if "://" in text or text.startswith("?") else "?" + text)
    except ValueError:
        raise OAuthError(
            "The pasted address cannot be read. Copy the whole address of the page Attentive "
            "sent you to after you clicked Authorize, and paste it again."
        ) from None
    query = {k: v[0] for k, v in parse_qs(parts.query + "&" + parts.fragment).items()}
    if "error" in query:
        raise OAuthError(_denied_message(query["error"], query.get("error_description")))
    code = query.get("code") or query.get("authorizationCode")
    if not code:
        raise OAuthError(
            "The pasted address has no code in it. Copy the whole address of the page "
            "Attentive sent you to after you clicked Authorize."
        )
    address = f"{parts.scheme}://{parts.netloc}{parts.path}" if "://" in text else None
    return Pasted(code=code.strip(), state=query.get("state"), address=address)


def _denied_message(error: str, description: str | None) -> str:
    if error == "access_denied":
        return (
            "The sign-in was declined on Attentive's page (Deny was clicked). "
            "Get a new link and click Authorize to connect."
        )
    detail = f": {description}" if description else ""
    return f"Attentive did not approve the sign-in ({error}{detail}). Get a new link and try again."


class OAuthFlow:
    """One sign-in of a public app, from link to ready :class:`Connection`."""

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        scopes: Sequence[str] = SEND_SCOPES,
        *,
        api_url: str | None = None,
        auth_url: str | None = None,
        clock: Callable[[], float] = time.time,
        session: requests.Session | None = None,
    ) -> None:
        self.client_id = config.client_id(_setting("ATTENTIVE_CLIENT_ID", client_id))
        self._client_secret = config.require_secret(
            "ATTENTIVE_CLIENT_SECRET", _setting("ATTENTIVE_CLIENT_SECRET", client_secret)
        )
        # the client id goes into the install link, which is shown and logged: never a secret
        holder = config.same_as_a_secret("ATTENTIVE_CLIENT_ID", self.client_id)
        if holder is None and self.client_id == self._client_secret:
            holder = "ATTENTIVE_CLIENT_SECRET"  # both given as arguments
        if holder is not None:
            raise ConfigError(config.misplaced_secret("ATTENTIVE_CLIENT_ID", holder))
        self.redirect_uri = config.redirect_uri(_setting("ATTENTIVE_REDIRECT_URI", redirect_uri))
        self.scopes = tuple(scopes)
        self.api_url = config.api_url(api_url)
        self.auth_url = config.auth_url(auth_url)
        self.state = secrets.token_urlsafe(24)
        self._clock = clock
        self._session = session or requests.Session()
        self._pending = PendingSignIns(clock=clock)
        self._link_made_at: float | None = None

    def __repr__(self) -> str:
        secret = mask_secret(self._client_secret)
        return (
            f"OAuthFlow(client_id={self.client_id!r}, client_secret={secret!r}, "
            f"redirect_uri={self.redirect_uri!r}, scopes={list(self.scopes)})"
        )

    @property
    def authorization_url(self) -> str:
        """The consent-page link; making it records this sign-in as pending."""
        if self._link_made_at is None:
            self._link_made_at = self._clock()
            self._pending.add(
                self.state,
                client_id=self.client_id,
                redirect_uri=self.redirect_uri,
                scopes=list(self.scopes),
            )
        query = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
        }
        joiner = "&" if "?" in self.auth_url else "?"
        return f"{self.auth_url}{joiner}{urlencode(query)}"

    @property
    def seconds_left(self) -> float:
        """Seconds of the code's two-minute life left, counted from the link."""
        if self._link_made_at is None:
            return float(CODE_LIFETIME_S)
        return max(0.0, CODE_LIFETIME_S - (self._clock() - self._link_made_at))

    def finish(self, pasted: str) -> Connection:
        """Exchange the pasted code for a token; return a ready, verified Connection."""
        got = parse_pasted(pasted)
        digest = hashlib.sha256(got.code.encode()).hexdigest()
        # Checked before the state, so a bare code pasted twice gets this message too.
        if self._pending.used(digest):
            raise OAuthError(
                "This code was already used to sign in. Each code works once: "
                "get a new link if you need to sign in again."
            )
        state, entry = self._pending_for(got)
        token = self._exchange(got.code, entry)
        self._pending.mark_used(state, digest)
        return self._connect(token, entry["scopes"])

    def _pending_for(self, got: Pasted) -> tuple[str, dict[str, Any]]:
        """The waiting sign-in this paste belongs to, or OAuthError saying why none does."""
        if got.bare:
            return self._only_waiting()
        if got.state is None:
            raise OAuthError(
                "The pasted address has no state in it, so it cannot be tied to a link made "
                "here. Paste the whole address of the page Attentive sent you to after you "
                "clicked Authorize (it ends with &state=…)."
            )
        entry = self._pending.get(got.state)
        if entry is None or entry.get("client_id") != self.client_id:
            raise OAuthError(
                "The pasted address belongs to a different sign-in (its state does not match "
                "any link made here). Use the link shown here and paste the address it leads to."
            )
        if got.address is not None and not same_endpoint(got.address, entry["redirect_uri"]):
            raise OAuthError(
                f"The pasted address is not this app's redirect address "
                f"({entry['redirect_uri']}), so it did not come from this sign-in. Paste the "
                "address of the page Attentive sent you to after you clicked Authorize."
            )
        return got.state, entry

    def _only_waiting(self) -> tuple[str, dict[str, Any]]:
        waiting = self._pending.waiting(self.client_id)
        if not waiting:
            raise OAuthError(
                "No sign-in is waiting for a code: click 'Get authorization "
                "link' first, then paste the address you are sent to."
            )
        if len(waiting) > 1:
            raise OAuthError(
                "A code alone can finish a sign-in only while exactly one sign-in is waiting, "
                f"and {len(waiting)} are. Paste the whole address of the page Attentive sent you "
                "to instead: its state tells which sign-in it belongs to."
            )
        return waiting[0]

    def _exchange(self, code: str, entry: dict[str, Any]) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": entry["redirect_uri"],
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        try:
            response = self._session.post(
                self.api_url + ENDPOINTS["token"].path,
                data=form,
                timeout=(5, 30),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                allow_redirects=False,  # a 307 would post the client secret elsewhere
            )
        except requests.exceptions.RequestException:
            raise OAuthError(
                f"Could not reach {self.api_url} to finish the sign-in; "
                "check the network and try again."
            ) from None
        if 300 <= response.status_code < 400:
            raise OAuthError(
                f"Attentive's token endpoint answered {response.status_code} ("
                f"{redirect_words(response, urlsplit(self.api_url).hostname or '')}); a redirect "
                "is never followed, so the code and secret went nowhere else. Check "
                "ATTENTIVE_API_URL."
            )
        if response.ok:
            return self._token_from(response)
        message = _reason(response, lambda text: scrub(text, [self._client_secret, code]))
        raise self._refusal(response.status_code, message, entry)

    def _refusal(self, status: int, message: str, entry: dict[str, Any]) -> OAuthError:
        """The exchange was refused: Attentive's reason, and a guess only where it names none."""
        said = f"Attentive did not accept the code ({status}: {message})."
        if "expire" in message.lower():
            return OAuthError(
                f"{said} The code has expired: codes live two minutes. Get a new link and "
                "paste the address right after clicking Authorize."
            )
        # The two minutes run from Authorize, which may be long after the link was made,
        # so an old link only suggests expiry, and only when no other cause is named.
        old = self._clock() - entry["created_at"] > CODE_LIFETIME_S
        if old and not _OTHER_CAUSE.search(message):
            return OAuthError(
                f"{said} The code may have expired: codes live two minutes after you click "
                "Authorize. Get a new link and paste the address right after clicking Authorize."
            )
        return OAuthError(
            f"{said} Copy the whole address again (a code cut short is the usual cause), "
            "and check the client id, secret and redirect URI."
        )

    def _token_from(self, response: requests.Response) -> str:
        token: str | None
        try:
            token = response.json().get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not token:
            raise OAuthError("Attentive's answer to the code exchange had no access token.")
        return token

    def _connect(self, token: str, scopes: list[str]) -> Connection:
        from attentive_nb.connection import Connection

        conn = Connection.from_token(token, api_url=self.api_url)
        conn.source = "OAuth sign-in"  # what the status card says the token came from
        try:
            company = conn.me()
        except AttentiveError as error:
            raise OAuthError(
                f"Attentive issued a token, but would not say which company it is for ({error})."
                " Try the sign-in again; if it keeps failing, reinstall the app."
            ) from None
        if not company.get("companyId"):
            raise OAuthError("Attentive's /v1/me named no company for the new token; try again.")
        TokenStore().save(
            company["companyId"],
            token,
            company_name=company.get("companyName"),
            client_id=self.client_id,
            scopes=scopes,
        )
        conn.scopes = tuple(scopes)
        return conn


def _setting(name: str, explicit: str | None) -> str:
    found = config.lookup(name, explicit)
    if found is None or not found.value.strip():
        raise ConfigError(f"{name} is not set: pass it as an argument or add it to .env.")
    return found.value.strip()


def _reason(response: requests.Response, scrubber: Callable[[str], str]) -> str:
    """A token-endpoint refusal in the server's words, the code and secret scrubbed.

    RFC 6749's ``{"error", "error_description"}`` is read whole (the
    description names the cause); any other shape as the API client reads it.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    described = isinstance(body, dict) and isinstance(body.get("error"), str)
    if described and body.get("error_description"):
        text = " ".join(scrubber(f"{body['error']}: {body['error_description']}").split())
        return text if len(text) <= 200 else text[:199] + "…"
    return parse_error_body(response, scrubber)[0]
