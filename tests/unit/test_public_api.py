"""The public surface is explicit and flat (like httpx's tests/test_exported_members.py)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from types import ModuleType

import attentive_nb
from attentive_nb import errors

# Names the package module holds that are not part of its API.
NOT_EXPORTED = {"annotations", "Any", "TYPE_CHECKING"}


def test_all_names_what_the_package_exposes_and_nothing_else():
    exposed = {
        name
        for name in dir(attentive_nb)  # the names loaded when first asked for, too
        if not name.startswith("_")
        and not isinstance(getattr(attentive_nb, name), ModuleType)
        and name not in NOT_EXPORTED
    } | {"__version__"}
    assert sorted(attentive_nb.__all__) == sorted(exposed)
    assert attentive_nb.__all__ == sorted(attentive_nb.__all__)


def test_the_command_line_starts_without_pandas():
    # A Ctrl-C while pandas loads is then inside the command's own handler.
    code = "import sys, attentive_nb.cli; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_a_name_the_package_does_not_have_is_an_attribute_error():
    try:
        attentive_nb.Conection  # noqa: B018
    except AttributeError as exc:
        assert "no attribute 'Conection'" in str(exc)
    else:
        raise AssertionError("a misspelt name was found")


def test_every_exported_name_exists_and_has_a_docstring():
    for name in attentive_nb.__all__:
        value = getattr(attentive_nb, name)
        if name != "__version__":
            assert inspect.getdoc(value), name


def test_every_error_class_is_exported_and_under_the_root():
    classes = [
        v
        for v in vars(errors).values()
        if inspect.isclass(v) and issubclass(v, Exception) and v.__module__ == errors.__name__
    ]
    for cls in classes:
        assert issubclass(cls, attentive_nb.AttentiveError)
        assert cls.__name__ in attentive_nb.__all__


def test_error_tree_is_drawn_in_the_errors_docstring():
    for name in (
        "AttentiveError",
        "ConfigError",
        "NotSignedIn",
        "OAuthError",
        "TransportError",
        "ApiError",
        "AuthError",
        "ScopeError",
        "RateLimited",
        "ServerError",
    ):
        assert name in errors.__doc__


def test_version_is_a_string():
    assert isinstance(attentive_nb.__version__, str) and attentive_nb.__version__.count(".") >= 1


def test_importing_the_library_does_not_load_ipywidgets():
    code = "import sys, attentive_nb; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
