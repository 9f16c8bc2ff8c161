"""``python -m attentive_nb.cli``: same as ``attentive-nb``."""

from attentive_nb.cli import main

raise SystemExit(main())
