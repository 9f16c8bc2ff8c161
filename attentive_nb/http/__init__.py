"""Talking to Attentive over HTTP: one client, explicit retries, a rate governor per endpoint.

- ``auth``: the bearer auth objects (API key, OAuth token), secrets masked in reprs;
- ``client``: the one ``request()`` (retries only where the endpoint table
  allows, waits cut short by ``stop``) and the credential-free download of
  signed links;
- ``statuses``: statuses to exceptions in one table, every server field scrubbed;
- ``reading``: answers read whole within a total deadline and a size cap,
  redirects never followed;
- ``ratelimit``: evenly spaced sends under each endpoint's limit, led by the
  ``x-ratelimit-*`` headers;
- ``log_redaction``: query strings (signed links, phones) kept out of the logs.
"""
