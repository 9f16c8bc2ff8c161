"""Usage errors read as one line in a notebook, with the whole traceback one %tb away."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from fakes import dataframe_calls

import attentive_nb as att
from attentive_nb.errors import ArgumentError, ConfigError, NotSignedIn, OAuthError


def raised(error: Exception) -> Exception:
    try:
        raise error
    except Exception as caught:
        return caught


@pytest.mark.parametrize(
    "error",
    [ConfigError("resend='x': use False"), NotSignedIn(), OAuthError("This code was already used")],
)
def test_ipython_shows_one_line_then_the_whole_traceback_on_tb(error):
    error = raised(error)
    first = error._render_traceback_()
    assert len(first) == 1 and "Traceback" not in first[0]
    plain = re.sub(r"\x1b\[[0-9;]*m", "", first[0])  # the name in red, as IPython shows it
    assert plain == f"{type(error).__name__}: {error}   (%tb shows where)"
    again = "\n".join(error._render_traceback_())  # what %tb asks for
    assert "Traceback" in again and "raise error" in again


def test_other_errors_keep_their_traceback():
    assert not hasattr(att.ApiError("x", status=500), "_render_traceback_")


def test_a_misspelt_keyword_says_which_one_was_meant(conn):
    with pytest.raises(ArgumentError) as caught:
        conn.send_subscribers(pd.DataFrame({"phone": []}), sign_up_sorce_id="1", dry_run=True)
    assert str(caught.value) == (
        "send_subscribers() got an unexpected keyword argument 'sign_up_sorce_id': "
        "did you mean sign_up_source_id=?"
    )
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ConfigError)
    assert len(caught.value._render_traceback_()) == 1


def test_a_missing_argument_is_a_usage_error_too(conn):
    with pytest.raises(ArgumentError, match=r"send_events\(\) missing a required argument: 'df'"):
        conn.send_events(event_type="X")


EVERY_CALL = dataframe_calls()


def test_the_calls_taking_a_dataframe_are_the_nine_documented_ones():
    assert (
        sorted(
            [
                "send_subscribers",
                "unsubscribe",
                "send_attributes",
                "send_events",
                "send_ecommerce",
                "link_identifiers",
                "lookup_subscriptions",
                "lookup_attributes",
                "sync_segment",
                "request_deletion",
            ]
        )
        == EVERY_CALL
    )


@pytest.mark.parametrize("method", EVERY_CALL)
def test_every_call_names_a_misspelt_keyword(conn, method):
    with pytest.raises(ArgumentError, match=r"did you mean default_region=\?"):
        getattr(conn, method)(pd.DataFrame({"phone": []}), default_regoin="US", dry_run=True)


@pytest.mark.parametrize("method", EVERY_CALL)
def test_the_signatures_stay_explicit(method):
    import inspect

    parameters = inspect.signature(getattr(att.Connection, method)).parameters
    assert list(parameters)[:2] == ["self", "df"] and "kwargs" not in parameters
