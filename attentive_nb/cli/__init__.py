"""The ``attentive-nb`` command: thin shells over the functions the notebooks call.

- ``main``: the entry point and its subcommands (whoami, send, jobs, oauth, sandbox, lab, demo);
- ``send`` and ``send_parser``: reading CSV or Parquet, the options, the printed report;
- ``jobs``: the bulk jobs sent from here, followed up;
- ``auth``: ``whoami`` and the OAuth sign-in from a terminal;
- ``lab``: JupyterLab on the walkthroughs, and the demo against a sandbox;
- ``terminal``: everything printed is stripped of control characters first.
"""

from attentive_nb.cli.commands import main

__all__ = ["main"]
