"""Ending a submission in the sandbox process: finding and killing every process it started, and removing
what it left (its folder, its SysV IPC objects, its files in the shared temporary folders).
"""

import os
import signal
import stat
from collections.abc import Callable

from .libc import libc

IPC_RMID = 0
#: Shared folders a dedicated uid can write to: what it leaves there is removed when its submission ends.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")


def own_processes() -> int:
    uid, count = os.getuid(), 0
    for pid in os.listdir("/proc"):
        try:
            count += pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid
        except OSError:
            pass
    return count


def descendants(root: int) -> list[int]:
    """Every process below `root` (level "basic": this process is their subreaper)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def describe(code: int | None) -> str:
    """A wait status in words: "exit code 1", "killed by signal SIGKILL"."""
    if code is None:
        return "still running"
    if os.WIFSIGNALED(code):
        return f"killed by signal {signal.Signals(os.WTERMSIG(code)).name}"
    return f"exit code {os.waitstatus_to_exitcode(code)}"


def remove_tree(path: str) -> None:
    """`rm -rf path`, without recursion or long paths (a student's folders may nest 100,000 deep: past
    Python's stack and PATH_MAX), never following a symbolic link, and making a folder the student locked
    (mode 000) enterable first. Called only once every process that could change the tree is dead."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return
    except FileNotFoundError:
        return
    here = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.chdir(path)
        names: list[str] = []  # the folders entered below `path`, in order: the way back up
        while True:
            entered = None
            with os.scandir(".") as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        entered = entry.name
                        break
                    os.unlink(entry.name)
            if entered is not None:
                os.chmod(entered, 0o700, follow_symlinks=False)
                os.chdir(entered)
                names.append(entered)
            elif names:
                os.chdir("..")
                os.rmdir(names.pop())
            else:
                break
    finally:
        os.fchdir(here)
        os.close(here)
    os.rmdir(path)


def sysv_objects(kind: str) -> list[dict[str, str]]:
    """[{column: value}] for the SysV IPC objects of `kind` ("shm", "sem", "msg") this process can see."""
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            header, *rows = f.read().splitlines()
    except OSError:
        return []
    names = header.split()
    return [dict(zip(names, row.split())) for row in rows]


def remove_sysv(owned: Callable[[dict[str, str]], object]) -> None:
    """Remove the SysV shared memory, semaphores and message queues for which owned(row) is true."""
    lib = libc()
    for kind, key, remove in (
        ("shm", "shmid", lambda i: lib.shmctl(i, IPC_RMID, None)),
        ("sem", "semid", lambda i: lib.semctl(i, 0, IPC_RMID)),
        ("msg", "msqid", lambda i: lib.msgctl(i, IPC_RMID, None)),
    ):
        for row in sysv_objects(kind):
            if owned(row):
                remove(int(row[key]))


def remove_shared_files(uid: int, keep: tuple[int, int] | None = None) -> None:
    """What a dedicated uid left in the shared temporary folders (visible at level basic). `keep` is
    the (device, inode) of the guests' work folder, which clear_work() has just emptied: at level os it
    lies in /tmp and is the uid's, and removing it too would make every guest rebuild the Landlock
    ruleset that names it (a few hundred system calls per student)."""
    for folder in SHARED_TMP:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
                if info.st_uid == uid and (info.st_dev, info.st_ino) != keep:
                    remove_tree(entry.path)
            except OSError:
                pass  # gone meanwhile


def remove_all_shared(keep: set[str]) -> None:
    """Everything in the shared temporary folders but `keep` (the emptied work folder, the sandbox's own
    matplotlib folder): in a sandbox's own namespaces they are its private tmpfs, so all they hold is the
    last submission's. This replaces clean-up by uid where guests keep the grader's uid."""
    for folder in SHARED_TMP:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.path not in keep:
                try:
                    remove_tree(entry.path)
                except OSError:
                    pass  # a read-only bind (the system's own): not the submission's
