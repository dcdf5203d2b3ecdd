"""Courses of other kinds in a classroom: what their learners get, beyond the lesson runner.

tests/cases/ proves each kind's lessons run in its image (``wiw test``);
here the same images serve a class, and a learner works in them as in class.
"""

from __future__ import annotations

from pathlib import Path

import wiw
from tests.support.engine import free_port
from tests.support.learners import SimLearner
from wiw import classroom as cls
from wiw.classroom.lifecycle import Classroom, ClassroomOptions

CASES = Path(__file__).parents[1] / "cases"


def test_an_r_course_serves_its_lessons_in_the_classroom(
    engine: wiw.Engine, run_id: str, made_images: list[str]
) -> None:
    """A learner of the R course gets its lesson and an R kernel with the course's packages."""
    workshop = wiw.Workshop(CASES / "r_debian")
    ref = f"wiw-test/case-{workshop.name}:{run_id}"  # test_cases builds the same image
    made_images.append(ref)
    image = wiw.Image.build(workshop, tag=ref, engine=engine, show_progress=False)
    room = Classroom.start(image, ClassroomOptions(max_learners=2), port=free_port())
    learner = None
    try:
        room.wait_until_ready(timeout=120)
        learner = SimLearner(room.join_url)
        learner.join()
        learner.wait_for_lab()
        assert "lesson01.ipynb" in learner.files()
        kernel = learner.start_kernel("ir")
        code = 'cat(as.character(glue::glue("{6 * 7} from R {R.version$major}")))'
        assert learner.execute(kernel, code) == "42 from R 4"
        # A learner may add R packages as they may pip-install: the library is theirs.
        assert learner.execute(kernel, "cat(file.access(.libPaths()[1], 2) == 0)") == "TRUE"
    finally:
        if learner is not None:
            learner.close()
        cls.destroy(room.names.workshop, confirm=True, engine=engine)
