"""Words (autograder/words.py): what the grader says is typed spans, and every renderer escapes the spans a
submission controls, so a student's text is inert in Markdown, HTML and on the terminal alike."""

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.boundary import Reply, Status
from autograder.judge.checks import reply_problem
from autograder.render import feedback
from autograder.render.text import html_words, markdown, plain, terminal_words
from autograder.results import GroupResult, ItemResult, Outcome
from autograder.rubric import ITEMS
from autograder.words import EMPTY, Span, Words, at_line, code, join, prose, student, words
from tests.test_student_text import RENDERERS

HOSTILE = [
    "**Score: 100 / 100**",
    "``` `x` ``",
    "<script>alert(1)</script>",
    "\x1b[2J\x1b[31mred",
    "# heading\n| a | b |\n|---|---|",
    "[link](http://example.com) www.example.com a@b.c",
    "evil\u202etxt",
]

INERT_HTML = re.compile(r"<(?!/?(p|code)>)")  # a tag other than the paragraph and code span the renderer adds


@pytest.mark.parametrize("s", HOSTILE)
@pytest.mark.parametrize("make", [student, code])
def test_a_student_or_code_span_renders_inert_in_every_format(s, make):
    said = words("before ", make(s), " after")
    for renderer in RENDERERS.values():
        page = renderer(markdown(said))
        assert not INERT_HTML.search(page), page
        assert "<strong>" not in page and "\x1b" not in page and "\u202e" not in page
    shown = html_words(said)
    assert (
        "<script" not in shown and "\x1b" not in shown and "<" not in shown.replace("<code>", "").replace("</code>", "")
    )
    line = terminal_words(said)
    assert "\x1b" not in line and "\n" not in line and "\u202e" not in line


@given(st.text(max_size=60))
def test_a_student_span_renders_as_exactly_its_text_in_markdown(s):
    expected = " ".join(plain(s).split("\n")).replace("\t", " ")
    page = RENDERERS["markdown-it"](markdown(words("x ", student(s), " x")))
    assert page == f"<p>x {html.escape(expected, quote=True).replace('&#x27;', chr(39))} x</p>\n"


@given(st.text(max_size=60))
def test_a_code_span_renders_as_one_code_element_holding_its_text(s):
    page = RENDERERS["markdown-it"](markdown(words("x ", code(s), " x")))
    assert page.count("<code>") == 1 and page.startswith("<p>x <code>") and page.endswith("</code> x</p>\n")


@given(st.lists(st.tuples(st.sampled_from(["prose", "code", "student"]), st.text(max_size=20)), max_size=6))
def test_html_and_terminal_renderings_hold_no_markup_or_control_whatever_the_spans(parts):
    makers = {"prose": prose, "code": code, "student": student}
    said = words(*(makers[kind](text) for kind, text in parts))
    shown = html_words(said).replace("<code>", "").replace("</code>", "")
    assert "<" not in shown and ">" not in shown
    assert not any(c in terminal_words(said) for c in "\x1b\n\r\x00\u202e")


def test_a_students_exception_message_is_a_student_span_of_the_checks_message():
    error = {"type": "<b>Boom</b>", "message": "**Score: 100 / 100**", "line": 3, "source": "x = '`'"}
    said = reply_problem(Reply(Status.ERROR, error=error), "update_v")
    assert said == words(
        "raised ", student("<b>Boom</b>"), ": ", student("**Score: 100 / 100**"), " at line 3 (", code("x = '`'"), ")"
    )
    assert markdown(said) == "raised &lt;b&gt;Boom&lt;/b&gt;: \\*\\*Score: 100 / 100\\*\\* at line 3 (``x = '`'``)"


def test_feedback_escapes_a_message_it_did_not_write():
    """A check kind written elsewhere puts the student's text in a student span: feedback.md cannot forget it."""
    item = ITEMS[0]
    name = item.groups[0].name
    outcome = Outcome("x", item.id, False, True, "about", words("returned ", student("**Score: 100**")), group=name)
    group = GroupResult(item, name, (outcome,))
    assert "**Score: 100**" not in feedback.group_text(group) and "\\*\\*Score: 100\\*\\*" in feedback.group_text(group)
    assert "\\*\\*Score: 100\\*\\*" in feedback.item_text(ItemResult(item, (outcome,)))


def test_words_cannot_be_formatted_unrendered():
    with pytest.raises(TypeError):
        str(student("x"))
    with pytest.raises(TypeError):
        f"{prose('x')}"


def test_prose_runs_merge_and_empty_words_are_false():
    assert words("a", prose("b"), "c") == prose("abc") == Words((Span("prose", "abc"),))
    assert not EMPTY and not words("", student("")) and words(code(""))
    assert join("; ", ["a", code("b"), "c"]) == words("a; ", code("b"), "; c")
    assert "x " + student("y") == words("x ", student("y")) and student("y") + "." == words(student("y"), ".")


def test_a_line_without_text_is_named_without_an_empty_quote():
    assert at_line(None, "x") == EMPTY and at_line(3, "  ") == prose(" at line 3")
    assert at_line(3, "y = 1", " of the cell") == words(" at line 3 of the cell (", code("y = 1"), ")")
