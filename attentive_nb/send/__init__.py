"""Carrying out a plan: the ledger, the engine's worker threads, and what each answer means.

- ``runner``: the front: confirmation, the ledger run, the report;
- ``engine``: requests to worker threads, one outcome per row back, interrupts;
- ``ledger`` (with ``ledger_file`` and ``processes``): what may have reached
  Attentive, on disk before it leaves; ``ledger_jobs``: the v2 bulk jobs in it,
  each with the people it carries and what became of them;
- ``resend``: the one rule for a request the ledger already knows;
- ``outcomes``: an answer (or an exception) in words, for every row it carried;
- ``bulk``: a bulk job's results file, read leniently, matched to people by identifier;
- ``follow_up``: asking Attentive about bulk jobs, reading their results, settling the ledger;
- ``jobs``: a send's jobs followed up for its report (``report.refresh()``), and
  every job as a table (``conn.bulk_jobs()``);
- ``progress``: the progress bar.
"""
