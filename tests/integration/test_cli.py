"""The ``attentive-nb`` command, run as a real subprocess against a sandbox on loopback."""

from __future__ import annotations

import array
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests

from attentive_nb.signin.tokens import TokenStore

pytestmark = pytest.mark.sandbox

CLI = [sys.executable, "-m", "attentive_nb.cli"]
PEOPLE = """phone,email,first_name
+12015550110,ada@example.com,Ada
212-555-0111,ben@example.com,Ben
(415) 555-0112,,Chloe
"""


def run(*args: str, env: dict | None = None, stdin: str | None = None, timeout: float = 90):
    """The command's CompletedProcess; env adds to the test's (already cleaned) environment."""
    return subprocess.run(
        [*CLI, *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def creds(sb, key: str | None = None) -> dict[str, str]:
    return {"ATTENTIVE_API_URL": sb.url, "ATTENTIVE_API_KEY": key or sb.api_key}


def assert_no_secret(result, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr


def assert_usage_error(result, what: str) -> None:
    """Exit 2, the usage, one line saying what is wrong, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: attentive-nb")
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and what in errors[0], result.stderr


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.write_text(text)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- help and version -------------------------------------------------------------

HELP_COMMANDS = [
    [],
    ["whoami"],
    ["companies"],
    ["send"],
    ["send", "subscribers"],
    ["send", "unsubscribe"],
    ["send", "attributes"],
    ["send", "events"],
    ["send", "ecommerce"],
    ["link"],
    ["lookup"],
    ["lookup", "subscriptions"],
    ["lookup", "attributes"],
    ["oauth"],
    ["oauth", "url"],
    ["oauth", "finish"],
    ["lab"],
    ["demo"],
]


@pytest.mark.parametrize("command", HELP_COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_every_command_has_help_with_an_example(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "example" in result.stdout and "attentive-nb " in result.stdout


def test_version():
    from attentive_nb import __version__

    result = run("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_sandbox_help_is_the_sandbox_own():
    result = run("sandbox", "--help")
    assert result.returncode == 0 and "--port" in result.stdout


def test_no_command_prints_help_and_exits_2():
    result = run()
    assert result.returncode == 2 and "COMMAND" in result.stderr


# --- whoami -----------------------------------------------------------------------


def test_whoami_shows_where_credentials_come_from_and_the_company(sandbox):
    result = run("whoami", env=creds(sandbox))
    assert result.returncode == 0, result.stderr
    assert sandbox.company["companyName"] in result.stdout
    assert "ATTENTIVE_API_KEY" in result.stdout and "environment" in result.stdout
    assert "sandbox on this machine" in result.stdout
    assert_no_secret(result, sandbox.api_key)


def test_whoami_reads_dotenv_and_names_it(sandbox):
    write(".env", f"ATTENTIVE_API_KEY={sandbox.api_key}\nATTENTIVE_API_URL={sandbox.url}\n")
    result = run("whoami")
    assert result.returncode == 0, result.stderr
    assert str(Path(".env").resolve()) in result.stdout
    assert_no_secret(result, sandbox.api_key)


def test_whoami_without_credentials_is_a_missing_setting_and_exits_2():
    result = run("whoami")
    assert result.returncode == 2
    assert "no Attentive credentials found" in result.stderr
    assert "Traceback" not in result.stderr
    assert "2 no credentials found, or not accepted" in run("whoami", "--help").stdout


def test_whoami_with_a_wrong_key_exits_2_and_never_shows_it(sandbox):
    wrong = "wrong-key-0123456789abcdef"
    result = run("whoami", env=creds(sandbox, wrong))
    assert result.returncode == 2  # a rejected key is a setting, as for every command
    assert "not accepted" in result.stderr and "401" in result.stderr
    assert_no_secret(result, wrong)


def test_whoami_when_the_api_cannot_be_reached_exits_1():
    result = run(
        "whoami",
        env={
            "ATTENTIVE_API_URL": f"http://127.0.0.1:{free_port()}",
            "ATTENTIVE_API_KEY": "key-0123456789abcdef",
        },
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback_but_no_secret(sandbox):
    wrong = "wrong-key-0123456789abcdef"
    write("e.csv", "phone\n+12015550110\n")
    result = run(
        "send", "events", "e.csv", "--event-type", "X", "--debug", env=creds(sandbox, wrong)
    )
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "AuthError" in result.stderr
    assert_no_secret(result, wrong)


# --- send ---------------------------------------------------------------------------


def test_send_subscribers_reports_each_row_and_writes_out(sandbox):
    write("people.csv", PEOPLE + "555,not-an-email,Bad\n")
    result = run(
        "send",
        "subscribers",
        "people.csv",
        "--sign-up-source-id",
        "123456",
        "--out",
        "results.csv",
        env=creds(sandbox),
    )
    assert result.returncode == 1, result.stderr  # one row invalid
    assert "rows in 3 requests" in result.stdout  # the engine's estimate
    assert "Subscribers, 4 rows: sent 3, invalid 1 (a sandbox, not Attentive)" in result.stdout
    assert "<SendReport" not in result.stdout and "PosixPath" not in result.stdout
    out = pd.read_csv("results.csv", index_col=0)
    assert {"status", "http_status", "reason", "phone", "email"} <= set(out.columns)
    assert out["status"].tolist() == ["sent", "sent", "sent", "invalid"]
    assert "+12015550110" not in out.to_csv()  # masked
    bodies = sandbox.received("/v1/subscriptions")
    assert len(bodies) == 3 and {b["signUpSourceId"] for b in bodies} == {"123456"}
    assert sandbox.subscribe_count("+12125550111") == 1
    assert_no_secret(result, sandbox.api_key)


def test_send_all_valid_exits_0_and_retry_out_is_not_written(sandbox):
    write("people.csv", PEOPLE)
    result = run(
        "send",
        "subscribers",
        "people.csv",
        "--locale",
        "en-US",
        "--subscription-type",
        "marketing",
        "--retry-out",
        "f.csv",
        env=creds(sandbox),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {b["locale"]["language"] for b in sandbox.received("/v1/subscriptions")} == {"en"}
    assert not Path("f.csv").exists()


def test_retry_out_holds_the_input_rows_to_fix(sandbox):
    write("people.csv", PEOPLE + "555,,Bad\n")
    result = run(
        "send",
        "subscribers",
        "people.csv",
        "--sign-up-source-id",
        "1",
        "--retry-out",
        "fix.csv",
        env=creds(sandbox),
    )
    assert result.returncode == 1
    assert Path("fix.csv").read_text().splitlines() == ["phone,email,first_name", "555,,Bad"]
    assert "--out FILE writes each row's reason" in result.stdout


def test_a_retry_out_file_is_sent_back_as_it_is(sandbox):
    """Round one fails at the server; the retry file, sent back unchanged, is all accepted."""
    write(
        "people.csv",
        "phone,email,first_name\n+44 20 7946 0344,ada@example.com,Ada\n"
        "+1 201 555 0120,ben@example.com,-Ben\n",
    )
    sandbox.faults.endpoints = frozenset({"subscribe"})
    sandbox.faults.error_statuses = (400,)
    sandbox.faults.error_rate = 1.0
    args = ["send", "subscribers", "--sign-up-source-id", "1", "--retry-out"]
    first = run(*args[:2], "people.csv", *args[2:], "fix.csv", env=creds(sandbox))
    assert first.returncode == 1, first.stdout + first.stderr
    fix = Path("fix.csv").read_text()
    assert "'" not in fix and "status" not in fix and "reason" not in fix
    assert pd.read_csv("fix.csv", dtype=str).equals(pd.read_csv("people.csv", dtype=str))
    sandbox.faults.error_rate = 0.0
    second = run(*args[:2], "fix.csv", *args[2:], "fix2.csv", "--out", "r.csv", env=creds(sandbox))
    assert second.returncode == 0, second.stdout + second.stderr
    assert pd.read_csv("r.csv")["status"].tolist() == ["sent", "sent"]
    assert sandbox.subscribe_count("+442079460344") == 1
    assert not Path("fix2.csv").exists()


def test_csv_files_neutralise_formulas_unless_raw_csv(sandbox):
    write("people.csv", PEOPLE + '555,,"=HYPERLINK(""http://evil.example"")"\n')
    args = ["send", "subscribers", "people.csv", "--sign-up-source-id", "1", "--dry-run"]
    args += ["--out", "r.csv", "--retry-out", "fix.csv"]
    result = run(*args, env=creds(sandbox))
    assert result.returncode == 1, result.stderr
    assert "begin with '" in result.stdout and "--raw-csv" in result.stdout
    assert pd.read_csv("r.csv", dtype=str)["phone"].iloc[0] == "'+1201•••0110"
    # The retry file holds only the input's own cells, to send again: as they are.
    fix = pd.read_csv("fix.csv", dtype=str)
    assert fix["first_name"].tolist() == ['=HYPERLINK("http://evil.example")']
    assert run(*args, "--raw-csv", env=creds(sandbox)).returncode == 1
    assert pd.read_csv("r.csv", dtype=str)["phone"].iloc[0] == "+1201•••0110"


def test_dry_run_sends_nothing(sandbox):
    write("people.csv", PEOPLE)
    result = run(
        "send",
        "subscribers",
        "people.csv",
        "--sign-up-source-id",
        "1",
        "--dry-run",
        "--out",
        "r.csv",
        env=creds(sandbox),
    )
    assert result.returncode == 0, result.stderr
    assert "would_send" in result.stdout and "nothing was sent" in result.stdout
    assert pd.read_csv("r.csv")["status"].eq("would_send").all()
    assert sandbox.received("/v1/subscriptions") == []


def test_a_second_run_skips_what_was_sent(sandbox):
    write("people.csv", PEOPLE)
    args = ["send", "subscribers", "people.csv", "--sign-up-source-id", "1"]
    assert run(*args, env=creds(sandbox)).returncode == 0
    again = run(*args, "--out", "r.csv", env=creds(sandbox))
    assert again.returncode == 0 and "skipped" in again.stdout
    assert len(sandbox.received("/v1/subscriptions")) == 3
    only_unknown = run(*args, "--resend", "unknown", env=creds(sandbox))
    assert only_unknown.returncode == 0 and len(sandbox.received("/v1/subscriptions")) == 3
    resent = run(*args, "--resend", env=creds(sandbox))
    assert resent.returncode == 0 and len(sandbox.received("/v1/subscriptions")) == 6


def test_unsubscribe_without_notification(sandbox):
    write("leavers.csv", "Mobile\n+12015550110\n+12125550111\n")
    result = run(
        "send",
        "unsubscribe",
        "leavers.csv",
        "--columns",
        "Mobile=phone",  # COLUMN=FIELD, as columns={COLUMN: FIELD} in Python
        "--no-notify",
        "--subscriptions",
        "MARKETING:TEXT",
        env=creds(sandbox),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stderr
    bodies = sandbox.received("/v1/subscriptions/unsubscribe")
    assert len(bodies) == 2
    assert all(b["notification"] == {"disabled": True} for b in bodies)
    assert {b["user"]["phone"] for b in bodies} == {"+12015550110", "+12125550111"}


def test_link_then_lookup_attributes_set_by_id(sandbox):
    write("links.csv", "email,client_user_id\nada@example.com,c-1\nben@example.com,\n")
    linked = run("link", "links.csv", env=creds(sandbox))
    assert linked.returncode == 1, linked.stdout + linked.stderr  # ben has no id to link
    assert "Id links, 2 rows: sent 1, invalid 1 (a sandbox, not Attentive)" in linked.stdout
    assert sandbox.identifiers("c-1") == {"email": ["ada@example.com"], "clientUserId": ["c-1"]}

    write("by-id.csv", "client_user_id,tier\nc-1,gold\n")
    dry = run("send", "attributes", "by-id.csv", "--dry-run", env=creds(sandbox))
    assert "note: 1 row names the person only by client_user_id" in dry.stdout
    assert "attentive-nb link FILE" in dry.stdout
    assert run("send", "attributes", "by-id.csv", env=creds(sandbox)).returncode == 0

    write("who.csv", "email\nada@example.com\nnobody@example.com\n")
    found = run("lookup", "attributes", "who.csv", "--out", "found.csv", env=creds(sandbox))
    assert found.returncode == 0, found.stdout + found.stderr
    assert "found: tier: 1 row with a value" in found.stdout
    table = pd.read_csv("found.csv", index_col=0)
    assert table["tier"].tolist()[0] == "gold" and table["email"][0] == "a•••@example.com"


def test_lookup_subscriptions_counts_who_is_eligible(sandbox):
    write("people.csv", PEOPLE)
    run("send", "subscribers", "people.csv", "--sign-up-source-id", "1", env=creds(sandbox))
    result = run("lookup", "subscriptions", "people.csv", env=creds(sandbox))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "found: text_marketing: 3 eligible, 0 not" in result.stdout
    assert "found: email_marketing: 2 eligible, 1 not" in result.stdout
    assert "--resend" not in run("lookup", "subscriptions", "--help").stdout


def test_the_old_field_first_columns_order_still_works_and_says_how_to_write_it(sandbox):
    write("leavers.csv", 'Mobile,"Last, First"\n+12015550110,"Okafor, Ada"\n')
    old = ["send", "unsubscribe", "leavers.csv", "--no-notify", "--dry-run"]
    result = run(*old, "--columns", "phone=Mobile", env=creds(sandbox))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would_send 1" in result.stdout
    assert (
        "warning: --columns phone=Mobile is the old FIELD=COLUMN order: write --columns "
        "Mobile=phone (COLUMN=FIELD, as columns={'Mobile': 'phone'} in Python)"
    ) in result.stderr
    new = run(*old, "--columns", "Mobile=phone,Last, First=custom_id:name", env=creds(sandbox))
    assert new.returncode == 0 and "warning" not in new.stderr, new.stderr


def test_a_renamed_phone_column_stops_the_send_and_asks_in_command_line_words(sandbox):
    write("people.csv", PEOPLE.replace("phone,", "mobile no,", 1))
    args = ["send", "subscribers", "people.csv", "--sign-up-source-id", "1"]
    result = run(*args, env=creds(sandbox))
    assert_usage_error(
        result,
        "Nothing was sent: column 'mobile no' looks like phone numbers: map it with "
        "--columns 'mobile no=phone' or pass --ignore 'mobile no'",
    )
    assert sandbox.received("/v1/subscriptions") == []
    ignored = run(*args, "--ignore", "mobile no", env=creds(sandbox))
    assert ignored.returncode == 1, ignored.stderr  # Chloe has no email: invalid
    assert [b["user"] for b in sandbox.received("/v1/subscriptions")] == [
        {"email": "ada@example.com"},
        {"email": "ben@example.com"},
    ]


def test_attributes_v1_and_bulk(sandbox):
    write("attrs.csv", "email,tier,points\nada@example.com,gold,500\nben@example.com,silver,20\n")
    result = run("send", "attributes", "attrs.csv", env=creds(sandbox))
    assert result.returncode == 0, result.stdout + result.stderr
    bodies = sandbox.received("/v1/attributes/custom")
    assert sorted(b["properties"]["tier"] for b in bodies) == ["gold", "silver"]
    bulk = run("send", "attributes", "attrs.csv", "--bulk", "--resend", env=creds(sandbox))
    assert bulk.returncode == 0, bulk.stdout + bulk.stderr
    assert len(sandbox.received("/v2/bulk/user/attributes")) == 1


def test_blank_attribute_rows_are_skipped_and_the_send_exits_0(sandbox):
    write("blanks.csv", "email,tier,points\nada@example.com,gold,\nben@example.com,,\n")
    result = run(
        "send",
        "attributes",
        "blanks.csv",
        "--out",
        "out.csv",
        "--retry-out",
        "again.csv",
        env=creds(sandbox),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [b["properties"] for b in sandbox.received("/v1/attributes/custom")] == [
        {"tier": "gold"}
    ]
    out = pd.read_csv("out.csv", keep_default_na=False)
    assert list(out["status"]) == ["sent", "skipped"]
    assert out["reason"].iloc[1] == "nothing to send: every attribute is blank"
    assert not Path("again.csv").exists()  # nothing to retry


def test_events_from_parquet(sandbox):
    pd.DataFrame(
        {
            "phone": ["+12015550110", "+12125550111"],
            "when": ["2025-03-03T11:51:00Z", "2025-03-04T14:50:00Z"],
            "carrier": ["UPS", "USPS"],
        }
    ).to_parquet("shipped.parquet")
    result = run(
        "send",
        "events",
        "shipped.parquet",
        "--event-type",
        "Order Shipped",
        "--occurred-at-column",
        "when",
        env=creds(sandbox),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    bodies = sandbox.received("/v1/events/custom")
    assert [b["type"] for b in bodies] == ["Order Shipped"] * 2
    assert sorted(b["properties"]["carrier"] for b in bodies) == ["UPS", "USPS"]


def test_ecommerce_purchase_from_stdin_groups_lines(sandbox):
    csv = (
        "order,phone,product_id,variant_id,product_name,price,quantity\n"
        "A-1,+12015550110,P-1,P-1-L,Vest,149.00,1\n"
        "A-1,+12015550110,P-2,P-2-M,Runner,89.00,2\n"
        "A-2,+12125550111,P-1,P-1-S,Vest,149.00,1\n"
    )
    result = run(
        "send",
        "ecommerce",
        "-",
        "--event",
        "purchase",
        "--group-by",
        "order",
        "--currency",
        "EUR",
        env=creds(sandbox),
        stdin=csv,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    bodies = sandbox.received("/v1/events/ecommerce/purchase")
    assert sorted(len(b["items"]) for b in bodies) == [1, 2]
    assert json.dumps(bodies).count('"currency": "EUR"') == 3


def test_more_than_1000_subscribers_need_yes(sandbox):
    phones = "\n".join(f"+1201555{n:04d}" for n in range(1001))
    write("many.csv", "phone\n" + phones + "\n")
    args = ["send", "subscribers", "many.csv", "--sign-up-source-id", "1"]
    refused = run(*args, env=creds(sandbox))
    assert_usage_error(refused, "--yes")
    assert sandbox.received("/v1/subscriptions") == []
    # With --yes it starts (1,001 people at 10/s); interrupt it once under way.
    proc = subprocess.Popen(
        [*CLI, *args, "--yes", "--out", "r.csv"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **creds(sandbox)},
    )
    assert "1,001 rows" in proc.stdout.readline()  # the estimate: past the confirmation
    _wait_for(lambda: len(sandbox.received("/v1/subscriptions")) >= 5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err  # a partial report: the rest not_sent
    assert "not_sent" in out and "Traceback" not in err
    statuses = pd.read_csv("r.csv")["status"]
    assert statuses.eq("not_sent").sum() > 500 and statuses.eq("sent").sum() >= 5


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["send", "events", "missing.csv", "--event-type", "X"], "missing.csv: no such file"),
        (["send", "events", "bad.csv", "--event-type", "X"], "cannot be read as CSV"),
        (["send", "events", "blank.csv", "--event-type", "X"], "cannot be read as CSV"),
        (
            ["send", "events", "latin1.csv", "--event-type", "X"],
            "latin1.csv: is not UTF-8 text (it has the byte 0xe9): save it as CSV UTF-8",
        ),
        (["send", "events", "bad.parquet", "--event-type", "X"], "cannot be read as Parquet"),
        (
            ["send", "events", "ok.csv", "--event-type", "X", "--columns", "Mobile=phone"],
            "--columns names 'Mobile', which is not a column",
        ),
        (
            ["send", "events", "ok.csv", "--event-type", "X", "--columns", "phone"],
            "is not COLUMN=FIELD",
        ),
        (
            ["send", "events", "ok.csv", "--event-type", "X", "--ignore", "nope"],
            "--ignore names 'nope', which is not a column",
        ),
        (["send", "events", "ok.csv", "--bogus"], "unrecognized arguments: --bogus"),
        (["send", "subscribers", "ok.csv"], "--sign-up-source-id"),
        (["send", "subscribers", "ok.csv", "--locale", "english"], "not a locale like en-US"),
        (["send", "ecommerce", "ok.csv", "--event", "refund"], "invalid choice"),
        (["send", "teleport", "ok.csv"], "invalid choice"),
        (["whoami", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_input_exits_2_with_one_line(sandbox, args, what):
    write("bad.csv", 'a,b\n1,2,3,4\n"x')
    write("blank.csv", "\n\n")
    Path("latin1.csv").write_bytes("phone,city\n+12015550110,Montr\u00e9al\n".encode("latin-1"))
    write("bad.parquet", "this is not parquet")
    write("ok.csv", "phone\n+12015550110\n")
    result = run(*args, env=creds(sandbox))
    assert_usage_error(result, what)
    assert sandbox.received("/v1/events/custom") == []


# A FILE that is not a readable CSV or Parquet file: its own true reason, before any sign-in.
DRY_RUN = ["send", "subscribers", "--dry-run", "--sign-up-source-id", "1"]


def _fifo(name: str) -> str:
    os.mkfifo(name)
    return name


def _folder(name: str) -> str:
    Path(name).mkdir()
    return name


def _empty(name: str) -> str:
    write(name, "")
    return name


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda: "/dev/null", "/dev/null: is a device, not a file"),
        (lambda: _fifo("pipe.csv"), "pipe.csv: is a named pipe, not a file"),
        (lambda: _empty("empty.csv"), "empty.csv: is empty (0 bytes): there is nothing to send"),
        (lambda: _folder("exports"), "exports: is a folder, not a file"),
        (lambda: "gone.csv", "gone.csv: no such file"),
        (lambda: "gone/people.csv", "gone/people.csv: no such file"),
    ],
    ids=["device", "fifo", "empty", "folder", "missing", "missing-folder"],
)
def test_a_file_that_is_not_a_readable_file_says_what_it_is(make, what):
    result = run(*DRY_RUN[:2], make(), *DRY_RUN[2:], timeout=30)
    assert_usage_error(result, what)


def _without_root_powers() -> list[str]:
    """A command prefix that runs without root's right to read every file, or skip saying why.

    The tests run as root, and root reads a file whatever its mode: setpriv drops
    the two capabilities that allow it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
    probe = write("probe.txt", "x")
    probe.chmod(0)
    try:
        if (
            setpriv is None
            or subprocess.run([*prefix, "cat", str(probe)], check=False).returncode != 1
        ):
            pytest.skip("running as root without setpriv: no way to make a file unreadable")
    finally:
        probe.unlink()
    return prefix


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("secret.csv", "secret.csv: cannot be read (permission denied)"),
        ("locked/people.csv", "locked/people.csv: cannot be read (permission denied)"),
    ],
    ids=["file", "inside-a-closed-folder"],
)
def test_a_file_that_cannot_be_read_says_so(path, what):
    prefix = _without_root_powers()
    write("secret.csv", "phone\n+12015550110\n").chmod(0)
    Path("locked").mkdir()
    write("locked/people.csv", "phone\n+12015550110\n")
    Path("locked").chmod(0)
    try:
        result = subprocess.run(
            [*prefix, *CLI, *DRY_RUN[:2], path, *DRY_RUN[2:]],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        Path("locked").chmod(0o700)
    assert_usage_error(result, what)


def test_send_without_credentials_is_a_configuration_error():
    write("ok.csv", "phone\n+12015550110\n")
    result = run("send", "events", "ok.csv", "--event-type", "X")
    assert_usage_error(result, "No Attentive credentials found")


def _wait_until_read(pipe, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Wait until the child has read everything written to its stdin (FIONREAD on the pipe
    counts the bytes still in it), so a signal sent next finds it reading, not importing."""
    deadline = time.monotonic() + timeout
    unread = array.array("i", [1])
    while time.monotonic() < deadline and proc.poll() is None:
        fcntl.ioctl(pipe.fileno(), termios.FIONREAD, unread)
        if unread[0] == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"the command did not read its input ({unread[0]} bytes left)")


def test_ctrl_c_outside_the_engine_exits_130_without_a_traceback(sandbox):
    proc = subprocess.Popen(
        [*CLI, "send", "events", "-", "--event-type", "X"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **creds(sandbox)},
    )
    proc.stdin.write("phone\n+12015550110\n")  # stdin left open: still reading the file
    proc.stdin.flush()
    _wait_until_read(proc.stdin, proc)  # started and reading, however slow the import
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert sandbox.received("/v1/events/custom") == []


# --- oauth -----------------------------------------------------------------------------


def _authorize(link: str) -> str:
    """Click Authorize on the sandbox's consent page; the address it redirects to."""
    fields = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and "Authorize" in page.text
    answer = requests.post(
        link.split("?")[0],
        data={**fields, "decision": "authorize"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303)
    return answer.headers["Location"]


def test_oauth_url_then_finish_in_a_new_process(sandbox):
    env = {
        "ATTENTIVE_API_URL": sandbox.url,
        "ATTENTIVE_AUTH_URL": sandbox.auth_url,
        "ATTENTIVE_CLIENT_SECRET": sandbox.client_secret,
    }
    made = run(
        "oauth",
        "url",
        "--client-id",
        sandbox.client_id,
        "--redirect-uri",
        sandbox.redirect_uri,
        "--scope",
        "events:write",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()
    assert link.startswith(sandbox.auth_url) and "scope=events%3Awrite" in link
    pasted = _authorize(link)
    # No --client-id / --redirect-uri: found with the pending state on disk.
    done = run("oauth", "finish", pasted, "--remember", env=env)
    assert done.returncode == 0, done.stderr
    assert sandbox.company["companyName"] in done.stdout and "tokens.json" in done.stdout
    # A sandbox token is never remembered in .env (make lab would take it to Attentive).
    assert "Not saved in .env: this key belongs to the sandbox" in done.stdout
    assert not Path(".env").exists()
    token = TokenStore().token(sandbox.company["companyId"])
    assert_no_secret(done, sandbox.client_secret, token)
    who = run("whoami", env={"ATTENTIVE_API_URL": sandbox.url, "ATTENTIVE_ACCESS_TOKEN": token})
    assert who.returncode == 0 and "ATTENTIVE_ACCESS_TOKEN" in who.stdout
    again = run("oauth", "finish", pasted, env=env)
    assert again.returncode == 1 and "already used" in again.stderr


def test_oauth_finish_reads_the_address_from_stdin(sandbox):
    env = {
        "ATTENTIVE_API_URL": sandbox.url,
        "ATTENTIVE_AUTH_URL": sandbox.auth_url,
        "ATTENTIVE_CLIENT_SECRET": sandbox.client_secret,
        "ATTENTIVE_CLIENT_ID": sandbox.client_id,
        "ATTENTIVE_REDIRECT_URI": sandbox.redirect_uri,
    }
    link = run("oauth", "url", env=env).stdout.strip()
    done = run("oauth", "finish", env=env, stdin=_authorize(link) + "\n")
    assert done.returncode == 0, done.stderr
    assert not Path(".env").exists()


def test_oauth_denied_exits_1(sandbox):
    env = {
        "ATTENTIVE_API_URL": sandbox.url,
        "ATTENTIVE_CLIENT_SECRET": sandbox.client_secret,
        "ATTENTIVE_CLIENT_ID": sandbox.client_id,
    }
    result = run(
        "oauth",
        "finish",
        f"{sandbox.redirect_uri}?error=access_denied&state=x",
        "--redirect-uri",
        sandbox.redirect_uri,
        env=env,
    )
    assert result.returncode == 1 and "declined" in result.stderr


def test_oauth_url_without_client_id_exits_2():
    result = run("oauth", "url", env={"ATTENTIVE_CLIENT_SECRET": "s3cret-value-xyz"})
    assert_usage_error(result, "ATTENTIVE_CLIENT_ID")


# --- long-running commands -------------------------------------------------------------


def _start(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _interrupt(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out


def test_sandbox_command_prints_its_url_and_stops_on_ctrl_c():
    proc = _start("sandbox", "--port", "0")
    try:
        first = proc.stdout.readline()
        assert "http://127.0.0.1:" in first
        url = first.split("http://")[1].split()[0]
        assert requests.get(f"http://{url}/", timeout=10).status_code == 200
    finally:
        code, _ = _interrupt(proc)
    assert code == 0


def _lab_args(port: int, token: str) -> list[str]:
    # No --allow-root: the command adds it itself when running as root.
    return ["--no-browser", "--port", str(port), f"--IdentityProvider.token={token}"]


def _wait_for_lab(proc: subprocess.Popen, port: int, token: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            answer = requests.get(
                f"http://127.0.0.1:{port}/api/status", params={"token": token}, timeout=2
            )
            if answer.status_code == 200:
                return answer.json()
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError("JupyterLab did not start")


def _port_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("command", ["lab", "demo"])
def test_lab_and_demo_serve_the_notebooks_and_stop_on_ctrl_c(command):
    port, token = free_port(), "test-token-123"
    proc = _start(command, *_lab_args(port, token))
    try:
        _wait_for_lab(proc, port, token)
        listing = requests.get(
            f"http://127.0.0.1:{port}/api/contents", params={"token": token}, timeout=10
        ).json()
        names = {item["name"] for item in listing["content"]}
        assert "01_connect.ipynb" in names
    finally:
        code, out = _interrupt(proc)
    assert code == 0, out
    assert "Traceback" not in out
    if command == "demo":
        assert "SANDBOX, not to Attentive" in out
        address = f"http://127.0.0.1:{port}/lab/tree/01_connect.ipynb?token={token}"
        assert f"Open this in your browser: {address}" in out.splitlines()[2]
        assert "Skipped non-installed server" not in out and "ServerApp] Jupyter" not in out
    _wait_for(lambda: _port_closed(port), timeout=15)


def test_demo_chooses_the_port_and_token_its_banner_shows():
    proc = _start("demo", "--no-browser")
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        address = lines[2].split("Open this in your browser: ")[1].strip()
        parts = urlsplit(address)
        token = parse_qs(parts.query)["token"][0]
        _wait_for_lab(proc, parts.port, token)
        assert requests.get(address, timeout=10).status_code == 200
    finally:
        code, out = _interrupt(proc)
    assert code == 0, out


# Issue 22: the FILE is read in chunks through plan/frames.
def test_parquet_dry_run_then_real_send(sandbox):
    pd.DataFrame(
        {"phone": ["+12015550110", "+12125550111"], "tier": ["gold", "silver"]}
    ).to_parquet("tiers.parquet")
    dry = run("send", "attributes", "tiers.parquet", "--dry-run", env=creds(sandbox))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert sandbox.received("/v1/attributes/custom") == []
    real = run("send", "attributes", "tiers.parquet", env=creds(sandbox))
    assert real.returncode == 0, real.stdout + real.stderr
    bodies = sandbox.received("/v1/attributes/custom")
    assert sorted(b["properties"]["tier"] for b in bodies) == ["gold", "silver"]


def test_a_damaged_parquet_file_is_one_line_no_traceback(sandbox):
    pd.DataFrame({"phone": ["+12015550110"] * 50}).to_parquet("whole.parquet")
    Path("cut.parquet").write_bytes(Path("whole.parquet").read_bytes()[:-30])
    result = run("send", "attributes", "cut.parquet", "--dry-run", env=creds(sandbox))
    assert_usage_error(result, "cut.parquet: cannot be read as Parquet")
    assert "Traceback" not in result.stderr


def test_a_csv_over_several_chunks_gives_the_report_of_one_read(
    sandbox, monkeypatch, capsys, tmp_path
):
    from attentive_nb.cli import send
    from attentive_nb.cli.commands import main

    rows = [f"+1201555{i:04d},{i if i % 3 else ''},{i * 1.5}" for i in range(1, 12)]
    write(str(tmp_path / "p.csv"), "phone,points,score\n" + "\n".join(rows) + "\n")
    args = ["send", "attributes", str(tmp_path / "p.csv"), "--dry-run"]
    for key, value in creds(sandbox).items():
        monkeypatch.setenv(key, value)
    outputs = []
    for size in (100_000, 4):
        monkeypatch.setattr(send, "CSV_CHUNK_ROWS", size)
        assert main(args) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def _streamed_cli(sandbox, monkeypatch):
    from attentive_nb.cli import send
    from attentive_nb.send import stream

    monkeypatch.setattr(send, "CSV_CHUNK_ROWS", 4)
    monkeypatch.setattr(stream, "STREAM_ROWS", 10)
    for key, value in creds(sandbox).items():
        monkeypatch.setenv(key, value)


def test_a_large_csv_is_sent_chunk_by_chunk_never_whole(sandbox, monkeypatch, capsys, tmp_path):
    from attentive_nb.cli import send
    from attentive_nb.cli.commands import main

    _streamed_cli(sandbox, monkeypatch)
    monkeypatch.setattr(send, "_joined_csv", None)  # the file is never joined into one frame
    rows = [f"+1201555{i:04d},A{i}" for i in range(30)]
    rows[13] = "not a phone,A13"
    write(str(tmp_path / "e.csv"), "phone,sku\n" + "\n".join(rows) + "\n")
    again = tmp_path / "again.csv"
    args = ["send", "events", str(tmp_path / "e.csv"), "--event-type", "Viewed"]
    assert main([*args, "--retry-out", str(again)]) == 1  # a row to fix
    out = capsys.readouterr().out
    assert "Streamed: 30 rows read in 8 chunks" in out  # the file's own chunks of 4
    assert len(sandbox.received("/v1/events/custom")) == 29
    retry = pd.read_csv(again)
    assert list(retry.columns) == ["phone", "sku"] and retry["sku"].tolist() == ["A13"]


def test_a_small_csv_is_read_whole_as_before(sandbox, monkeypatch, capsys, tmp_path):
    from attentive_nb.cli.commands import main

    _streamed_cli(sandbox, monkeypatch)
    rows = [f"+1201555{i:04d},A{i}" for i in range(10)]
    write(str(tmp_path / "e.csv"), "phone,sku\n" + "\n".join(rows) + "\n")
    assert main(["send", "events", str(tmp_path / "e.csv"), "--event-type", "Viewed"]) == 0
    assert "Streamed" not in capsys.readouterr().out


def test_a_csv_broken_midway_sends_what_was_read_and_exits_1(
    sandbox, monkeypatch, capsys, tmp_path
):
    from attentive_nb.cli.commands import main

    _streamed_cli(sandbox, monkeypatch)
    rows = [f"+1201555{i:04d},A{i}" for i in range(30)]
    rows[21] = "+12015550021,A21,extra,cells"
    write(str(tmp_path / "e.csv"), "phone,sku\n" + "\n".join(rows) + "\n")
    assert main(["send", "events", str(tmp_path / "e.csv"), "--event-type", "Viewed"]) == 1
    out = capsys.readouterr().out
    assert "cannot be read as CSV" in out and "Traceback" not in out
    assert len(sandbox.received("/v1/events/custom")) == 20


def test_a_large_csv_of_links_is_read_chunk_by_chunk(sandbox, monkeypatch, capsys, tmp_path):
    from attentive_nb.cli import send
    from attentive_nb.cli.commands import main

    _streamed_cli(sandbox, monkeypatch)
    monkeypatch.setattr(send, "_joined_csv", None)  # the file is never joined into one frame
    rows = [f"+1201555{i:04d},u{i}" for i in range(30)]
    rows[25] = "+12015559999,u3"  # row 3's id, another phone, a later chunk: refused
    write(str(tmp_path / "l.csv"), "phone,client_user_id\n" + "\n".join(rows) + "\n")
    assert main(["link", str(tmp_path / "l.csv")]) == 1
    out = capsys.readouterr().out
    assert "Streamed: 30 rows read in 8 chunks" in out
    assert "shares an id with row 3 (an earlier chunk)" in out
    assert len(sandbox.received("/v1/identity-resolution/user-identifiers")) == 29


def test_a_large_csv_looked_up_is_read_chunk_by_chunk(sandbox, monkeypatch, capsys, tmp_path):
    from attentive_nb.cli import send
    from attentive_nb.cli.commands import main

    _streamed_cli(sandbox, monkeypatch)
    monkeypatch.setattr(send, "_joined_csv", None)
    rows = [f"+1201555{i % 12:04d}" for i in range(30)]  # 12 people, asked once each
    write(str(tmp_path / "p.csv"), "phone\n" + "\n".join(rows) + "\n")
    out_csv = tmp_path / "out.csv"
    assert main(["lookup", "subscriptions", str(tmp_path / "p.csv"), "--out", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "Streamed: 30 rows read in 8 chunks" in out
    asked = [
        e for e in sandbox.history if e["method"] == "GET" and e["path"] == "/v1/subscriptions"
    ]
    assert len(asked) == 12
    assert len(pd.read_csv(out_csv)) == 30


def test_a_large_csv_of_product_views_is_read_chunk_by_chunk(
    sandbox, monkeypatch, capsys, tmp_path
):
    from attentive_nb.cli import send
    from attentive_nb.cli.commands import main

    _streamed_cli(sandbox, monkeypatch)
    monkeypatch.setattr(send, "_joined_csv", None)
    rows = [f"+1201555{i:04d},p{i % 4},v1,9.99" for i in range(30)]
    head = "phone,product_id,product_variant_id,price\n"
    write(str(tmp_path / "v.csv"), head + "\n".join(rows) + "\n")
    assert main(["send", "ecommerce", str(tmp_path / "v.csv"), "--event", "product-view"]) == 0
    assert "Streamed: 30 rows read in 8 chunks" in capsys.readouterr().out
    assert len(sandbox.received("/v1/events/ecommerce/product-view")) == 30


def test_a_streamed_csv_sends_what_the_whole_read_sends(sandbox, monkeypatch, capsys, tmp_path):
    """Whole numbers with blanks only in later chunks, and a column whole in some chunks and
    with fractions in others: streamed, each cell is sent as the whole read sends it."""
    from attentive_nb.cli import send
    from attentive_nb.cli.commands import main
    from attentive_nb.send import stream

    for key, value in creds(sandbox).items():
        monkeypatch.setenv(key, value)
    rows = [
        f"+1201555{i:04d},A{i},{'' if i in (13, 22) else i},{i + 0.5 if i >= 24 else i},"
        f"{'' if i == 27 else 10**17 + i}"
        for i in range(30)
    ]
    write(str(tmp_path / "e.csv"), "phone,sku,points,score,ref\n" + "\n".join(rows) + "\n")
    args = ["send", "events", str(tmp_path / "e.csv"), "--event-type", "Viewed"]
    bodies = {}
    for chunk, streamed in ((4, 10**6), (4, 10), (100_000, 10**6)):  # whole, streamed, one
        monkeypatch.setattr(send, "CSV_CHUNK_ROWS", chunk)
        monkeypatch.setattr(stream, "STREAM_ROWS", streamed)
        (tmp_path / f"{chunk}-{streamed}").mkdir()
        monkeypatch.chdir(tmp_path / f"{chunk}-{streamed}")  # a ledger of its own
        assert main(args) == 0
        assert ("Streamed: 30 rows" in capsys.readouterr().out) == (streamed == 10)
        sent = sandbox.received("/v1/events/custom")
        bodies[chunk, streamed] = sorted(sent, key=lambda b: b["properties"]["sku"])
        sandbox.reset()
    assert json.dumps(bodies[4, 10]) == json.dumps(bodies[4, 10**6])  # 1 is not 1.0 here
    by_sku = {b["properties"]["sku"]: b["properties"] for b in bodies[4, 10]}
    assert json.dumps(by_sku["A1"]["points"]) == "1" and "points" not in by_sku["A13"]
    assert by_sku["A25"]["score"] == 25.5
    assert by_sku["A1"]["ref"] == 10**17 + 1  # every digit, though row 27 is blank
    # whole numbers with blanks are the same whatever the chunks: ints, as written
    read_once = {b["properties"]["sku"]: b["properties"] for b in bodies[100_000, 10**6]}
    points = [json.dumps(read_once[f"A{i}"].get("points")) for i in range(30)]
    assert points == [json.dumps(by_sku[f"A{i}"].get("points")) for i in range(30)]
    assert points[1] == "1" and read_once["A1"]["ref"] == 10**17 + 1
