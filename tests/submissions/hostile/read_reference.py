"""Hostile: looks for the instructor's reference anywhere on disk (or importable) and runs it as its own."""
import os


def _find(name, tops=("/", "/work", "/root", "/home", "/tmp", os.getcwd(), os.path.expanduser("~")), depth=5):
    for top in tops:
        for folder, dirs, files in os.walk(top):
            if folder.count(os.sep) - top.count(os.sep) >= depth or folder.startswith(("/proc", "/sys", "/usr", "/dev")):
                dirs[:] = []
            if name in files and os.path.basename(folder) == "solutions":
                return os.path.join(folder, name)
    return None


found = _find("second_moment.py")
if found is None:
    try:
        import solutions.second_moment as ref  # the project on the import path?

        found = ref.__file__
    except ImportError:
        pass
if found:
    exec(compile(open(found).read(), found, "exec"))
else:

    def update_v(v_prev, g, beta2=0.999):
        raise RuntimeError("no reference found to copy")

    def bias_correct(v, t, beta2=0.999):
        raise RuntimeError("no reference found to copy")

    def effective_step(v_hat, alpha=0.001, eps=1e-8):
        raise RuntimeError("no reference found to copy")
