"""Sending for many companies in one call: ``att.send_by_company``.

- ``split``: which input rows belong to which company (pure pandas);
- ``parts``: one company's part, a picklable :class:`~.parts.Part` that builds
  its own connection wherever it runs and sends through the ordinary
  ``conn.send_*`` / ``sync_segment``; and :func:`~.parts.send_by_company`,
  which refuses what cannot be sent before anything is, runs the parts on an
  executor and combines their reports (:class:`~attentive_nb.report.companies.CompanyReport`).
"""

from attentive_nb.fleet.parts import KINDS, Part, send_by_company

__all__ = ["KINDS", "Part", "send_by_company"]
