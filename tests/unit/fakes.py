"""Stand-ins shared by the unit tests: a clock that moves only when slept, a /v1/me body,
and the names of the Connection methods that take a DataFrame."""

from __future__ import annotations

# The example answer of GET /v1/me in Attentive's OpenAPI document (GetMeResponseDto).
ME = {
    "companyName": "Hudson & Ivy",
    "companyId": "MDc6Q29tcGFueTI",
    "applicationName": "Pillow Api",
    "attentiveDomainName": "hudsonivy.attn.tv",
    "contactEmail": "name@company.com",
}


def dataframe_calls() -> list[str]:
    """Every public Connection method taking ``df``: the sends, the link and the look-ups."""
    import inspect

    from attentive_nb import Connection

    methods = (getattr(Connection, name) for name in dir(Connection) if not name.startswith("_"))
    return sorted(
        m.__name__ for m in methods if callable(m) and "df" in inspect.signature(m).parameters
    )


class FakeTime:
    """A clock that only moves when the code under test sleeps; the sleeps are kept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
