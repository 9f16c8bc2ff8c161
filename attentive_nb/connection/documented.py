"""The options every send shares (and those every look-up shares), documented once.

``@documented`` puts them into each method's docstring in place of
``{run_options}`` or ``{lookup_options}``, so ``help(conn.send_events)`` shows
every argument without the text being written eight times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

Resend = bool | Literal["unknown"]

# The options every send shares.
RUN_OPTIONS_DOC = """dry_run: Check every row and report what would be sent; send nothing.
            resend: ``False``: skip what the ledger shows was sent before, and
                leave rows whose answer was lost (``unknown``) for you to check;
                ``"unknown"``: send those again too; ``True``: send everything again.
            confirm: Go ahead without the typed ``SEND`` asked before subscribing or
                unsubscribing more than 1,000 people (or the ``DELETE <n>`` asked
                before every deletion).
            progress: Show a progress bar while sending.
            workers: Requests on their way at once (default: enough for the rate limit).
            ledger: Where the send ledger lives (default
                ``.attentive_nb/ledger.sqlite`` in the working folder).
            ignore: Columns that look like phone numbers or emails but are not
                the person's own: sent as any other column (an attribute or
                event property where the endpoint takes them, else left out).
                Without it, a real send with such a column stops and asks;
                a dry run shows how every column was read (``report.columns``).

        Returns:
            SendReport: one line per input row, same index, with its status and reason.

        Raises:
            ConfigError: an option or the data cannot be sent as given; nothing was sent
                (``UnmappedColumns``: a column looks like phones or emails, see ``ignore``).
            LedgerError: the send ledger cannot be written; nothing was sent."""

# The options both look-ups share: a look-up changes nothing, so it has no ledger or resend.
LOOKUP_OPTIONS_DOC = """dry_run: Check every row and say how many look-ups it takes; ask nothing.
            progress: Show a progress bar while asking.
            workers: Requests on their way at once (default: enough for the rate limit).
            ignore: Columns that look like phone numbers or emails but are not
                the person's own (without it, a look-up with such a column stops
                and asks).

        Returns:
            SendReport: one line per input row, same index, with its status and
            reason, then what Attentive answered as columns (``report.results``).

        Raises:
            ConfigError: an option or the data cannot be used as given; nothing was asked."""

_Method = TypeVar("_Method", bound=Callable[..., Any])


def documented(method: _Method) -> _Method:
    """Put the shared options into the method's docstring, in place of ``{run_options}``
    (or ``{lookup_options}``)."""
    doc = method.__doc__ or ""
    doc = doc.replace("        {run_options}", "            " + RUN_OPTIONS_DOC)
    method.__doc__ = doc.replace("        {lookup_options}", "            " + LOOKUP_OPTIONS_DOC)
    return method
