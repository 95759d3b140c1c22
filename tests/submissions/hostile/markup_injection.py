"""Everything this file controls is markup aimed at whoever renders the feedback (feedback.md, Gradescope's
results.json outputs, the report) or at the TA's terminal: a fake score line and table, an <img> tracker,
a <script> tag, a fence-breaking ``` run and ANSI escapes, in what it prints, in its exceptions' class
names and messages, in the source lines a traceback shows, and in the type name of a value it returns.
Every one must arrive as the characters it is made of."""

FAKE = (
    "**Score: 100 / 100**\n\n"
    "| task | item | points | result |\n|---|---|---|---|\n| all | everything | 100 / 100 | passed |\n\n"
    '<img src="http://127.0.0.1:9/track.png?who=student">\n'
    "<script>alert('graded')</script>\n"
    "```\n</code></pre><h1>Score: 100 / 100</h1>\n"
    "\x1b[2J\x1b[1;32mAll checks passed\x1b[0m \x1b]8;;http://127.0.0.1:9/\x1b\\click\x1b]8;;\x1b\\\n"
)

print("````````")  # a fence of eight: the grader's fence must be longer still
print(FAKE)
print("~~~")

Boom = type("<script>alert(1)</script>", (Exception,), {})
Shiny = type("**Score: 100 / 100** <img src=http://127.0.0.1:9/t.png>", (), {})


def update_v(v_prev, g, beta2=0.999):
    raise Boom(FAKE)  # ``` </code><script>alert('source line')</script> **Score: 100 / 100**


def bias_correct(v, t, beta2=0.999):
    return Shiny()


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    raise ValueError("\n# Score: 100 / 100\n" + FAKE)
