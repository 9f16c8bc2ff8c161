"""The text and code of the walkthrough notebooks, one module a notebook (make_notebooks.py)."""
