"""What happened to every row: the SendReport, its summary, its views, and safe CSV files.

- ``rows``: the statuses, :class:`RowOutcome` (one row's) and :class:`Outcomes` (all, as columns);
- ``send_report``: :class:`SendReport`, the table, the rows to retry, CSV;
- ``summary``: rows per status and the reasons grouped;
- ``html``: the text and notebook views (static, escaped);
- ``masking``: identifiers masked for reports that end up in saved notebooks;
- ``csv_out``: the one CSV writer, formula cells neutralised, a slice at a time;
- ``parquet_out``: ``to_parquet``, a slice at a time (pyarrow, the ``parquet`` extra);
- ``lookups``: a look-up's answers as the report's result columns;
- ``companies``: :class:`CompanyReport`, the reports of a send split by company as one.

Pure pandas: nothing here sends, and nothing here imports the stages above it.
"""

from attentive_nb.report.rows import STATUSES, Outcomes, RowOutcome
from attentive_nb.report.send_report import FollowUp, SendReport

__all__ = ["STATUSES", "FollowUp", "Outcomes", "RowOutcome", "SendReport"]
