"""What every part of a Connection relies on, declared once.

The send, read, segment, privacy and offer methods live in their own modules
(one job each) and are joined in :class:`~attentive_nb.connection.connection.Connection`.
They share these few members, which the Connection provides; declaring them
here keeps each part type-checked without repeating the declarations.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from attentive_nb.http.client import Client
from attentive_nb.plan import Plan
from attentive_nb.report import SendReport
from attentive_nb.send.engine import RunOptions


class ConnectionPart:
    """The members a part of a Connection uses and the Connection defines."""

    def _run(self, df: pd.DataFrame, plan: Plan, options: RunOptions) -> SendReport:
        raise NotImplementedError  # the Connection's

    def _run_streamed(
        self, data: object, planner: Callable[[pd.DataFrame], Plan], options: RunOptions
    ) -> SendReport:
        raise NotImplementedError  # the Connection's

    @property
    def client(self) -> Client:
        raise NotImplementedError  # the Connection's

    @property
    def signed_in(self) -> bool:
        raise NotImplementedError  # the Connection's

    def company_id(self) -> str:
        raise NotImplementedError  # the Connection's
