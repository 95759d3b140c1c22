"""Words: what the grader says to a person, as plain data that no output format has touched yet.

A check's message, a diagnosis's hint or a contract slip is written once, while judging, and read by
every renderer: feedback.md and Gradescope's results.json (Markdown), the TA's terminal and report.html.
So it is not a string of Markdown but a `Words` value, a tuple of typed spans, and each renderer turns
the spans into its own format (autograder/render/text.py: `markdown`, `terminal_words`, `html_words`):

- `prose`: the grader's own words, written in this repository (a check's `about`, a band such as "is 2
  to 10 times too large", a formula the grader printed). Markdown shows prose as it is written, so the
  grader's prose carries no markup of its own: emphasis, headings and tables belong to the renderer.
- `code`: something to be read as code (a call such as `update_v(0.0, 1.0)`, a name such as `np.sqrt`,
  the student's source line). Every renderer escapes it: an inline code span that no backtick in it can
  close, `<code>` with HTML escaped, or the escaped characters on the terminal.
- `student`: text the submission controls (an exception's class name and message, a type name or dtype
  it sent back, a file name). Every renderer escapes it as text: a fake "**Score: 100**", a `<script>`,
  a backtick or an ANSI escape reaches the reader as the characters it is made of.

Everything a submission controls goes in a `student` or a `code` span, never in prose, so no renderer can
forget to escape it: a renderer only ever passes prose through. `str()` of a Words raises, so it cannot
slip into an f-string unrendered either.

Building words: `words("returned a ", student(type_name), ", not a number")` (a str part is prose), `+`
with a str or another Words, `join("; ", parts)`. Adjacent prose merges, so two ways of writing the same
prose compare equal. `EMPTY` is no words at all, and false.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

#: What a span is: the grader's prose, code, or text the student's submission controls.
SpanKind = Literal["prose", "code", "student"]


@dataclass(frozen=True, slots=True)
class Span:
    """One run of text of one kind."""

    kind: SpanKind
    text: str


@dataclass(frozen=True, slots=True)
class Words:
    """Text for a person as typed spans (see the module docstring); immutable and hashable."""

    spans: tuple[Span, ...] = ()

    def __add__(self, other: Words | str) -> Words:
        return words(self, other)

    def __radd__(self, other: str) -> Words:
        return words(other, self)

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __str__(self) -> str:
        raise TypeError("Words are rendered for a format (autograder/render/text.py), never str()-ed")


EMPTY = Words()


def _merged(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Prose runs joined, empty prose and student runs dropped. Code and student runs stay as they were
    written: two code spans are not one, and Markdown escapes a student run by where it starts."""
    out: list[Span] = []
    for span in spans:
        if not span.text and span.kind != "code":
            continue
        if out and span.kind == "prose" and out[-1].kind == "prose":
            out[-1] = Span("prose", out[-1].text + span.text)
        else:
            out.append(span)
    return tuple(out)


def words(*parts: Words | str) -> Words:
    """The parts one after the other; a str part is the grader's prose."""
    spans: list[Span] = []
    for part in parts:
        if isinstance(part, Words):
            spans.extend(part.spans)
        else:
            spans.append(Span("prose", part))
    return Words(_merged(spans))


def prose(text: str) -> Words:
    """The grader's own words."""
    return Words(_merged([Span("prose", text)]))


def code(text: object) -> Words:
    """Text to be read as code; escaped by every renderer. Empty text is kept (an empty code span)."""
    return Words((Span("code", str(text)),))


def student(text: object) -> Words:
    """Text the submission controls (str() of it); escaped by every renderer."""
    return Words(_merged([Span("student", str(text))]))


def join(separator: Words | str, parts: Iterable[Words | str]) -> Words:
    """The parts with the separator between each two."""
    out: list[Words | str] = []
    for i, part in enumerate(parts):
        if i:
            out.append(separator)
        out.append(part)
    return words(*out)


def at_line(line: int | None, source: object, of: str = "") -> Words:
    """ " at line N`of` (`source`)": where a student's error was raised, the line quoted as code only when
    it has text (a file changed since, or memory too short to read it, leaves none); no words without a
    line number."""
    if not line:
        return EMPTY
    if not str(source or "").strip():
        return prose(f" at line {line}{of}")
    return words(f" at line {line}{of} (", code(source), ")")
