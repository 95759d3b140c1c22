"""Student text is text (issue 12, item 8): what a submission controls reaches feedback.md, results.json's
outputs (Gradescope renders them as Markdown), report.html and the terminal as the characters it is made
of, never as markup or terminal control. Markdown is judged by real renderers: markdown-it (CommonMark
with GitHub's tables and strikethrough) and mistune (nbconvert's).
"""

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import mistune
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from autograder import outdir, report
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.render import feedback, gradescope, summary, text
from autograder.results import GradebookRow, SubmissionResult, empty_items
from autograder.words import prose
from tests.conftest import SUBMISSIONS, result_of

ADAM_HW = str(Path(sys.executable).with_name("adam-hw"))
RENDERERS = {
    "markdown-it": MarkdownIt("commonmark").enable(["table", "strikethrough"]).render,
    "mistune": mistune.create_markdown(plugins=["table", "strikethrough", "url"]),
}
INJECTED_TAGS = re.compile(r"<(script|img|h1|iframe|a)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def injected():
    """The markup-injection attack, graded once."""
    (result,) = grade_batch(discover([SUBMISSIONS / "hostile" / "markup_injection.py"]), GradeConfig(timeout=3.0))
    return result


def _markdown_outputs(result):
    """Every Markdown document the grader writes for this result: feedback.md and results.json's outputs."""
    data = gradescope.render(result)
    return {
        "feedback.md": feedback.render(result),
        "results.json output": data["output"],
        **{f"results.json tests[{k}]": t["output"] for k, t in enumerate(data["tests"])},
    }


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_injected_markup_renders_as_text_in_every_markdown_output(injected, renderer):
    render = RENDERERS[renderer]
    for where, source in _markdown_outputs(injected).items():
        assert "\x1b" not in source, where
        page = render(source)
        tags = INJECTED_TAGS.findall(page)
        assert tags == (["h1"] if where == "feedback.md" else []), where  # feedback's own title only
        assert page.count("<table") == (1 if where == "feedback.md" else 0), where  # the grader's own table
        assert "<strong>Score: 100 / 100</strong>" not in page, where
    page = render(feedback.render(injected))
    assert "<strong>Score: 0 / 100</strong>" in page
    assert "**Score: 100 / 100**" in page and "<img src=" not in page
    if renderer == "markdown-it":  # CommonMark decodes entities; mistune shows them as written, still text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the class name, shown as it is


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_printed_output_stays_in_its_fence_whatever_fences_it_prints(injected, renderer):
    page = RENDERERS[renderer](feedback.render(injected))
    printed = page[page.index("What your code printed") :]
    block = re.search(r"<pre><code>(.*?)</code></pre>", printed, re.DOTALL)
    assert block, printed[:500]
    body = html.unescape(block.group(1))
    assert body.startswith("````````\n**Score: 100 / 100**") and body.rstrip().endswith("~~~")
    assert "<script>alert('graded')</script>" in body and "\\x1b[2J" in body
    assert "<hr" in printed[block.end() :]  # the grader's closing rule comes after the block, not inside it


def test_a_file_name_a_load_error_and_output_are_escaped_where_feedback_shows_them(tmp_path):
    name = "<img src=x>`**x**`\x1b[31m.py"
    result = SubmissionResult(
        student=text.terminal(name),
        path=str(tmp_path / name),
        sha256="0" * 64,
        items=empty_items(prose("nothing")),
        graded_at="now",
        seconds=0.0,
        isolation="basic",
        load_error={
            "type": "<b>Boom</b>",
            "message": "# **Score: 100 / 100**\n| a |",
            "line": 3,
            "source": "x = '``` <script>'",
        },
    )
    page = RENDERERS["markdown-it"](feedback.render(result))
    assert not INJECTED_TAGS.findall(page.replace("<h1>Second moment", "", 1))
    assert "<b>" not in page and "\x1b" not in page and len(re.findall("<h[1-6]", page)) == 1
    assert "<code>&lt;img src=x&gt;`**x**`\\x1b[31m.py</code>" in page
    assert "<code>x = '``` &lt;script&gt;'</code>" in page


@given(st.text(max_size=60))
def test_md_renders_as_exactly_its_text_on_one_line(s):
    expected = " ".join(text.plain(s).split("\n")).replace("\t", " ")
    assert RENDERERS["markdown-it"]("x " + text.md(s) + " x") == f"<p>x {_escaped(expected)} x</p>\n"
    # mistune shows an entity as written (&lt; for <): not the text exactly, but text all the same.
    assert re.findall(r"<[^ ]", RENDERERS["mistune"]("x " + text.md(s) + " x")) == ["<p", "</"]


@given(st.text(max_size=60))
def test_md_code_renders_as_one_code_span_holding_its_text(s):
    body = " ".join(text.plain(s).split("\n")).replace("\t", " ")
    page = RENDERERS["markdown-it"]("x " + text.md_code(s) + " x")
    assert page == f"<p>x <code>{_escaped(body or ' ')}</code> x</p>\n"


@given(st.text(max_size=200))
def test_md_block_renders_as_one_code_block_holding_its_text(s):
    body = text.plain(s).rstrip("\n")
    page = RENDERERS["markdown-it"](text.md_block(s) + "\n\nafter")
    assert page == f"<pre><code>{_escaped(body)}{chr(10) if body else ''}</code></pre>\n<p>after</p>\n"


def _escaped(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@given(
    st.text(st.characters(exclude_categories=())),
    st.sampled_from([frozenset("\n\t"), frozenset(), frozenset("\x1b\u202e")]),
)
def test_plain_is_its_character_at_a_time_definition(s, keep):
    from autograder import printable

    assert printable.plain(s, keep) == printable.escaped(s, keep)


@given(st.text())
def test_plain_text_has_no_control_character_and_encodes_as_utf8(s):
    shown = text.terminal(s)
    shown.encode("utf-8")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in shown)


def test_report_html_shows_a_tampered_results_json_as_text(tmp_path):
    result = result_of(extra={"term": "<script>alert(1)</script>\x1b[2J"})
    outdir.write_submission(tmp_path, result)
    outdir.write_gradebook(tmp_path, [result])
    path = tmp_path / "ada" / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["extra_data"]["misconceptions"] = ["<img src=http://127.0.0.1:9/t.png>"]
    path.write_text(json.dumps(data), encoding="utf-8")
    report.write(tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<img src=http" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_the_terminal_summary_and_a_usage_error_carry_no_control_characters(tmp_path):
    result = result_of(student="\x1b[2Jada")
    assert "\x1b" not in summary.render([GradebookRow.of(result)], tmp_path, "basic", 1.0)
    run = subprocess.run(
        [ADAM_HW, "grade", str(tmp_path / "\x1b]0;pwned\x07nobody.py"), "--out", str(tmp_path / "out")],
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 2 and b"nobody.py" in run.stderr
    assert b"\x1b" not in run.stderr and b"\x07" not in run.stderr
