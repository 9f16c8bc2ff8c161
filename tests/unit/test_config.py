"""Settings: lookup chain, masking, URL checks and writing .env safely."""

from __future__ import annotations

import os
import stat
import subprocess
import warnings
from pathlib import Path

import pytest

from attentive_nb import config
from attentive_nb.errors import ConfigError
from attentive_nb.redact import mask_secret

SECRET = "sk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- masking -----------------------------------------------------------------


def test_mask_shows_four_characters_each_side_of_a_long_secret():
    assert mask_secret(SECRET) == "sk_l…6789"


@pytest.mark.parametrize("length", range(1, 60))
def test_mask_never_shows_more_than_eight_characters_nor_half_the_secret(length):
    secret = "".join(chr(ord("a") + i % 26) for i in range(length))
    shown = mask_secret(secret).replace("…", "")
    assert len(shown) <= 8
    assert len(shown) <= length // 2
    assert secret not in mask_secret(secret) or length == 0


@pytest.mark.parametrize("short", ["a", "ab", "abc"])
def test_mask_of_a_very_short_secret_shows_nothing_of_it(short):
    assert mask_secret(short) == "…"


@pytest.mark.parametrize("empty", [None, ""])
def test_mask_of_nothing_says_so(empty):
    assert mask_secret(empty) == "(empty)"


# --- lookup chain: argument > environment > .env -------------------------------


def test_lookup_finds_nothing_when_nothing_is_set():
    assert config.lookup("ATTENTIVE_API_KEY") is None


def test_argument_beats_environment_and_dotenv(clean_environment, monkeypatch):
    (clean_environment / ".env").write_text("ATTENTIVE_API_KEY=from-dotenv\n")
    monkeypatch.setenv("ATTENTIVE_API_KEY", "from-env")
    found = config.lookup("ATTENTIVE_API_KEY", "from-arg")
    assert (found.value, found.source) == ("from-arg", "argument")


def test_environment_beats_dotenv(clean_environment, monkeypatch):
    (clean_environment / ".env").write_text("ATTENTIVE_API_KEY=from-dotenv\n")
    monkeypatch.setenv("ATTENTIVE_API_KEY", "from-env")
    found = config.lookup("ATTENTIVE_API_KEY")
    assert (found.value, found.source) == ("from-env", "environment")


def test_empty_environment_variable_falls_through_to_dotenv(clean_environment, monkeypatch):
    (clean_environment / ".env").write_text("ATTENTIVE_API_KEY=from-dotenv\n")
    monkeypatch.setenv("ATTENTIVE_API_KEY", "")
    assert config.lookup("ATTENTIVE_API_KEY").value == "from-dotenv"


def test_dotenv_in_the_working_directory_is_used(clean_environment):
    env = clean_environment / ".env"
    env.write_text("# my settings\nATTENTIVE_API_KEY=from-dotenv\n")
    found = config.lookup("ATTENTIVE_API_KEY")
    assert found.value == "from-dotenv"
    assert Path(found.source) == env


def test_dotenv_is_found_in_a_parent_folder(clean_environment, monkeypatch):
    parent_env = clean_environment.parent / ".env"
    parent_env.write_text("ATTENTIVE_API_KEY=from-parent\n")
    deeper = clean_environment / "notebooks" / "q3"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    found = config.lookup("ATTENTIVE_API_KEY")
    assert found.value == "from-parent"
    assert Path(found.source) == parent_env


def test_nearest_dotenv_wins_over_a_parent_one(clean_environment):
    (clean_environment.parent / ".env").write_text("ATTENTIVE_API_KEY=from-parent\n")
    (clean_environment / ".env").write_text("ATTENTIVE_API_KEY=from-here\n")
    assert config.lookup("ATTENTIVE_API_KEY").value == "from-here"


def test_found_repr_masks_secrets_but_not_plain_settings():
    key = config.Found("ATTENTIVE_API_KEY", SECRET, "environment")
    client_id = config.Found("ATTENTIVE_CLIENT_ID", "my-client-id-1234", "argument")
    assert SECRET not in repr(key) and SECRET not in str(key)
    assert "sk_l…6789" in repr(key)
    assert "my-client-id-1234" in repr(client_id)


# --- describe_credentials ------------------------------------------------------


def test_describe_credentials_tells_where_each_value_comes_from(clean_environment, monkeypatch):
    (clean_environment / ".env").write_text(
        f"ATTENTIVE_CLIENT_SECRET={SECRET}\nATTENTIVE_CLIENT_ID=client-123\n"
    )
    monkeypatch.setenv("ATTENTIVE_API_KEY", SECRET)
    rows = {row["variable"]: row for row in config.describe_credentials()}
    assert set(rows) == set(config.VARIABLES)
    assert rows["ATTENTIVE_API_KEY"]["source"] == "environment"
    assert rows["ATTENTIVE_API_KEY"]["value"] == mask_secret(SECRET)
    assert Path(rows["ATTENTIVE_CLIENT_SECRET"]["source"]) == clean_environment / ".env"
    assert rows["ATTENTIVE_CLIENT_SECRET"]["value"] == mask_secret(SECRET)
    assert rows["ATTENTIVE_CLIENT_ID"]["value"] == "client-123"
    assert rows["ATTENTIVE_ACCESS_TOKEN"] == {
        "variable": "ATTENTIVE_ACCESS_TOKEN",
        "source": "not set",
        "value": "",
    }
    assert SECRET not in repr(rows)


def test_describe_credentials_shows_as_a_small_table(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_KEY", SECRET)
    settings = config.describe_credentials()
    lines = repr(settings).splitlines()
    assert lines[0].split() == ["variable", "value", "from"]
    assert lines[1].split() == ["ATTENTIVE_API_KEY", mask_secret(SECRET), "environment"]
    assert lines[2].split() == ["ATTENTIVE_ACCESS_TOKEN", "-", "not", "set"]
    page = settings._repr_html_()
    assert page.count("<tr>") == 1 + len(config.VARIABLES) and SECRET not in page
    assert "<td>ATTENTIVE_API_KEY</td>" in page


# --- require_secret ------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "\n\t", "''", '" "'])
def test_empty_or_blank_secret_is_a_config_error(value):
    with pytest.raises(ConfigError, match="API key is empty"):
        config.require_secret("ATTENTIVE_API_KEY", value)


@pytest.mark.parametrize("value", [f"  {SECRET}\n", f"'{SECRET}'", f'"{SECRET}"'])
def test_surrounding_blanks_and_quotes_are_removed(value):
    assert config.require_secret("ATTENTIVE_API_KEY", value) == SECRET


@pytest.mark.parametrize("value", ["abcd efgh", "abcd\nefgh", "sk_l…6789", "ключ12345"])
def test_secret_with_inner_spaces_or_odd_characters_is_refused_without_echoing_it(value):
    with pytest.raises(ConfigError) as info:
        config.require_secret("ATTENTIVE_CLIENT_SECRET", value)
    assert "client secret" in str(info.value)
    assert value not in str(info.value)


def test_config_error_is_also_a_value_error():
    assert issubclass(ConfigError, ValueError)


# --- URLs ------------------------------------------------------------------------


def test_api_url_defaults_to_attentive():
    assert config.api_url() == "https://api.attentivemobile.com"


def test_api_url_from_environment_without_trailing_slash(monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_URL", "http://127.0.0.1:8765/")
    assert config.api_url() == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000", "http://127.3.2.1"],
)
def test_plain_http_is_allowed_to_this_machine(url):
    assert config.api_url(url) == url


@pytest.mark.parametrize(
    "url, words",
    [
        ("api.attentivemobile.com", "https:// part or the host is missing"),
        ("https//api.attentivemobile.com", "https:// part or the host is missing"),
        ("localhost:8765", "https:// part or the host is missing"),
        ("https://", "https:// part or the host is missing"),
        ("https://api.attentivemobile.com/v1", "remove '/v1'"),
        ("https://api.attentivemobile.com/vi/", "remove '/vi'"),
        ("https://api.attentivemobile.com?x=1", "remove '?x=1'"),
        ("http://api.attentivemobile.com", "plain http://"),
        ("http://10.0.0.5:8080", "plain http://"),
    ],
)
def test_bad_api_url_is_a_config_error_naming_the_variable(url, words, monkeypatch):
    monkeypatch.setenv("ATTENTIVE_API_URL", url)
    with pytest.raises(ConfigError, match="ATTENTIVE_API_URL") as info:
        config.api_url()
    assert words in str(info.value)


@pytest.mark.parametrize(
    "url, words",
    [
        # urlsplit sees 127.0.0.1, requests connects to 192.0.2.2: the key would go in clear.
        ("http://192.0.2.2:8080\\@127.0.0.1:9", "backslash"),
        ("http://192.0.2.2:8080@127.0.0.1:9", "user name or password"),
        ("https://user:pw@api.attentivemobile.com", "user name or password"),
        ("http://localhost@192.0.2.2", "user name or password"),
        ("http://127.0.0.1:8765#@192.0.2.2", "user name or password"),
        ("https://[::1", "[ ]"),
        ("https://::1]", "[ ]"),
        ("http://[::1]zz:80", "cannot be read"),
        ("https://api.attentive mobile.com", "a space"),
        ("https://api.attentivemobile.com:99999", "port"),
        ("https://api.attentivemobile.com:0", "port"),
        ("https://api.attentivemobile.com:https", "port"),
        ("https://api.attentive\nmobile.com", "a line break"),
        ("https://api.attentivemobile.com\r\nX-Injected: 1", "a line break"),
        ("https://api.attentivemobile.com\x00", "a control character"),
        ("https://\uff41pi.attentivemobile.com", "not plain ASCII"),
        ("https://api.attentivemobile.com\u200b", "not plain ASCII"),
        ("https://exa_mple.com", "not a host name"),
        ("https://-api.attentivemobile.com", "not a host name"),
        ("http://[fe80::1%25eth0]:80", "not a host name"),
    ],
)
def test_url_that_the_http_library_could_read_differently_is_refused(url, words):
    for check in (config.api_url, config.auth_url):
        with pytest.raises(ConfigError) as info:
            check(url)
        message = str(info.value)
        assert words in message, message
        assert message.isprintable(), message  # never the raw line break or NUL
        assert "pw@" not in message and ":pw" not in message


def test_credentials_in_the_url_are_never_repeated(monkeypatch):
    monkeypatch.setenv(
        "ATTENTIVE_API_URL", "https://analyst:hunter2-secret@api.attentivemobile.com"
    )
    with pytest.raises(ConfigError, match="ATTENTIVE_API_URL") as info:
        config.api_url()
    assert "hunter2" not in str(info.value) and "analyst" not in str(info.value)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://API.attentivemobile.com", "https://api.attentivemobile.com"),
        ("https://api.attentivemobile.com:443/", "https://api.attentivemobile.com:443"),
        ("http://[::1]:9000/", "http://[::1]:9000"),
    ],
)
def test_api_url_is_rebuilt_from_what_was_checked(url, expected):
    assert config.api_url(url) == expected


def test_redirect_uri_goes_through_the_same_check():
    with pytest.raises(ConfigError, match="ATTENTIVE_REDIRECT_URI"):
        config.redirect_uri("http://localhost:3000\\@192.0.2.2/callback")
    assert config.redirect_uri("http://localhost:3000/callback") == "http://localhost:3000/callback"
    assert config.redirect_uri("https://app.example.com/cb?x=1") == "https://app.example.com/cb?x=1"


def test_auth_url_default_and_path_allowed():
    assert config.auth_url() == config.DEFAULT_AUTH_URL
    assert config.auth_url("https://ui.example.com/oauth/install") == (
        "https://ui.example.com/oauth/install"
    )


@pytest.mark.parametrize("url", ["ui.attentivemobile.com/integrations", "http://ui.example.com/x"])
def test_bad_auth_url_names_its_variable(url):
    with pytest.raises(ConfigError, match="ATTENTIVE_AUTH_URL"):
        config.auth_url(url)


# --- private files ---------------------------------------------------------------


def test_state_dir_is_attentive_nb_home(tmp_path):
    assert config.state_dir() == tmp_path / "home"


def test_write_private_is_owner_only(tmp_path):
    path = tmp_path / "sub" / "secret.json"
    config.write_private(path, "{}")
    assert path.read_text() == "{}"
    assert mode(path) == 0o600


# --- write_env_var -------------------------------------------------------------


def test_write_env_var_creates_dotenv_in_cwd_with_mode_0600(clean_environment):
    path = config.write_env_var("ATTENTIVE_API_KEY", SECRET)
    assert path == clean_environment / ".env"
    assert mode(path) == 0o600
    assert config.lookup("ATTENTIVE_API_KEY").value == SECRET


def test_write_env_var_updates_only_that_variable_and_keeps_the_rest(clean_environment):
    env = clean_environment / ".env"
    env.write_text("# team settings\nOTHER=keep me\nATTENTIVE_API_KEY=old-key-value\n\nLAST=1")
    os.chmod(env, 0o644)
    config.write_env_var("ATTENTIVE_API_KEY", SECRET)
    lines = env.read_text().splitlines()
    assert lines == [
        "# team settings",
        "OTHER=keep me",
        f"ATTENTIVE_API_KEY={SECRET}",
        "",
        "LAST=1",
    ]
    assert mode(env) == 0o600


def test_write_env_var_appends_a_new_variable(clean_environment):
    env = clean_environment / ".env"
    env.write_text("OTHER=1\n")
    config.write_env_var("ATTENTIVE_ACCESS_TOKEN", "tok-123456")
    assert env.read_text() == "OTHER=1\nATTENTIVE_ACCESS_TOKEN=tok-123456\n"


def test_write_env_var_updates_the_dotenv_found_in_a_parent(clean_environment):
    parent_env = clean_environment.parent / ".env"
    parent_env.write_text("OTHER=1\n")
    assert config.write_env_var("ATTENTIVE_API_KEY", SECRET) == parent_env
    assert not (clean_environment / ".env").exists()


def test_write_env_var_to_an_explicit_path(tmp_path):
    target = tmp_path / "elsewhere" / ".env"
    target.parent.mkdir()
    assert config.write_env_var("ATTENTIVE_API_KEY", SECRET, target) == target
    assert mode(target) == 0o600


def git_init(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


def test_write_env_var_warns_inside_git_when_not_ignored(clean_environment):
    git_init(clean_environment)
    with pytest.warns(UserWarning, match=r"\.gitignore") as caught:
        config.write_env_var("ATTENTIVE_API_KEY", SECRET)
    assert SECRET not in str(caught[0].message)


def test_write_env_var_is_quiet_when_git_ignores_dotenv(clean_environment):
    git_init(clean_environment)
    (clean_environment / ".gitignore").write_text(".env\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config.write_env_var("ATTENTIVE_API_KEY", SECRET)


def test_write_env_var_is_quiet_outside_git(clean_environment):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config.write_env_var("ATTENTIVE_API_KEY", SECRET)


def test_an_empty_home_is_not_taken_as_the_root_folder(monkeypatch, tmp_path):
    import pwd

    monkeypatch.delenv("ATTENTIVE_NB_HOME")
    monkeypatch.setenv("HOME", "")
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: type("P", (), {"pw_dir": str(tmp_path)}))
    assert config.state_dir() == tmp_path / ".attentive_nb"


def test_a_home_the_system_does_not_know_is_a_clear_config_error(monkeypatch):
    import pwd

    monkeypatch.delenv("ATTENTIVE_NB_HOME")
    monkeypatch.delenv("HOME", raising=False)

    def unknown(uid):
        raise KeyError(uid)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(pwd, "getpwuid", unknown)
    monkeypatch.setattr(config.Path, "home", staticmethod(no_home))
    with pytest.raises(config.StateDirError, match=r"~/.attentive_nb, cannot be made \(Could not"):
        config.state_dir()
