"""``att.connect()`` and its sign-in panel: the only module that imports ipywidgets.

A thin shell over :mod:`attentive_nb.signin.core`. Each click handler reads the
values, clears any secret field at once, shows "checking…", calls the same
plain function a script would call, then shows the result or the error in
words. No widget keeps a key, client secret or token after a click, so the
widget state that JupyterLab saves into the notebook holds none of them.

Handlers only ever run on the kernel's own thread (button clicks, and an
asyncio task on the kernel's loop for the countdown), never on a worker
thread: ipywidgets does not support updates from other threads (issue 2358).
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from attentive_nb import config
from attentive_nb.connection import Connection
from attentive_nb.endpoints import OAUTH_SCOPES, SEND_SCOPES
from attentive_nb.errors import ConfigError, checked_arguments
from attentive_nb.signin import companies, prompt
from attentive_nb.signin import core as signin
from attentive_nb.signin.oauth import OAuthFlow

_LABELLED = {"description_allow_html": False, "style": {"description_width": "initial"}}
_WIDE = w.Layout(width="32em")


def _field(kind: type[w.Widget], description: str, **options: Any) -> w.Widget:
    """A described widget with the stable, plain-text label browser tests look for."""
    return kind(description=description, **_LABELLED, **options)


def _button(description: str, **options: Any) -> w.Button:
    # Wide enough for the whole label: browser tests and people read it.
    return w.Button(
        description=description,
        tooltip=description,
        layout=w.Layout(width="max-content", min_width="10em"),
        **options,
    )


class SignInPanel:
    """The two-tab sign-in panel (API key, OAuth) that fills in ``connection``.

    Tests drive it like a person would: set ``.value`` on the fields and call
    ``.click()`` on the buttons.
    """

    def __init__(
        self,
        connection: Connection | None = None,
        *,
        api_url: str | None = None,
        auth_url: str | None = None,
        remember: bool = False,
        clock: Callable[[], float] = time.time,
        problem: str | None = None,
    ) -> None:
        self.connection = connection or Connection.pending()
        self.api_url, self.auth_url, self.clock = api_url, auth_url, clock
        self._flow: OAuthFlow | None = None
        self._finished: OAuthFlow | None = None  # a pasted-again address is told "already used"
        self._ticker: asyncio.Task[None] | None = None
        self.status = w.HTML(layout=w.Layout(min_height="1.5em"))
        self.tab = w.Tab(
            children=[self._key_tab(remember), self._oauth_tab(remember)],
            titles=("API key", "OAuth"),
        )
        self.tab.add_class("attentive-signin-tabs")
        self.card = w.HTML()  # what the panel becomes once signed in: the saved-key card
        self.again_button = w.Button(
            description="Sign in as another app",
            tooltip="Show the sign-in tabs again (this connection works until you sign in)",
            layout=w.Layout(width="max-content"),
        )
        self.again_button.add_class("attentive-signin-again")
        self.again_button.on_click(self._on_again)
        self.widget = w.VBox([self.tab, self.status])
        self.widget.add_class("attentive-signin")
        if problem:
            self._say(problem, "error")

    # Building the two tabs.

    def _key_tab(self, remember: bool) -> w.Widget:
        self.api_key = _field(
            w.Password, "API key", placeholder="paste the private app's key", layout=_WIDE
        )
        self.remember_key = _field(w.Checkbox, "Remember in .env", value=remember, indent=False)
        self.connect_button = _button("Connect", button_style="primary")
        self.connect_button.on_click(self._on_connect)
        return w.VBox([self.api_key, self.remember_key, self.connect_button])

    def _oauth_tab(self, remember: bool) -> w.Widget:
        self.client_id = _field(
            w.Text, "Client ID", value=_setting("ATTENTIVE_CLIENT_ID"), layout=_WIDE
        )
        self.client_secret = _field(
            w.Password, "Client secret", layout=_WIDE, placeholder=_secret_placeholder()
        )
        self.redirect_uri = _field(
            w.Text,
            "Redirect URI",
            layout=_WIDE,
            value=_setting("ATTENTIVE_REDIRECT_URI"),
            placeholder="http://localhost:3000/callback",
        )
        self.scopes = [
            _field(w.Checkbox, scope, value=scope in SEND_SCOPES, indent=False)
            for scope in OAUTH_SCOPES
        ]
        self.link_button = _button("Get authorization link", button_style="primary")
        self.link_button.on_click(self._on_link)
        self.link, self.countdown, self.help = w.HTML(), w.Label(), w.HTML()
        self.pasted = _field(
            w.Text,
            "Paste the address",
            layout=_WIDE,
            placeholder="the full address you were sent to, or the code",
        )
        self.pasted.observe(lambda _change: self._refresh_countdown(), names="value")
        self.remember_token = _field(w.Checkbox, "Remember in .env", value=remember, indent=False)
        self.finish_button = _button("Finish", button_style="primary")
        self.finish_button.on_click(self._on_finish)
        scopes = w.HBox(self.scopes, layout=w.Layout(flex_flow="row wrap"))
        return w.VBox(
            [
                self.client_id,
                self.client_secret,
                self.redirect_uri,
                w.Label("Scopes"),
                scopes,
                self.link_button,
                self.link,
                self.countdown,
                self.help,
                self.pasted,
                self.remember_token,
                self.finish_button,
            ]
        )

    # What the buttons do.

    def _on_connect(self, _button: Any = None) -> None:
        key = self.api_key.value
        self.api_key.value = ""
        self._say("checking…")
        try:
            conn = signin.sign_in_with_key(key, self.api_url)
        except Exception as error:  # a click handler's exception would vanish into the log
            self._say(signin.explain(error, self.api_url, secrets=[key]), "error")
            return
        self._signed_in(
            conn, "ATTENTIVE_API_KEY" if self.remember_key.value else None, lambda: key.strip()
        )

    def _on_link(self, _button: Any = None) -> None:
        secret = self.client_secret.value
        self.client_secret.value = ""
        try:
            flow = self._new_flow(secret)
            url = flow.authorization_url
        except Exception as error:  # shown in words, never raised into the kernel log
            self._say(signin.explain(error, self.api_url, secrets=[secret]), "error")
            return
        self._flow = flow
        self.link.value = (
            f'<a href="{html.escape(url)}" target="_blank" rel="noopener" '
            'style="color:#1565c0;text-decoration:underline">'
            "Open Attentive's authorization page</a>"
        )
        self.help.value = f"<i>{html.escape(signin.REDIRECT_HELP)}</i>"
        self._refresh_countdown()
        self._start_ticker(flow)
        self._say("Link ready: open it, click Authorize, then paste the address below.")

    def _new_flow(self, secret: str) -> OAuthFlow:
        scopes = [box.description for box in self.scopes if box.value]
        if not scopes:
            raise ConfigError("Tick at least one scope before getting the link.")
        return OAuthFlow(
            self.client_id.value.strip() or None,
            secret.strip() or None,
            self.redirect_uri.value.strip() or None,
            scopes,
            api_url=self.api_url,
            auth_url=self.auth_url,
            clock=self.clock,
        )

    def _on_finish(self, _button: Any = None) -> None:
        pasted = self.pasted.value
        self.pasted.value = ""  # the code in it is a credential for two minutes
        flow = self._flow or self._finished
        if flow is None:
            self._say(
                "Click 'Get authorization link' first, open the link and click "
                "Authorize, then paste the address you are sent to.",
                "error",
            )
            return
        self._say("checking…")
        try:
            conn = flow.finish(pasted)
        except Exception as error:  # OAuthError (state, expiry, denial) and the rest, in words
            self._say(signin.explain(error, self.api_url), "error")
            self._refresh_countdown()
            return
        self._flow, self._finished = None, flow
        self.countdown.value = ""
        self._signed_in(
            conn,
            "ATTENTIVE_ACCESS_TOKEN" if self.remember_token.value else None,
            lambda: signin.stored_token(conn) or "",
        )

    def _signed_in(self, conn: Connection, variable: str | None, value: Callable[[], str]) -> None:
        """Adopt the connection; the panel becomes the card a saved key shows."""
        self.connection.adopt(conn)
        notes = []
        if conn.scopes:
            company = (conn.company or {}).get("companyName") or "this company"
            notes.append(f"Token stored for {company}.")
        if variable:
            try:
                notes.append(signin.remember(self.connection, variable, value()))
            except OSError as error:
                notes.append(f"Could not save {variable} in .env: {error.strerror}.")
        self.card.value = signin.StatusCard.for_connection(self.connection, notes)._repr_html_()
        self.status.value = ""
        self.widget.children = [self.card, self.again_button]

    def _on_again(self, _button: Any = None) -> None:
        """Back to the tabs; ``connection`` keeps working until another sign-in replaces it."""
        self.status.value = ""
        self.widget.children = [self.tab, self.status]

    # Showing things.

    def _say(self, text: str, kind: str = "info") -> None:
        colour = {"error": "#b00020", "ok": "#1b5e20"}.get(kind, "inherit")
        self.status.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    def _refresh_countdown(self) -> None:
        if self._flow is not None:
            self.countdown.value = signin.countdown_text(self._flow.seconds_left)

    def _start_ticker(self, flow: OAuthFlow) -> None:
        """Count down once a second on the kernel's own loop, if one is running."""
        if self._ticker is not None:
            self._ticker.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # plain Python (tests): updated on each interaction instead
            return
        self._ticker = loop.create_task(self._tick(flow))

    async def _tick(self, flow: OAuthFlow) -> None:
        while self._flow is flow and flow.seconds_left > 0:
            self._refresh_countdown()
            await asyncio.sleep(1)
        self._refresh_countdown()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]  # IPython leaves display unannotated

    def __repr__(self) -> str:
        state = "signed in" if self.connection.signed_in else "waiting for sign-in"
        return f"<SignInPanel: {state}>"


def _setting(name: str) -> str:
    found = config.lookup(name)
    return found.value if found and not found.refused else ""  # a refused value is never shown


def _secret_placeholder() -> str:
    if config.lookup("ATTENTIVE_CLIENT_SECRET"):
        return "leave empty to use ATTENTIVE_CLIENT_SECRET"
    return "the app's client secret"


@checked_arguments
def connect(
    api_key: str | None = None,
    *,
    api_url: str | None = None,
    auth_url: str | None = None,
    remember: bool = False,
    display: bool | Callable[[Any], Any] = True,
    front_end: str = "auto",
    clock: Callable[[], float] = time.time,
    prompter: prompt.Prompter | None = None,
    use_saved: bool = True,
    company: str | None = None,
) -> Connection:
    """Sign in to Attentive: check saved credentials, or ask for them.

    A key passed in, or a key/token in the environment or ``.env``, is
    checked with ``/v1/me`` and a status card is shown. Otherwise (or when
    it is rejected) the sign-in panel is shown in a notebook, prompts are
    used on a terminal, and :class:`ConfigError` is raised where nobody can
    answer. The returned connection raises ``NotSignedIn`` until the panel's
    sign-in finishes. ``display`` may be False, or a function to show with;
    ``front_end`` ("auto", "widgets", "prompt", "none") overrides detection;
    ``use_saved=False`` asks even when a key is saved (to sign in as another app).
    ``company`` (an id or exact name from ``att.companies()``): that company's
    connection, from its stored token or the environment's key; an unknown or
    ambiguous one is refused, naming the choices.
    """
    show = _shower(display)
    if company is not None:
        table = companies.companies(api_url)
        chosen = companies.resolve(company, table)
        conn = companies.connection_for(chosen["company_id"], api_url)
        show(signin.StatusCard.for_connection(conn))
        return conn
    mode = front_end
    if mode == "auto":
        mode = signin.detect_front_end(panel_asked_for=not use_saved)
    conn, card, problem = Connection.pending(), None, None
    if use_saved:
        can_ask = mode in ("widgets", "prompt")
        conn, card, problem = signin.check_saved(
            api_key, api_url, remember=remember, can_ask=can_ask
        )
    if card is not None:
        show(card)
        return conn
    if mode == "widgets":
        panel = SignInPanel(
            conn,
            api_url=api_url,
            auth_url=auth_url,
            remember=remember,
            clock=clock,
            problem=problem,
        )
        show(panel.widget)
        return conn
    if mode == "prompt":
        prompter = prompter or prompt.Prompter()
        if problem:
            prompter.say(problem)
        conn.adopt(
            prompt.prompt_sign_in(
                prompter, api_url=api_url, auth_url=auth_url, remember=remember, clock=clock
            )
        )
        return conn
    raise ConfigError(signin.NO_CREDENTIALS)  # a rejected credential was raised above


def _shower(display: bool | Callable[[Any], Any]) -> Callable[[Any], Any]:
    if callable(display):
        return display
    if not display:
        return lambda _obj: None
    from IPython.display import display as ipython_display

    return ipython_display
