"""Any string as printable characters: what every format starts from, and all the terminal needs.

Control characters (ANSI's ESC among them), Unicode format characters (bidi overrides that reorder a line),
line separators and the lone surrogates that a non-UTF-8 file name decodes to are written as Python escapes
(\\x1b, \\u202e, \\xe9), so the text encodes as UTF-8 and moves no cursor. It is no output format (those
are in autograder/render/, which builds on this): a message that names a student's path, such as discovery's
`UsageError`, is made printable here, wherever it is raised.
"""

import unicodedata

from autograder.words import Words

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_KEPT = frozenset("\n\t")


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def plain(text: object, keep: frozenset[str] = _KEPT) -> str:
    """`text` with every control, format and separator character (and lone surrogate) written as an escape."""
    text = str(text)
    rest = text
    for char in keep:
        rest = rest.replace(char, " ")
    if rest.isprintable():  # no character of an unsafe category (str.isprintable refuses them all): as it is
        return text
    return escaped(text, keep)


def escaped(text: str, keep: frozenset[str] = _KEPT) -> str:
    """plain's definition, a character at a time (plain skips it for text with nothing to escape)."""
    return "".join(
        _escape_char(c) if c not in keep and unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in text
    )


def terminal(text: object) -> str:
    """`text` on one printable line: safe to print on the TA's terminal."""
    return plain(text, keep=frozenset())


def terminal_words(text: Words) -> str:
    """Words on one printable terminal line: code between backticks, every span's control characters escaped."""
    return "".join(f"`{terminal(s.text)}`" if s.kind == "code" else terminal(s.text) for s in text.spans)
