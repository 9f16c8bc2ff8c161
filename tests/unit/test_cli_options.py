"""The command line's options become the same keyword arguments a notebook passes."""

from __future__ import annotations

import pytest

from attentive_nb.cli.commands import build_parser
from attentive_nb.cli.send import METHODS, send_options


def options(*argv: str) -> tuple[str, dict]:
    args = build_parser().parse_args(list(argv))
    return METHODS[args.kind], send_options(args)


def test_unsubscribe_language_and_purchase_sales_channel():
    method, kwargs = options("send", "unsubscribe", "f.csv", "--language", "fr-CA")
    assert method == "unsubscribe" and kwargs["language"] == "fr-CA"
    method, kwargs = options("send", "ecommerce", "f.csv", "--sales-channel", "IN_STORE")
    assert method == "send_ecommerce" and kwargs["sales_channel"] == "IN_STORE"


def test_link_is_a_send_with_resend():
    method, kwargs = options("link", "f.csv", "--resend", "unknown", "--dry-run")
    assert method == "link_identifiers"
    assert kwargs == {"dry_run": True, "progress": kwargs["progress"], "resend": "unknown"}


@pytest.mark.parametrize("what", ["subscriptions", "attributes"])
def test_lookups_take_no_resend(what):
    method, kwargs = options("lookup", what, "f.csv", "--ignore", "Mobile")
    assert method == f"lookup_{what}"
    assert set(kwargs) == {"dry_run", "progress", "ignore"}
    with pytest.raises(SystemExit):
        build_parser().parse_args(["lookup", what, "f.csv", "--resend"])


def test_a_ctrl_c_while_the_commands_load_is_one_line_and_exit_130(monkeypatch, capsys):
    from attentive_nb.cli import commands

    def loading() -> None:  # the parser imports pandas and the rest of the package
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "build_parser", loading)
    assert commands.main(["whoami"]) == commands.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.strip() == "attentive-nb: interrupted (Ctrl-C)." and "Traceback" not in err
