"""Hostile: searches every folder it can reach (the grader's temp folders, the submissions folder, shared
memory) for a classmate's second_moment.py and runs it as its own."""
import os

me = os.path.realpath(__file__)
found = None
for top in ("/tmp", "/var/tmp", "/dev/shm", "/work", "/root", "/home", os.path.dirname(os.getcwd())):
    for folder, dirs, files in os.walk(top):
        if folder.count(os.sep) > 8:
            dirs[:] = []
        dirs[:] = [d for d in dirs if d not in ("site-packages", "dist-packages", ".venv", "lib", "proc")]
        for name in files:
            path = os.path.realpath(os.path.join(folder, name))
            if name.endswith(".py") and path != me:
                try:
                    text = open(path).read()
                except (OSError, UnicodeDecodeError):
                    continue
                if "def effective_step" in text and "NotImplementedError" not in text and "classmate" not in text:
                    found = path
                    break
        if found:
            break
    if found:
        break
if found:
    exec(compile(open(found).read(), found, "exec"))
else:

    def update_v(v_prev, g, beta2=0.999):
        raise RuntimeError("no classmate to copy")

    def bias_correct(v, t, beta2=0.999):
        raise RuntimeError("no classmate to copy")

    def effective_step(v_hat, alpha=0.001, eps=1e-8):
        raise RuntimeError("no classmate to copy")
