"""Signing in: an API key, or OAuth's authorization code pasted back into the notebook.

- ``oauth``: the consent link with a fresh state, the pasted address read and
  checked, the code exchanged (form encoded) and the company asked;
- ``tokens``: tokens kept per company and pending sign-ins, files 0600;
- ``core``: the sign-in logic the panel and the prompt share, errors in words;
- ``panel``: the ipywidgets sign-in panel (the only module importing ipywidgets);
- ``prompt``: the same sign-in on a terminal;
- ``companies``: the companies this machine can act for, and one's connection.
"""
