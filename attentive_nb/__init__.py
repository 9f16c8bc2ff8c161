"""attentive_nb: send pandas DataFrames to Attentive from a notebook."""

from attentive_nb.__about__ import __version__

__all__ = ["__version__"]
