"""Login URLs without a port or path, impossible ports, and the notebook 5 host choice."""

from __future__ import annotations

import pytest
from hypothesis import given

from tests import strategies
from wiw.lab.tokens import ServerURL, find_server_url, rewrite_url


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
