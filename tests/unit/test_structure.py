"""The package's shape: subsystems in layers, no import cycles, one engine boundary.

And the code that runs inside the image (``jupyterhub/``), by where it runs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path, PurePosixPath

import mypy.api

from tests.support.hubside import SUPPORT_MODULES
from wiw.build.context import SUPPORT_FILES

SRC = Path(__file__).parents[2] / "src" / "wiw"
README = Path(__file__).parents[2] / "README.md"


def module_name(path: Path) -> str:
    """``src/wiw/lab/lab.py`` -> ``wiw.lab.lab``."""
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
            # "from wiw.engine import labels" imports the module wiw.engine.labels
            folder = SRC.parent.joinpath(*node.module.split("."))
            modules = {
                f"{node.module}.{a.name}"
                for a in node.names
                if (folder / f"{a.name}.py").exists() or (folder / a.name).is_dir()
            }
            found.update(modules)
            if len(modules) < len(node.names):  # names defined by the module itself
                found.add(node.module)
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
    assert "wiw.build.workshop" in edges
    assert "wiw.classroom" in edges
    assert "wiw.engine.labels" in edges["wiw.classroom.lifecycle"]
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_the_workshop_is_plain_data() -> None:
    """wiw.workshop depends on nothing that talks to an engine."""
    reachable: set[str] = set()
    todo = ["wiw.build.workshop"]
    edges = graph()
    while todo:
        for nxt in edges[todo.pop()] - reachable:
            reachable.add(nxt)
            todo.append(nxt)
    assert not reachable & {"wiw.engine.docker", "wiw.build.image", "wiw.lessons", "wiw.lab"}


def test_only_the_engine_boundary_imports_python_on_whales() -> None:
    """python-on-whales is imported in wiw.engine and nowhere else."""
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if re.search(r"^\s*(import|from) python_on_whales", text, re.MULTILINE):
            assert path.parent.name == "engine", path


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


# The dependency order, written down once: a subsystem may import the
# foundation (the top-level modules) and the subsystems before it, never one
# after it. wiw/__init__ and _compat (old names) sit above everything.
LAYERS = ("engine", "build", "lessons", "lab", "classroom", "deploy", "cli")
ABOVE_ALL = {"wiw", "wiw._compat", "wiw.__main__"}
MAX_TOP_LEVEL = 10


def layer(module: str) -> int:
    """0 for the foundation, 1.. for the subsystems in LAYERS' order."""
    parts = module.split(".")
    return LAYERS.index(parts[1]) + 1 if len(parts) > 1 and parts[1] in LAYERS else 0


def upward_imports(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """The imports that go from a lower layer to a higher one."""
    return sorted(
        (module, target)
        for module, targets in edges.items()
        if module not in ABOVE_ALL
        for target in targets
        if layer(target) > layer(module)
    )


def test_the_layer_check_can_fail() -> None:
    """A made-up upward import (the lab reaching into the classroom) is found."""
    edges = {"wiw.lab.lab": {"wiw.classroom.lifecycle", "wiw.engine"}, "wiw.errors": set()}
    assert upward_imports(edges) == [("wiw.lab.lab", "wiw.classroom.lifecycle")]
    assert upward_imports({"wiw.errors": {"wiw.engine"}}) == [("wiw.errors", "wiw.engine")]


def test_no_subsystem_imports_a_higher_one() -> None:
    """Imports follow LAYERS: engine < build < lessons < lab < classroom < deploy < cli."""
    edges = graph()
    assert {m.split(".")[1] for m in edges if layer(m)} == set(LAYERS)
    assert upward_imports(edges) == []


def test_the_top_level_holds_only_what_every_part_uses() -> None:
    """At most ten modules beside the subpackages, and every subpackage says what it owns."""
    top = {p.stem for p in SRC.glob("*.py")} - {"__init__", "__main__"}
    assert len(top) <= MAX_TOP_LEVEL, sorted(top)
    packages = [p for p in SRC.iterdir() if (p / "__init__.py").is_file()]
    assert {p.name for p in packages} == set(LAYERS)
    for package in packages:
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert doc, package
        assert "owns" in doc or "top of wiw" in doc, package


def one_letter_apart(a: str, b: str) -> bool:
    """Whether two names differ by one letter replaced, added or removed."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def test_no_two_modules_differ_by_one_letter() -> None:
    """Module names are told apart at a glance (no ``_hubstate`` beside ``_hubstats``)."""
    assert one_letter_apart("hub", "hubs")
    assert one_letter_apart("state", "stage")
    assert not one_letter_apart("lab", "lab")
    names = sorted({p.stem.strip("_") for p in SRC.rglob("*.py")} - {"init", "main"})
    close = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if one_letter_apart(a, b)]
    assert close == []


# The code that runs inside the image (jupyterhub/): a subfolder for where
# each file runs (its README.md says which), and at the top what concerns the
# folder as a whole.
SUPPORT = SRC.parents[1] / "jupyterhub"
SUPPORT_FOLDERS = ("build", "hub", "server", "shared", "lessons")
SUPPORT_TOP = {
    "Dockerfile", "README.md", "requirements.txt", "requirements.lock", "mypy.ini",
    "text-lessons.txt", "text-lessons.lock",
}  # fmt: skip
RUN_AT_TEST_TIME = {"lessons/run_lessons.py"}  # handed to the image's Python, not copied in


def support_files() -> set[str]:
    """Every file under jupyterhub/ but the stubs, relative to it (bytecode aside)."""
    return {
        path.relative_to(SUPPORT).as_posix()
        for path in SUPPORT.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.relative_to(SUPPORT).parts[0] != "typings"
    }


def test_the_image_code_is_split_by_where_it_runs() -> None:
    """jupyterhub/ keeps the Dockerfile, pins and checks at its top, and code in known folders."""
    top = {path.name for path in SUPPORT.iterdir() if path.name != "__pycache__"}
    assert top == SUPPORT_TOP | set(SUPPORT_FOLDERS) | {"typings"}
    readme = (SUPPORT / "README.md").read_text()
    for folder in SUPPORT_FOLDERS:
        assert any(name.startswith(f"{folder}/") for name in support_files()), folder
        assert f"`{folder}/`" in readme, folder
    # The unit tests import each script by its module name (tests/support/hubside.py).
    scripts = {name for name in support_files() if "/" in name and name.endswith(".py")}
    assert set(SUPPORT_MODULES.values()) == scripts


def test_the_build_context_carries_every_file_the_image_runs() -> None:
    """SUPPORT_FILES names every file of the subfolders but the lesson runner, each once by name.

    The build context puts them side by side under ``wiw/`` (where the
    Dockerfile finds them), so no two may share a name, nor take the name of
    the contract's copy.
    """
    in_folders = {name for name in support_files() if "/" in name}
    assert set(SUPPORT_FILES) == in_folders - RUN_AT_TEST_TIME | {"requirements.lock"}
    assert {name for name in in_folders if name.startswith("lessons/")} == RUN_AT_TEST_TIME
    names = [PurePosixPath(name).name for name in SUPPORT_FILES]
    assert len(set(names)) == len(names), sorted(names)
    assert "wiw_contract.py" not in names


def test_the_dockerfile_copies_exactly_the_build_contexts_files() -> None:
    """Every ``wiw/`` file the build context holds is one the Dockerfile copies, and back."""
    lines = (SUPPORT / "Dockerfile").read_text().splitlines()
    code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    copied = set(re.findall(r"(?<![\w/])wiw/[\w.-]+", code))
    rendered = {f"wiw/{PurePosixPath(name).name}" for name in SUPPORT_FILES}
    assert copied == rendered | {"wiw/wiw_contract.py"}
