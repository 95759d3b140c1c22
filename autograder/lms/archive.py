"""Reading an LMS download safely, as a folder or a zip: nothing in it is trusted.

- a member whose path is absolute, has a `..` part or a drive letter is skipped (no path traversal);
- symbolic links are skipped, in a zip (its mode bits say so) and in a folder (never followed);
- hidden files and macOS's `__MACOSX/` are skipped;
- sizes are capped: each file read stops at MAX_FILE bytes, whatever its header claims, and a zip that
  declares more than MAX_TOTAL bytes or MAX_MEMBERS entries is refused (a zip bomb), as a usage error.
Only the members `collect` picks are ever read.
"""

import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.errors import UsageError

MAX_FILE = 32 * 1024 * 1024
MAX_TOTAL = 4 * 1024 * 1024 * 1024
MAX_MEMBERS = 200_000


@dataclass(frozen=True)
class Member:
    """One regular file of the download: its safe relative path, size, a sortable time, and how to read it."""

    path: PurePosixPath
    size: int
    mtime: tuple[float, ...]  # compared only with the same download's: a zip's date_time, a file's (st_mtime,)
    _read: Callable[[], bytes] = field(repr=False, compare=False)

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
    stack = [root]
    while stack:
        folder = stack.pop()
        for child in sorted(folder.iterdir()):
            if child.name.startswith(".") or child.name == "__MACOSX" or child.is_symlink():
                continue
            if child.is_dir():
                stack.append(child)
            elif child.is_file():
                info = child.stat()

                def read(child: Path = child) -> bytes:
                    with child.open("rb") as f:
                        return f.read(MAX_FILE + 1)

                rel = PurePosixPath(child.relative_to(root).as_posix())
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
