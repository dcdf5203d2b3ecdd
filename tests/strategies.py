"""Hypothesis strategies shared by the unit tests."""

from __future__ import annotations

from hypothesis import strategies as st

tokens = st.text(alphabet="0123456789abcdef", min_size=8, max_size=64)
ports = st.integers(min_value=1, max_value=65535)
hostnames = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,30}[a-z0-9]\Z")
ANY_ADDRESS = "0.0.0.0"
hosts = st.one_of(hostnames, st.sampled_from(["127.0.0.1", ANY_ADDRESS, "localhost"]))
paths = st.sampled_from(["/", "/lab", "/tree", "/lab/tree/lesson01.ipynb", "/user/x/lab"])

components = st.from_regex(r"\A[a-z0-9]+(?:[._-][a-z0-9]+){0,2}\Z")
image_tags = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}\Z")


@st.composite
def image_refs(draw: st.DrawFn) -> str:
    """Valid image references: optional registry, one or more path parts, optional tag."""
    parts = draw(st.lists(components, min_size=1, max_size=3))
    ref = "/".join(parts)
    if draw(st.booleans()):
        ref = f"{draw(st.sampled_from(['localhost:5000', 'registry.example.org']))}/{ref}"
    if draw(st.booleans()):
        ref += ":" + draw(image_tags)
    return ref


urls = st.builds(
    lambda scheme, host, port, path, token: f"{scheme}://{host}:{port}{path}?token={token}",
    st.sampled_from(["http", "https"]),
    hosts,
    ports,
    paths,
    tokens,
)
