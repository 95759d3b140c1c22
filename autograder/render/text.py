"""Student text is text: the one place that escapes what a submission controls, for each place it is shown.

A submission controls its file's name, what it prints, its exceptions' class names and messages, its source
lines, and the values (type names, dtypes, shapes) its functions send back. None of it may become markup or
terminal control: a fake "**Score: 100 / 100**" line or table, an `<img>` tracker, a `<script>` tag, a
``` that closes a fence early, or an ANSI escape reaches the reader as the characters it is made of.

Whoever writes student text into a message, feedback.md, results.json (Gradescope renders its outputs as
Markdown, that is HTML), report.html or the terminal passes it through one of these:

- `plain(s)` and `terminal(s)` (autograder/printable.py, where discovery's messages use them too):
  any string as printable text. Control characters (ANSI's ESC among them), Unicode format
  characters (bidi overrides that reorder a line), line separators and the lone surrogates that a non-UTF-8
  file name decodes to are written as Python escapes (\\x1b, \\u202e, \\xe9), so the text encodes as UTF-8
  and moves no cursor. Newlines and tabs are kept.
- `terminal(s)`: `plain`, on one line (newlines and tabs escaped too): for the TA's terminal.
- `md(s)`: inline Markdown that renders as exactly `plain(s)` on one line, in CommonMark, GitHub's and
  Gradescope's renderers: HTML's `<`, `>`, `&` as entities; emphasis, links, tables, strikethrough and code
  markers backslash-escaped; a block marker at the start escaped.
- `md_code(s)`: an inline code span holding `plain(s)` on one line, whatever backticks it contains.
- `md_block(s)`: a fenced code block holding `plain(s)`, with a fence longer than any run of backticks in it.
- `html(s)`: `plain(s)` escaped for HTML text and attribute values.

Messages in results (`Outcome.message`, a diagnosis's words) are `autograder.words.Words`: typed spans of
the grader's prose, code and student text, with no markup. Each format renders them here: `markdown(w)`
(feedback.md, results.json), `terminal_words(w)` and `html_words(w)`, escaping every code and student span.
A load error's message (`load_error["message"]`) is plain text, escaped whole when rendered.
"""

import html as _html
import re

from autograder import words
from autograder.printable import plain as plain
from autograder.printable import terminal as terminal
from autograder.printable import terminal_words as terminal_words
from autograder.words import Words

# Inline Markdown: "\" and what starts emphasis, code, links and images, tables, strikethrough. An "_"
# inside a word (second_moment) cannot start emphasis, so it stays as it is, readable in the raw file.
_MD_INLINE = re.compile(r"([\\`*\[\]|~]|_(?![^\W_])|(?<![^\W_])_)")
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(?=://)|@|(?<=www)\.", re.IGNORECASE)
# What starts a block at the beginning of a line: a heading, quote, list, thematic break, setext underline.
_MD_BLOCK_START = re.compile(r"^(\s*\d*)([#>+\-*=.)])")


def md(text: object) -> str:
    """Inline Markdown that renders as the text itself, on one line."""
    one_line = " ".join(plain(text).split("\n")).replace("\t", " ")
    escaped = _MD_INLINE.sub(r"\\\1", one_line)
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # GitHub's and mistune's autolinks (http://..., www...., a@b.c) would make the student's text a link.
    escaped = _AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped, count=1)


def _longest_run(text: str, char: str = "`") -> int:
    return max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)


def md_code(text: object) -> str:
    """An inline code span that shows the text itself, on one line, whatever backticks it holds."""
    body = " ".join(plain(text).split("\n")).replace("\t", " ")
    if not body.strip():  # all spaces (or nothing): CommonMark keeps such a span as it is
        return f"`{body or ' '}`"
    ticks = "`" * (_longest_run(body) + 1)
    # CommonMark strips one space from each side of a span's content, and a leading or trailing
    # backtick would join the fence: pad so that neither happens.
    pad = " " if body[0] in "` " or body[-1] in "` " else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def at_line(line: int | None, source: object, of: str = "") -> str:
    """`words.at_line` in Markdown: " at line N`of` (`source`)", or "" without a line number."""
    return markdown(words.at_line(line, source, of))


def md_block(text: object, info: str = "") -> str:
    """A fenced code block that shows the text itself: no line of it can close the fence."""
    body = plain(text).rstrip("\n")
    fence = "`" * max(3, _longest_run(body) + 1)
    return f"{fence}{info}\n{body}\n{fence}" if body else f"{fence}{info}\n{fence}"


def html(text: object) -> str:
    """The text escaped for HTML, in an element or in a quoted attribute value."""
    return _html.escape(plain(text), quote=True)


def markdown(text: Words) -> str:
    """Words as inline Markdown: prose as the grader wrote it, code as a code span, student text escaped."""
    out = []
    for span in text.spans:
        if span.kind == "prose":
            out.append(span.text)
        elif span.kind == "code":
            out.append(md_code(span.text))
        else:
            out.append(md(span.text))
    return "".join(out)


def html_words(text: Words) -> str:
    """Words as HTML text: code in `<code>`, every span escaped."""
    return "".join(f"<code>{html(s.text)}</code>" if s.kind == "code" else html(s.text) for s in text.spans)
