"""Finding submissions under the paths a TA gives: who is who, and which paths are refused."""

import os

import pytest

from autograder import outdir
from autograder.discover import RESERVED, UsageError, discover


def _touch(path, text="def update_v(v_prev, g, beta2=0.999):\n    pass\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _found(paths, **options):
    return [(s.student, s.path, s.kind) for s in discover(paths, **options)]


def test_a_py_file_is_one_submission_named_by_its_file(tmp_path):
    path = _touch(tmp_path / "ada.py")
    assert _found([path]) == [("ada", path, "py")]


def test_a_folder_gives_one_submission_per_file_and_per_student_folder_sorted(tmp_path):
    zed = _touch(tmp_path / "class" / "zed.py")
    ada = _touch(tmp_path / "class" / "ada" / "hw" / "week3" / "second_moment.py")
    _touch(tmp_path / "class" / "ada" / "scratch.py")
    _touch(tmp_path / "class" / "notes.txt")
    assert _found([tmp_path / "class"]) == [("ada", ada, "py"), ("zed", zed, "py")]


def test_in_a_student_folder_second_moment_py_wins_over_a_notebook(tmp_path):
    _touch(tmp_path / "class" / "bo" / "a" / "second_moment.ipynb", "{}")
    py = _touch(tmp_path / "class" / "bo" / "z" / "second_moment.py")
    assert _found([tmp_path / "class"]) == [("bo", py, "py")]


def test_hidden_folders_and_caches_are_not_searched(tmp_path):
    _touch(tmp_path / "class" / "cy" / ".git" / "second_moment.py")
    _touch(tmp_path / "class" / "cy" / "__pycache__" / "second_moment.py")
    _touch(tmp_path / "class" / ".ds.py")
    assert _found([tmp_path / "class"]) == [("cy", tmp_path / "class" / "cy", "missing")]


def test_two_submissions_for_one_student_are_refused_naming_both(tmp_path):
    first = _touch(tmp_path / "mon" / "ada.py")
    second = _touch(tmp_path / "tue" / "ada.py")
    with pytest.raises(UsageError) as err:
        discover([tmp_path / "mon", tmp_path / "tue"])
    assert str(first) in str(err.value) and str(second) in str(err.value)


def test_a_file_and_a_folder_with_one_student_id_clash_too(tmp_path):
    _touch(tmp_path / "class" / "ada.py")
    _touch(tmp_path / "class" / "ada" / "second_moment.py")
    with pytest.raises(UsageError, match="'ada'"):
        discover([tmp_path / "class"])


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_a_student_id_that_is_a_gradebook_file_name_is_refused(tmp_path, name):
    path = _touch(tmp_path / "class" / f"{name}.py")
    with pytest.raises(UsageError, match=name):
        discover([tmp_path / "class"])
    assert path.exists()


def test_the_reserved_names_are_exactly_what_the_gradebook_folder_holds_besides_students(tmp_path):
    outdir.write_gradebook(tmp_path, [])
    assert set(os.listdir(tmp_path)) == RESERVED


def test_a_missing_path_and_a_non_python_file_are_refused_by_name(tmp_path):
    with pytest.raises(UsageError, match="nobody"):
        discover([tmp_path / "nobody.py"])
    essay = _touch(tmp_path / "essay.txt")
    with pytest.raises(UsageError, match=r"essay\.txt"):
        discover([essay])


def test_an_excluded_folder_is_not_taken_for_a_student(tmp_path):
    ada = _touch(tmp_path / "class" / "ada.py")
    (tmp_path / "class" / "graded" / "ada").mkdir(parents=True)
    assert [s.student for s in discover([tmp_path / "class"])] == ["ada", "graded"]
    assert _found([tmp_path / "class"], exclude=[tmp_path / "class" / "graded"]) == [("ada", ada, "py")]
