"""Carrying out a plan: the ledger, the engine's worker threads, and what each answer means.

- ``runner``: the front: confirmation, the ledger run, the report;
- ``engine``: requests to worker threads, one outcome per row back, interrupts;
- ``ledger`` (with ``ledger_file`` and ``processes``): what may have reached
  Attentive, on disk before it leaves;
- ``resend``: the one rule for a request the ledger already knows;
- ``outcomes``: an answer (or an exception) in words, for every row it carried;
- ``bulk``: v2 bulk jobs, waited for and folded back to rows;
- ``progress``: the progress bar.
"""
