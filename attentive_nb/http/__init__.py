"""Talking to Attentive over HTTP: one client, explicit retries, a rate governor per endpoint.

- ``auth``: the bearer auth objects (API key, OAuth token), secrets masked in reprs;
- ``client``: the one ``request()`` (statuses to exceptions in one table,
  retries only where the endpoint table allows, waits cut short by ``stop``)
  and the credential-free download of signed links;
- ``ratelimit``: evenly spaced sends under each endpoint's limit, led by the
  ``x-ratelimit-*`` headers;
- ``log_redaction``: query strings (signed links, phones) kept out of the logs.
"""
