"""Finding the login URL in what Jupyter servers print, and rewriting it for the host."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import strategies
from wiw.lab.tokens import ServerURL, find_server_url, rewrite_url

DATA = Path(__file__).parent / "data"


def test_jupyter_server_2_log_gives_loopback_lab_url() -> None:
    """Jupyter Server 2 output yields its /lab URL on 127.0.0.1 with the token."""
    url = find_server_url((DATA / "jupyter_server_2.log").read_text())
    assert url is not None
    assert url.host == "127.0.0.1"
    assert url.port == 8888
    assert url.path == "/lab"
    assert url.token == "a5bdcf55ec929b7f4c5de1ba57ae998be396bdc2494d57cf"


def test_notebook_5_host_or_loopback_form_is_understood() -> None:
    """The seed's notebook 5 prints http://(HOST or 127.0.0.1):8888/?token=...; loopback wins."""
    url = find_server_url((DATA / "notebook_5.log").read_text())
    assert url is not None
    assert url.host == "127.0.0.1"
    assert str(url) == (
        "http://127.0.0.1:8888/?token=8f3c3a9a2b1e4d0c9f7e6b5a4c3d2e1f0a9b8c7d6e5f4a3b"
    )


def test_line_without_token_gives_nothing() -> None:
    """A URL without a token is not a login URL."""
    assert find_server_url("[I ServerApp] http://127.0.0.1:8888/lab") is None


def test_rewrite_keeps_path_and_query() -> None:
    """Rewriting moves host and port and keeps the rest."""
    url = find_server_url("http://abc123:8888/lab?token=ff00ff00")
    assert url is not None
    assert rewrite_url(url, host="127.0.0.1", port=49153) == (
        "http://127.0.0.1:49153/lab?token=ff00ff00"
    )


def test_rewrite_brackets_ipv6_hosts() -> None:
    """An IPv6 host address is bracketed in the rewritten URL."""
    assert rewrite_url("http://x:8888/lab?token=ab", host="::1", port=9) == (
        "http://[::1]:9/lab?token=ab"
    )


@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    """Whatever a container prints, looking for a URL never raises."""
    find_server_url(text)


@given(strategies.urls, st.text(alphabet=" \t[]ICW:.0123456789"))
def test_round_trips_what_servers_print(printed: str, prefix: str) -> None:
    """A URL printed after a log prefix is found exactly as printed."""
    url = find_server_url(f"{prefix} {printed}\n")
    assert url is not None
    assert str(url) == printed


@given(strategies.urls, strategies.ports)
def test_rewrite_points_at_published_port(printed: str, port: int) -> None:
    """Rewriting yields the published host and port and the same token."""
    found = find_server_url(printed)
    assert found is not None
    rewritten = urlsplit(rewrite_url(found, host="127.0.0.1", port=port))
    assert rewritten.hostname == "127.0.0.1"
    assert rewritten.port == port
    assert f"token={found.token}" in rewritten.query


@pytest.mark.parametrize("wrapper", ["'{}'.", '"{}"', "({})", "<{}>", "{},"])
def test_punctuation_around_a_url_is_not_part_of_the_token(wrapper: str) -> None:
    """Quotes, brackets and full stops around a printed URL stay out of the token."""
    url = find_server_url(wrapper.format("http://127.0.0.1:8888/lab?token=abc123"))
    assert url is not None
    assert url.token == "abc123"


def test_a_url_without_port_or_path_is_found_and_printed_without_them() -> None:
    """'https://hub.example.org?token=abc' has no port and the root path."""
    url = find_server_url("Open https://hub.example.org?token=abc123 to log in")
    assert url is not None
    assert (url.host, url.port, url.path, url.token) == ("hub.example.org", None, "/", "abc123")
    assert str(url) == "https://hub.example.org/?token=abc123"


def test_a_url_with_an_empty_path_prints_with_the_root_path() -> None:
    """A ServerURL made with no path still prints a valid URL, at '/'."""
    url = ServerURL("http", "127.0.0.1", 8888, "", "token=abc", "abc")
    assert str(url) == "http://127.0.0.1:8888/?token=abc"


@pytest.mark.parametrize("bad_port", [65536, 70000, 99999])
def test_a_url_with_an_impossible_port_is_skipped_for_the_next_one(bad_port: int) -> None:
    """Ports above 65535 are not ports: that URL is passed over and the next one used."""
    text = f"http://127.0.0.1:{bad_port}/lab?token=wrong\nhttp://abc123:8888/lab?token=right\n"
    url = find_server_url(text)
    assert url is not None
    assert (url.port, url.token) == (8888, "right")


def test_the_highest_port_is_a_port() -> None:
    """Port 65535 is accepted."""
    url = find_server_url("http://127.0.0.1:65535/lab?token=abc")
    assert url is not None
    assert url.port == 65535


@pytest.mark.parametrize(
    ("printed", "host"),
    [
        ("http://(abc123 or 127.0.0.1):8888/?token=ff", "127.0.0.1"),
        ("http://(abc123 or 192.168.1.5):8888/?token=ff", "abc123"),
        ("http://(abc123 or localhost):8888/?token=ff", "localhost"),
    ],
)
def test_notebook_5_names_the_loopback_alternative_else_the_first(printed: str, host: str) -> None:
    """Of '(HOST or OTHER)', the loopback one is taken; with none, the first named."""
    url = find_server_url(printed)
    assert url is not None
    assert url.host == host


@given(strategies.urls, strategies.ports)
def test_rewriting_for_a_bracketed_ipv6_host_keeps_one_pair_of_brackets(
    printed: str, port: int
) -> None:
    """Host '[::1]' and host '::1' give the same rewritten URL, with brackets once."""
    found = find_server_url(printed)
    assert found is not None
    bracketed = rewrite_url(found, host="[::1]", port=port)
    assert bracketed == rewrite_url(found, host="::1", port=port)
    assert f"//[::1]:{port}/" in bracketed
