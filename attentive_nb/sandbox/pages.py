"""The sandbox's HTML pages: consent, callback, errors and the front page.

Every page carries a banner saying this is a local practice server and that
nothing reaches Attentive. Everything interpolated is escaped.
"""

from __future__ import annotations

from html import escape

SCOPE_WORDS = {
    "subscriptions:write": "subscribe and unsubscribe people",
    "subscriptions:read": "see whether people are subscribed",
    "attributes:write": "set and read custom attributes",
    "events:write": "send custom events",
    "ecommerce:write": "send product views, add-to-carts and purchases",
    "segments:read": "see segments",
    "segments:write": "change segments",
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
.banner{background:#ffd23f;padding:.6em 1em;font-weight:600;border-bottom:2px solid #b38f00}
main{max-width:40em;margin:2em auto;padding:0 1em}
button{font-size:1rem;padding:.5em 1.4em;margin-right:1em;border-radius:4px;cursor:pointer}
button.primary{background:#1a4fd6;color:#fff;border:1px solid #1a4fd6}
button.secondary{background:#fff;color:#1b1b1b;border:1px solid #555}
code{background:#eee;padding:0 .2em}
"""
BANNER = (
    '<div class="banner" role="note">SANDBOX: a local practice copy of Attentive on this '
    "computer. Nothing here reaches Attentive and no one is texted or emailed.</div>"
)


def page(title: str, body: str) -> str:
    """A whole HTML document with the sandbox banner above ``body``."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} (Attentive sandbox)</title><style>{_STYLE}</style></head>"
        f"<body>{BANNER}<main>{body}</main></body></html>"
    )


def consent(
    app: str, companies: list[tuple[str, str]], scopes: list[str], fields: dict[str, str]
) -> str:
    """The consent page: the app, the company (a choice when several), the scopes, the buttons."""
    company = companies[0][1] if len(companies) == 1 else "the company chosen below"
    items = "".join(
        f"<li><code>{escape(s)}</code>: {escape(SCOPE_WORDS.get(s, s))}</li>" for s in scopes
    )
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    body = (
        f"<h1>Authorize {escape(app)}</h1>"
        f"<p><strong>{escape(app)}</strong> asks for access to "
        f"<strong>{escape(company)}</strong> with these permissions:</p><ul>{items}</ul>"
        f'<form method="post" action="/integrations/oauth-install">{hidden}'
        f"{_company_choice(companies)}"
        '<button class="primary" type="submit" name="decision" value="authorize">Authorize</button>'
        '<button class="secondary" type="submit" name="decision" value="deny">Deny</button>'
        "</form>"
    )
    return page(f"Authorize {app}", body)


def _company_choice(companies: list[tuple[str, str]]) -> str:
    """A select of the companies that may install the app; nothing when there is one."""
    if len(companies) == 1:
        return ""
    options = "".join(
        f'<option value="{escape(cid)}">{escape(name)}</option>' for cid, name in companies
    )
    return f'<p><label>Install for <select name="company">{options}</select></label></p>'


def callback(error: str | None) -> str:
    """Where the browser lands after consent; it never exchanges the code itself."""
    if error:
        body = (
            "<h1>Sign-in not approved</h1>"
            f"<p>The sign-in ended with <code>{escape(error)}</code>. Nothing was shared. "
            "To try again, start the sign-in from the notebook.</p>"
        )
        return page("Sign-in not approved", body)
    body = (
        "<h1>Sign-in approved</h1>"
        "<p>Sign-in approved. Copy this page's address from the browser's address bar "
        "and paste it into the notebook.</p>"
        "<p>The code in the address works once and only for two minutes.</p>"
    )
    return page("Sign-in approved", body)


def error(reason: str) -> str:
    """A sign-in link that cannot be honoured; shown instead of redirecting anywhere."""
    body = (
        "<h1>This sign-in link is not valid</h1>"
        f"<p>{escape(reason)}</p><p>Start the sign-in again from the notebook.</p>"
    )
    return page("Sign-in link not valid", body)


def index(url: str) -> str:
    """The front page: what this server is and how to point the notebook at it."""
    body = (
        "<h1>Attentive sandbox</h1>"
        "<p>This server behaves like Attentive's API for practice and tests.</p>"
        f"<p>Set <code>ATTENTIVE_API_URL={escape(url)}</code> and "
        f"<code>ATTENTIVE_AUTH_URL={escape(url)}/integrations/oauth-install</code>; "
        "the API key and OAuth client were printed when the sandbox started.</p>"
    )
    return page("Attentive sandbox", body)
