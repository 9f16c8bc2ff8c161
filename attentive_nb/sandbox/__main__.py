"""``python -m attentive_nb.sandbox``: same as ``attentive-nb sandbox``."""

from attentive_nb.sandbox.run import main

raise SystemExit(main())
