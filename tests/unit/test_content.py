"""What goes into the image: hidden files, by-products and ignored paths never do."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.workshops import write_lesson
from wiw import errors
from wiw.build.selection import ignore_spec, refuse_home, select
from wiw.build.workshop import Workshop
from wiw.planning import HEADROOM, IDLE_LEARNER, MIB, plan_classroom


def tree(root: Path, files: dict[str, str]) -> Path:
    """A folder holding ``files``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_secrets_hidden_files_and_ignored_paths_are_left_out_and_listed(tmp_path: Path) -> None:
    """.env, .ssh, .aws, the ignore files and what they name are no content; all listed."""
    root = tree(tmp_path, {
        ".env": "TOKEN=x", ".ssh/id_rsa": "key", ".dockerignore": "solutions\n*.key\n",
        ".wiwignore": "data/raw/\n!data/raw/keep.csv\n", "solutions/answers.ipynb": "{}",
        "notes/.secret": "s", "a.key": "k", "sub/b.key": "k", "data/raw/x.csv": "1",
        "data/raw/keep.csv": "2", "data/clean.csv": "3", "binder/requirements.txt": "",
        "lesson.ipynb": "{}",
    })  # fmt: skip
    chosen = select(root)
    rel = {p.relative_to(root).as_posix() for p in chosen.files}
    # As in Docker: '*.key' is the top's only ('**/*.key' reaches anywhere), and
    # '!' brings a file back from an ignored folder.
    assert rel == {"lesson.ipynb", "data/clean.csv", "data/raw/keep.csv", "sub/b.key"}
    reasons = {e.path: e.reason for e in chosen.excluded}
    assert reasons[".env"] == reasons[".ssh"] == reasons["notes/.secret"] == "hidden"
    assert reasons["solutions/answers.ipynb"] == reasons["a.key"] == "ignored"
    assert reasons["data/raw/x.csv"] == "ignored"
    assert "binder" not in reasons  # read by wiw as the dependency folder, not content


def test_dockerignore_patterns_are_anchored_at_the_top(tmp_path: Path) -> None:
    """As in Docker, 'solutions' means the top-level folder only; '**' reaches anywhere."""
    root = tree(tmp_path, {".dockerignore": "# comment\n./solutions\n**/draft*\n**.bak\n"})
    spec = ignore_spec(root)
    assert spec.match_file("week1/old/a.bak")
    assert spec.match_file("solutions/x.ipynb")
    assert not spec.match_file("week1/solutions/x.ipynb")
    assert spec.match_file("week1/draft-2.ipynb")
    assert not spec.match_file("lesson.ipynb")


def test_by_products_and_outside_links_are_no_content(tmp_path: Path) -> None:
    """.git, checkpoints, caches and links pointing outside are left out, with reasons."""
    outside = tmp_path / "outside.txt"
    outside.write_text("private")
    root = tree(tmp_path / "w", {".git/config": "x", "__pycache__/a.pyc": "x", "l.ipynb": "{}"})
    (root / "link.txt").symlink_to(outside)
    reasons = {e.path: e.reason for e in select(root).excluded}
    assert reasons == {".git": "by-product", "__pycache__": "by-product",
                       "link.txt": "link outside"}  # fmt: skip


def test_ignore_files_keep_comments_blank_lines_and_odd_bytes_out_of_the_patterns(
    tmp_path: Path,
) -> None:
    """'#' lines and blank lines match nothing; bytes that are not UTF-8 do not stop the read."""
    root = tree(tmp_path, {".wiwignore": "#draft.ipynb\n\n/solutions\n"})
    (root / ".dockerignore").write_bytes(b"# caf\xe9\n*.key\n")
    spec = ignore_spec(root)
    assert spec.match_file("solutions/x.ipynb")
    assert spec.match_file("a.key")
    assert not spec.match_file("#draft.ipynb")
    assert not spec.match_file("lesson.ipynb")


def test_an_ignored_folder_is_left_out_whole_and_listed_once(tmp_path: Path) -> None:
    """Without a '!' pattern, 'solutions/' leaves out the folder itself, listed as ignored."""
    root = tree(tmp_path, {".dockerignore": "solutions/\n", "solutions/a.ipynb": "{}",
                           "solutions/b/c.ipynb": "{}", "lesson.ipynb": "{}"})  # fmt: skip
    chosen = select(root)
    assert [p.relative_to(root).as_posix() for p in chosen.files] == ["lesson.ipynb"]
    assert [(e.path, e.reason) for e in chosen.excluded] == [
        (".dockerignore", "hidden"), ("solutions", "ignored")]  # fmt: skip


def test_dependency_files_and_binder_are_skipped_at_the_top_only(tmp_path: Path) -> None:
    """Below the top, a requirements.txt or a binder/ folder is content like any file."""
    root = tree(tmp_path, {"requirements.txt": "numpy", "binder/environment.yml": "",
                           "week1/requirements.txt": "x",
                           "week1/binder/notes.md": "n"})  # fmt: skip
    chosen = select(root, frozenset({"requirements.txt"}))
    assert [p.relative_to(root).as_posix() for p in chosen.files] == [
        "week1/binder/notes.md", "week1/requirements.txt"]  # fmt: skip
    assert chosen.excluded == ()


def test_a_home_directory_refusal_names_what_it_found(tmp_path: Path) -> None:
    """The message lists the files found; the hint gives the two ways out."""
    root = tree(tmp_path, {".bashrc": "x", ".ssh/k": "k"})
    with pytest.raises(errors.PrivateFolder) as caught:
        refuse_home(root)
    assert caught.value.message == (
        f"{root} looks like a home directory (it holds .bashrc, .ssh), not a workshop."
    )
    assert caught.value.hint == (
        "Give the folder that holds the lessons. If this really is the workshop, move those "
        "files out, or pass --allow-home (API: allow_home=True); they are still left out of "
        "the image."
    )


@pytest.mark.parametrize(
    "files",
    [{".bash_history": "ls"}, {".ssh/id_rsa": "k", ".aws/credentials": "k"},
     {".zshrc": "x"}, {".gnupg/pubring.kbx": "x", ".kube/config": "x"}],
)  # fmt: skip
def test_a_home_directory_is_refused_unless_allowed(tmp_path: Path, files: dict[str, str]) -> None:
    """Shell history or two credential stores mean a home directory: refused, with the way out."""
    root = tree(tmp_path, files)
    write_lesson(root)
    with pytest.raises(errors.PrivateFolder) as caught:
        Workshop(root)
    assert "home directory" in str(caught.value)
    assert "--allow-home" in caught.value.hint
    workshop = Workshop(root, allow_home=True)
    assert {p.name for p in workshop.content_files()} == {"lesson01.ipynb"}


def test_one_credential_store_alone_is_left_out_but_not_refused(tmp_path: Path) -> None:
    """A project that keeps a deploy key in .ssh is a workshop; the key stays out."""
    root = tree(tmp_path, {".ssh/deploy_key": "k"})
    write_lesson(root)
    refuse_home(root)
    assert [e.path for e in Workshop(root).excluded] == [".ssh"]


def test_one_learner_is_planned_from_the_largest_lesson_not_the_whole_run() -> None:
    """A lesson peaking at 300 MiB plans ~(idle server + 300 MiB) x headroom per learner."""
    plan = plan_classroom(learners=10, host_memory=16 * 2**30, host_cpus=2,
                          lesson_peak=300 * MIB)  # fmt: skip
    assert plan.per_learner == int((IDLE_LEARNER + 300 * MIB) * HEADROOM)
    assert 500 * MIB < plan.per_learner < 530 * MIB
