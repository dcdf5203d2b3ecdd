"""A helper module the lessons import: no Jupytext header, so not a lesson."""


def greet(name: str) -> str:
    """A greeting."""
    return f"Hello, {name}!"
