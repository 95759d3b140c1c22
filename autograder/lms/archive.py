"""Reading an LMS download safely, as a folder or a zip: nothing in it is trusted.

- a member whose path is absolute, has a `..` part or a drive letter is skipped (no path traversal);
- symbolic links are skipped, in a zip (its mode bits say so) and in a folder (never followed);
- hidden files and macOS's `__MACOSX/` are skipped;
- sizes are capped: each file read stops at MAX_FILE bytes, whatever its header claims;
- limits apply per student (STUDENT: files, bytes, folders deep; `lms.download.over_limit` checks them
  where each LMS's module knows whose part of the download a file is): a student over one is skipped with a
  note and a roster entry, and everyone else is collected;
- the whole download is bounded far above any class, as a guard against zip bombs and runaway folders: a
  zip that declares more than MAX_TOTAL bytes or MAX_MEMBERS entries, or a folder holding more, is refused
  as a usage error; a folder is walked WALK_DEPTH folders deep, and a folder deeper than that is listed as
  a `cut` member (never read) so that its student is over the depth limit.
Only the members `collect` picks are ever read.
"""

import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.errors import UsageError

MAX_FILE = 32 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one student's part of a download may hold; a student over any of them is not collected."""

    members: int = 10_000  # files (a real submission has a handful)
    bytes: int = 1024 * 1024 * 1024  # their files' sizes, as declared
    depth: int = 16  # folders below the student's own, as deep as `adam-hw grade` searches a student folder


STUDENT = Limits()
#: The whole download, far above any class (a hundred students at the per-student limit): a zip-bomb bound.
MAX_MEMBERS = 1_000_000
MAX_TOTAL = 64 * 1024 * 1024 * 1024
#: How deep a folder download is walked; deeper than any student may go (STUDENT.depth below an LMS's own
#: few folders), and shallow enough that a path stays far below the system's length limit.
WALK_DEPTH = 64


@dataclass(frozen=True)
class Member:
    """One regular file of the download: its safe relative path, size, a sortable time, and how to read it."""

    path: PurePosixPath
    size: int
    mtime: tuple[float, ...]  # compared only with the same download's: a zip's date_time, a file's (st_mtime,)
    _read: Callable[[], bytes] = field(repr=False, compare=False)
    cut: bool = False  # a folder deeper than WALK_DEPTH, not entered: never a submission, never read

    def read(self) -> bytes | None:
        """The file's bytes, or None when it is larger than MAX_FILE (read no further than that)."""
        data = self._read()
        return None if len(data) > MAX_FILE else data


def _safe(name: str) -> PurePosixPath | None:
    """The member's path as safe relative parts, or None when it must be skipped."""
    name = name.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or not path.parts or (len(path.parts[0]) == 2 and path.parts[0][1] == ":"):
        return None
    if any(part in ("..", ".") or part.startswith(".") or part == "__MACOSX" for part in path.parts):
        return None
    return path


def _zip_members(src: Path) -> list[Member]:
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as err:
        raise UsageError(f"SRC: {src} is not a readable zip file ({err})") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UsageError(f"SRC: {src} holds {len(infos)} entries, more than {MAX_MEMBERS}: refused")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL:
        raise UsageError(f"SRC: {src} unpacks to {total} bytes, more than {MAX_TOTAL}: refused as a zip bomb")
    members: list[Member] = []
    for info in infos:
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)  # 0 when the zip was made where modes are not recorded (Windows, writestr)
        if info.is_dir() or (kind and kind != stat.S_IFREG):  # links, devices, FIFOs
            continue
        path = _safe(info.filename)
        if path is None:
            continue

        def read(info: zipfile.ZipInfo = info) -> bytes:
            with archive.open(info) as f:
                return f.read(MAX_FILE + 1)  # never more, whatever the header says

        members.append(Member(path, info.file_size, info.date_time, read))
    return members


def _folder_members(src: Path) -> list[Member]:
    members: list[Member] = []
    root = Path(src)
    stack, seen, total = [(root, 0)], 0, 0
    while stack:
        folder, depth = stack.pop()
        for child in sorted(folder.iterdir()):
            seen += 1
            if seen > MAX_MEMBERS:
                raise UsageError(f"SRC: {src} holds more than {MAX_MEMBERS} files and folders: refused")
            if child.name.startswith(".") or child.name == "__MACOSX" or child.is_symlink():
                continue
            rel = PurePosixPath(child.relative_to(root).as_posix())
            if child.is_dir() and depth + 1 >= WALK_DEPTH:
                members.append(Member(rel, 0, (0.0,), lambda: b"", cut=True))
            elif child.is_dir():
                stack.append((child, depth + 1))
            elif child.is_file():
                info = child.stat()
                total += info.st_size
                if total > MAX_TOTAL:
                    raise UsageError(f"SRC: {src} holds more than {MAX_TOTAL} bytes: refused")

                def read(child: Path = child) -> bytes:
                    with child.open("rb") as f:
                        return f.read(MAX_FILE + 1)

                members.append(Member(rel, info.st_size, (info.st_mtime,), read))
    return members


def members(src: str | Path) -> list[Member]:
    """Every regular file of the download at `src` (a folder or a .zip), safe to read (see the module docstring)."""
    src = Path(src)
    if src.is_dir():
        return _folder_members(src)
    if src.is_file():
        return _zip_members(src)
    raise UsageError(f"SRC: no such file or folder: {src}")
