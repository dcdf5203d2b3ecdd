"""The package's shape: no import cycles, one engine boundary, typed README examples."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import mypy.api

SRC = Path(__file__).parents[2] / "src" / "wiw"
README = Path(__file__).parents[2] / "README.md"


def module_name(path: Path) -> str:
    """``src/wiw/hub.py`` -> ``wiw.hub``."""
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every wiw module ``path`` imports, anywhere in it.

    TYPE_CHECKING blocks and functions count: a cycle hidden in a function is
    still a cycle.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("wiw"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wiw"):
            found.add(node.module)
            # "from wiw import errors" imports the module wiw.errors
            found.update(
                f"{node.module}.{a.name}"
                for a in node.names
                if (SRC / f"{a.name}.py").exists() and node.module == "wiw"
            )
    return found


def graph() -> dict[str, set[str]]:
    """Module -> the wiw modules it imports (the package itself excluded)."""
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    return {
        name: {m for m in imports_of(path) if m in modules and m != "wiw"}
        for name, path in modules.items()
        if name != "wiw"
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle in the graph, as a path of modules, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_cycles() -> None:
    """The check itself can fail: a made-up cycle is found, a chain is not."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_src_wiw_has_no_import_cycle() -> None:
    """No module of wiw imports, directly or not, a module that imports it."""
    edges = graph()
    assert "wiw.workshop" in edges
    assert "wiw.classroom" in edges
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_the_workshop_is_plain_data() -> None:
    """wiw.workshop depends on nothing that talks to an engine."""
    reachable: set[str] = set()
    todo = ["wiw.workshop"]
    edges = graph()
    while todo:
        for nxt in edges[todo.pop()] - reachable:
            reachable.add(nxt)
            todo.append(nxt)
    assert not reachable & {"wiw._docker", "wiw.image", "wiw.lessons", "wiw.hub"}


def test_only_the_engine_boundary_imports_python_on_whales() -> None:
    """python-on-whales is imported in wiw._docker and nowhere else."""
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if re.search(r"^\s*(import|from) python_on_whales", text, re.MULTILINE):
            assert path.name == "_docker.py", path


def test_every_module_says_what_it_offers() -> None:
    """Each module has an ``__all__`` (the names its siblings may import)."""
    for path in SRC.rglob("*.py"):
        if path.name in ("__main__.py", "_version.py"):
            continue
        tree = ast.parse(path.read_text())
        names = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for t in ([node.target] if isinstance(node, ast.AnnAssign) else node.targets)
            if isinstance(t, ast.Name)
        }
        assert "__all__" in names, path


def readme_blocks() -> list[str]:
    """The Python code blocks of README.md."""
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)


def test_the_readme_examples_type_check(tmp_path: Path) -> None:
    """Mypy --strict accepts the README's Python examples, read in order as one script."""
    blocks = readme_blocks()
    assert len(blocks) >= 2
    script = tmp_path / "readme.py"
    script.write_text("\n".join(blocks))
    out, errors, status = mypy.api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".cache"), str(script)]
    )
    assert status == 0, out + errors
