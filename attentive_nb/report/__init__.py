"""What happened to every row: the SendReport, its summary, its views, and safe CSV files.

- ``send_report``: :class:`RowOutcome` (one row's outcome) and :class:`SendReport`;
- ``summary``: rows per status and the reasons grouped;
- ``html``: the text and notebook views (static, escaped);
- ``masking``: identifiers masked for reports that end up in saved notebooks;
- ``csv_out``: the one CSV writer, formula cells neutralised.

Pure pandas: nothing here sends, and nothing here imports the stages above it.
"""

from attentive_nb.report.send_report import STATUSES, FollowUp, RowOutcome, SendReport

__all__ = ["STATUSES", "FollowUp", "RowOutcome", "SendReport"]
