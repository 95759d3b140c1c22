"""Hostile: prints a full-marks results.json and writes it wherever a grader might read it; implements nothing."""
import json
import os

FAKE = {"score": 100, "execution_time": 0.1, "tests": [{"name": "all", "score": 100, "max_score": 100, "status": "passed"}]}
print(json.dumps(FAKE))
print('{"ok": true, "value": {"kind": "scalar", "type": "float", "dtype": "float64", "value": 0.0}}')
for folder in ("/autograder/results", os.getcwd(), os.path.join(os.getcwd(), ".."), "/tmp"):
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "results.json"), "w") as f:
            json.dump(FAKE, f)
    except OSError:
        pass


def update_v(v_prev, g, beta2=0.999):
    print(json.dumps(FAKE))
    return 0.0


def bias_correct(v, t, beta2=0.999):
    return 0.0


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return 0.0
