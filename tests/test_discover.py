"""Finding submissions under the paths a TA gives: who is who, and which paths are refused."""

import hashlib
import os
import re
import stat
import subprocess
import unicodedata
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import discover as discover_module
from autograder import outdir
from autograder.discover import MAX_BYTES, MAX_DEPTH, RESERVED, UsageError, discover, student_id


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
def test_a_student_named_like_a_gradebook_file_is_graded_under_an_escaped_id(tmp_path, name):
    path = _touch(tmp_path / "class" / f"{name}.py")
    (found,) = discover([tmp_path / "class"])
    assert found.path == path and found.student == name.replace(".", "%2E")


def test_the_reserved_names_hold_everything_the_gradebook_folder_writes_besides_students(tmp_path):
    from autograder import report

    outdir.write_gradebook(tmp_path, [])
    report.write(tmp_path)
    assert set(os.listdir(tmp_path)) <= RESERVED


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


# -- whatever a folder holds: links, FIFOs, devices, huge files, deep trees --------------------------------


def test_a_student_folder_that_is_a_symbolic_link_is_a_student_with_nothing_read(tmp_path):
    _touch(tmp_path / "solutions" / "second_moment.py")
    _touch(tmp_path / "class" / "alice" / "second_moment.py")
    (tmp_path / "class" / "mallory").symlink_to(tmp_path / "solutions")
    (tmp_path / "class" / "eve").symlink_to("alice")
    found = {s.student: s for s in discover([tmp_path / "class"])}
    assert sorted(found) == ["alice", "eve", "mallory"]
    for name in ("eve", "mallory"):
        data, why = found[name].load()
        assert data == b"" and "symbolic link" in why


def test_a_link_inside_a_student_folder_is_not_followed_and_the_feedback_says_so(tmp_path):
    _touch(tmp_path / "solutions" / "second_moment.py")
    (tmp_path / "class" / "bob").mkdir(parents=True)
    (tmp_path / "class" / "bob" / "hw").symlink_to(tmp_path / "solutions")
    (found,) = discover([tmp_path / "class"])
    assert (found.student, found.kind) == ("bob", "missing")
    assert "1 symbolic link(s) in it were not followed" in found.note


def test_a_linked_second_moment_py_is_found_but_never_read(tmp_path):
    target = _touch(tmp_path / "solutions" / "second_moment.py")
    (tmp_path / "class" / "cy").mkdir(parents=True)
    (tmp_path / "class" / "cy" / "second_moment.py").symlink_to(target)
    (tmp_path / "class" / "dee.py").symlink_to(target)
    found = discover([tmp_path / "class"])
    assert [(s.student, s.kind) for s in found] == [("cy", "py"), ("dee", "py")]
    assert all(s.load()[0] == b"" and "symbolic link" in s.load()[1] for s in found)
    assert all(s.sha256() == hashlib.sha256(b"").hexdigest() for s in found)


def test_a_regular_file_wins_over_a_link_or_fifo_of_the_same_name(tmp_path):
    folder = tmp_path / "class" / "di"
    os.makedirs(folder / "a")
    os.mkfifo(folder / "a" / "second_moment.py")
    real = _touch(folder / "b" / "second_moment.py")
    assert _found([tmp_path / "class"]) == [("di", real, "py")]


@pytest.mark.parametrize("where", ["class file", "in a folder", "given directly"])
def test_a_fifo_is_a_submission_refused_at_once_without_blocking(tmp_path, where):
    path = {
        "class file": tmp_path / "class" / "fi.py",
        "in a folder": tmp_path / "class" / "fi" / "second_moment.py",
        "given directly": tmp_path / "fi.py",
    }[where]
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    (found,) = discover([path if where == "given directly" else tmp_path / "class"])
    assert found.student == "fi"
    data, why = found.load()  # a blocking open or read would hang this test forever
    assert data == b"" and "FIFO" in why


def test_a_device_node_is_refused_without_being_opened(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    path = tmp_path / "class" / "dev.py"
    path.parent.mkdir()
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    (found,) = discover([tmp_path / "class"])
    assert found.load() == (
        b"",
        "dev.py is a character device, not a regular file, so it was not graded: submit the file itself.",
    )


def test_a_py_file_larger_than_the_cap_is_refused_and_never_read_whole(tmp_path):
    path = tmp_path / "big.py"
    with open(path, "wb") as f:
        f.truncate(150_000_000)  # sparse: 150 MB to the grader, nothing on disk
    (found,) = discover([path])
    data, why = found.load()
    assert data == b"" and "larger than the 2 MB" in why
    exact = _touch(tmp_path / "edge.py", "#" * MAX_BYTES["py"])
    assert len(discover([exact])[0].load()[0]) == MAX_BYTES["py"]


def test_a_file_that_grows_past_the_cap_after_its_size_was_checked_is_still_refused(tmp_path, monkeypatch):
    path = _touch(tmp_path / "grow.py", "x = 1\n")
    monkeypatch.setitem(MAX_BYTES, "py", 4)  # the file is 6 bytes, and lstat is asked before: read it anyway
    real_lstat = os.lstat
    monkeypatch.setattr(os, "lstat", lambda p: os.stat_result((*real_lstat(p)[:6], 1, *real_lstat(p)[7:])))
    data, why = discover([path])[0].load()
    assert data == b"" and "grow.py is larger than" in why


def _remove_deep(path):
    """rm -rf: pytest's own clean-up of old tmp_path folders recurses once per level (RecursionError at
    session end, in a later run, and in anyone's run sharing /tmp/pytest-of-<user>)."""
    subprocess.run(["rm", "-rf", str(path)], check=True)


def test_a_tree_1500_folders_deep_is_searched_to_max_depth_without_recursion(tmp_path, request):
    folder = tmp_path / "class" / "deep"
    request.addfinalizer(lambda: _remove_deep(folder))
    here = os.open(tmp_path, os.O_RDONLY)
    try:
        for name in ["class", "deep"] + ["d"] * 1500:
            os.mkdir(name, dir_fd=here)
            inner = os.open(name, os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
        fd = os.open("second_moment.py", os.O_WRONLY | os.O_CREAT, dir_fd=here)
        os.close(fd)
    finally:
        os.close(here)
    shallow = _touch(tmp_path / "class" / "shallow" / ("s/" * (MAX_DEPTH - 1)) / "second_moment.py")
    found = {s.student: s for s in discover([tmp_path / "class"])}
    assert (found["deep"].path, found["deep"].kind) == (folder, "missing")
    assert f"more than {MAX_DEPTH} levels down" in found["deep"].note
    assert found["shallow"].path == shallow


def test_a_folder_wider_than_max_entries_is_searched_only_that_far(tmp_path, monkeypatch):
    monkeypatch.setattr(discover_module, "MAX_ENTRIES", 5)
    for k in range(10):
        _touch(tmp_path / "class" / "wide" / f"f{k}.txt")
    _touch(tmp_path / "class" / "wide" / "z" / "second_moment.py")
    (found,) = discover([tmp_path / "class"])
    assert found.kind == "missing" and "only the first 5 files and folders" in found.note


# -- student ids: a valid name keeps its id, any other is escaped, never two students on one id ------------


def test_every_id_in_the_corpus_is_unchanged(root):
    """Every name in tests/submissions keeps the id it had (its stem, or its folder's name), except the one
    attack named like a file of the gradebook folder, which before could not be graded at all."""
    corpus = root / "tests" / "submissions"
    names = [p.stem for p in corpus.rglob("*") if p.suffix in (".py", ".ipynb")] + ["mallory"]
    assert len(names) > 50
    for name in names:
        assert student_id(name) == (name.replace(".", "%2E") if name in RESERVED else name)
    hostile = corpus / "hostile"
    expected = sorted(
        [p.stem for p in hostile.iterdir() if p.suffix in (".py", ".ipynb") and p.stem not in RESERVED]
        + ["mallory", "report%2Ehtml"]
    )
    assert [s.student for s in discover([hostile])] == expected


@pytest.mark.parametrize(
    "name",
    [
        "ada",
        "Zoë",
        "José",
        "jos\u00e9",
        "李雷",
        "o'brien",
        "a b",
        "=1+1",
        "+SUM(1,2)",
        "-2+3",
        "@cmd",
        "<script>alert(1)</script>",
        "**Score: 100 / 100**",
        "a,b",
        'say "hi"',
        "100%",
        "%zz",
        "x" * 255,
        "grades",
        "report",
        "Grades.csv.bak",
    ],
)
def test_a_valid_name_is_its_own_id(name):
    assert student_id(name) == name


@pytest.mark.parametrize(
    ("name", "escaped"),
    [
        (os.fsdecode(b"jos\xe9"), "jos%E9"),
        ("\x1b[31mred\x1b[0m", "%1B[31mred%1B[0m"),
        ("a\nb", "a%0Ab"),
        ("evil\u202etxt", "evil%E2%80%AEtxt"),
        ("jos%E9", "jos%25E9"),
        ("grades.csv", "grades%2Ecsv"),
        ("Report.HTML", "Report%2EHTML"),
        (".", "%2E"),
        ("..", "%2E%2E"),
    ],
)
def test_an_unsafe_reserved_or_escape_like_name_is_escaped(name, escaped):
    assert student_id(name) == escaped


def _unsafe(text):
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text)


@given(
    st.lists(
        st.binary(min_size=1, max_size=300).filter(lambda b: b"/" not in b and b"\0" not in b),
        min_size=2,
        max_size=6,
        unique=True,
    )
)
def test_ids_are_safe_file_names_and_no_two_names_share_one(names):
    names = [os.fsdecode(b) for b in names]
    ids = [student_id(n) for n in names]
    assert len(set(ids)) == len(ids)
    for name, sid in zip(names, ids):
        assert not _unsafe(sid) and sid not in (".", "..") and "/" not in sid
        assert len(sid.encode("utf-8")) <= 255
        assert sid.casefold() not in {r.casefold() for r in RESERVED}
        if sid != name and "%2F" not in sid:  # escaped, not shortened: it decodes back to the name's bytes
            assert unquote_to_bytes(sid) == os.fsencode(name)


@given(st.text(min_size=1, max_size=80))
def test_a_text_name_keeps_its_id_unless_it_is_unsafe_or_looks_escaped(name):
    sid = student_id(name)
    kept = (
        not _unsafe(name)
        and not re.search("%[0-9A-Fa-f]{2}", name)
        and name.casefold() not in {r.casefold() for r in RESERVED}
        and name not in (".", "..")
    )
    assert (sid == name) == kept


def test_two_names_that_escape_alike_are_still_two_students(tmp_path):
    _touch(tmp_path / "class" / os.fsdecode(b"jos\xe9.py"))
    _touch(tmp_path / "class" / "jos%E9.py")
    _touch(tmp_path / "class" / "jos\u00e9.py")
    assert sorted(s.student for s in discover([tmp_path / "class"])) == ["jos%25E9", "jos%E9", "jos\u00e9"]


def test_a_clash_message_shows_no_terminal_control(tmp_path):
    _touch(tmp_path / "mon" / "\x1b[2Jada.py")
    _touch(tmp_path / "tue" / "\x1b[2Jada.py")
    with pytest.raises(UsageError) as err:
        discover([tmp_path / "mon", tmp_path / "tue"])
    assert "\x1b" not in str(err.value) and "\\x1b[2Jada.py" in str(err.value)
