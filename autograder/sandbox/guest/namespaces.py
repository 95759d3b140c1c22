"""Level "basic": the sandbox process's own user, mount, pid, network and IPC namespaces, made by unshare(2)
itself, with or without root (serve.main calls `enter` first of all, while the process has one thread).

A normal user may make a user namespace where the kernel allows it (`user.max_user_namespaces` above 0,
`kernel.unprivileged_userns_clone` 1 where that Debian/Ubuntu knob exists, and no AppArmor rule that
strips an unprivileged namespace of its capabilities: Ubuntu 24.04's
`kernel.apparmor_restrict_unprivileged_userns`). In it this process keeps the grader's uid (mapped to
itself, and only it: "U U 1") and holds every capability over the new namespaces, enough to mount tmpfs,
bind folders read-only and mount its own /proc; each guest sheds them (`drop_capabilities`) before any
student code runs. As root no user namespace is needed (and one could map only root: a second line, the
sandbox's dedicated uid, needs CAP_SETUID in the parent namespace, which a process inside the new one no
longer has): the other four are made as at level os, and every guest drops to the dedicated uid as before.

unshare(CLONE_NEWPID) puts only this process's children in the new pid namespace, so `enter` forks once:
the child, pid 1 there, goes on as the sandbox process (kill(-1) from it ends every process of a
submission, as at level os), and the parent waits for it and exits with its status, as `unshare --fork`
does. The child dies with the parent (PR_SET_PDEATHSIG).

Where the kernel refuses, `enter` changes nothing and returns why: the sandbox then runs without
namespaces, and the isolation line says so.
"""

import ctypes
import os
import signal

from .libc import libc

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC = (
    0x00020000,
    0x10000000,
    0x20000000,
    0x40000000,
    0x08000000,
)
PR_SET_PDEATHSIG = 1
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
#: capset(2)'s header version 3 (linux/capability.h): two 32-bit words of each set.
CAPABILITY_VERSION_3 = 0x20080522
#: The kernel's knobs that decide whether a normal user may make a user namespace (read for the reason).
KNOBS = (
    ("/proc/sys/user/max_user_namespaces", "0", "user.max_user_namespaces is 0"),
    ("/proc/sys/kernel/unprivileged_userns_clone", "0", "kernel.unprivileged_userns_clone is 0"),
    (
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
        "1",
        "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)",
    ),
)


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _knob_reason() -> str:
    """The first knob that forbids an unprivileged user namespace here, in words ("" if none does)."""
    for path, forbidding, words in KNOBS:
        try:
            with open(path) as f:
                if f.read().strip() == forbidding:
                    return words
        except OSError:
            continue
    return ""


def enter(keep_fds: tuple[int, ...]) -> str:
    """Into new user (not as root), mount, pid, network and IPC namespaces (see the module docstring); ""
    once in them (in the forked child, now pid 1), else the reason they were refused, with nothing
    changed. `keep_fds` are closed in the waiting parent, so that only the sandbox process holds them (the
    grader sees end of file when it ends)."""
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | (CLONE_NEWUSER if uid else 0)
    if libc().unshare(flags) != 0:
        err = ctypes.get_errno()
        knob = _knob_reason()
        return f"user namespaces refused ({os.strerror(err)}{'; ' + knob if knob else ''})"
    try:
        if uid:
            _write("/proc/self/setgroups", "deny")  # a normal user may map its gid only without setgroups
            _write("/proc/self/uid_map", f"{uid} {uid} 1\n")
            _write("/proc/self/gid_map", f"{gid} {gid} 1\n")
    except OSError as err:  # in the new user namespace, but without a map: no use; the grader starts anew
        raise RuntimeError(f"could not map the user namespace's ids: {err}") from None
    pid = os.fork()
    if pid:
        for fd in keep_fds:
            os.close(fd)
        signal.signal(signal.SIGTERM, lambda *_: os.kill(pid, signal.SIGKILL))
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    # (getppid() reads 0 here, the parent being outside this pid namespace: the grader's end of the control
    # socket closing ends this process anyway, should the parent die before this line.)
    libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    mount = libc().mount
    if mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0 or (
        mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0
    ):
        code = ctypes.get_errno()
        raise RuntimeError(f"could not mount in the user namespace: {os.strerror(code)}")
    return ""


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Shed every capability (effective, permitted, inheritable): a guest in the sandbox's user namespace
    could otherwise unmount the tmpfs over the TA's folders. Its uid is not 0 there, so exec regains none."""
    data = (_CapData * 2)()
    if libc().capset(ctypes.byref(_CapHeader(CAPABILITY_VERSION_3, 0)), data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capset: {os.strerror(err)}")
