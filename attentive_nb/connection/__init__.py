"""``Connection``: credentials, the company they belong to, and every send and look-up."""

from attentive_nb.connection.connection import ME_FIELDS, Connection, credentials_from_env

__all__ = ["ME_FIELDS", "Connection", "credentials_from_env"]
