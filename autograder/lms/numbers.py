"""Numbers in an LMS's own file, in the forms its locale writes them: `10.00` and `10,00`, `1,234.5` and
`1.234,5`, with a space, a no-break space or `'` between thousands (`1 234,5`).

A number is read as meant, or not at all: one separator followed by exactly three digits (`1,234`, `1.234`)
is a thousand or a decimal depending on the site's locale, so it is an error naming where it is, unless the
decimal mark is given (`--decimal point` or `--decimal comma`). Anything else that is not a number is an
error naming where it is too: a wrong grade is never written quietly.
"""

import re
from typing import Literal, get_args

from autograder.errors import UsageError

DecimalMark = Literal["point", "comma"]
DECIMAL_MARKS: tuple[DecimalMark, ...] = get_args(DecimalMark)
_CHAR: dict[DecimalMark, str] = {"point": ".", "comma": ","}
_GROUPING = re.compile(r"[ \u00a0\u202f']")
_SHAPE = re.compile(r"[+-]?\d[\d.,]*")


def _grouped(integer: str, separator: str) -> str | None:
    """`integer` without its thousands separators, or None when they are not every three digits."""
    parts = integer.split(separator)
    if not parts[0] or len(parts[0]) > 3 or any(len(p) != 3 or not p.isdigit() for p in parts[1:]):
        return None
    return "".join(parts)


def parse(text: str, where: str, decimal: DecimalMark | None = None) -> float:
    """The number `text` stands for; UsageError naming `where` (a column and line) when it is not one, or
    when it is ambiguous and `decimal` is not given."""
    cell = _GROUPING.sub("", text.strip())
    if not _SHAPE.fullmatch(cell):
        raise UsageError(f"LMS_CSV: {where} is {text!r}, not a number: correct the file or export it again")
    sign, digits = ("-", cell[1:]) if cell[0] in "+-" else ("", cell)
    mark = _CHAR[decimal] if decimal else _mark(digits, text, where)
    group = "," if mark == "." else "."
    if mark in digits:
        integer, _, fraction = digits.rpartition(mark)
        if not fraction.isdigit() or (integer and mark in integer):
            raise UsageError(f"LMS_CSV: {where} is {text!r}, not a number: correct the file or export it again")
    else:
        integer, fraction = digits, ""
    whole = _grouped(integer, group) if group in integer else integer
    if whole is None or (integer and not whole.isdigit()) or not (integer or fraction):
        raise UsageError(f"LMS_CSV: {where} is {text!r}, not a number: correct the file or export it again")
    return float(f"{sign}{whole or '0'}.{fraction or '0'}")


def _mark(digits: str, text: str, where: str) -> str:
    """The decimal mark `digits` is written with, told from its own shape."""
    points, commas = digits.count("."), digits.count(",")
    if points and commas:
        return "." if digits.rfind(".") > digits.rfind(",") else ","
    if not (points or commas):
        return "."
    separator = "." if points else ","
    if points + commas > 1:  # 1.234.567: that one groups thousands, so the mark is the other
        return "," if separator == "." else "."
    integer, fraction = digits.split(separator)
    if len(fraction) != 3 or integer in ("", "0"):
        return separator
    raise UsageError(
        f"LMS_CSV: {where} is {text!r}, which is {integer}{fraction} with a thousands separator or "
        f"{integer}.{fraction} with a decimal {'comma' if separator == ',' else 'point'}: "
        "say which with --decimal point or --decimal comma"
    )


def mark_of(texts: list[str], decimal: DecimalMark | None = None) -> DecimalMark:
    """The decimal mark a file's numbers use: `decimal` when given, else comma when one of `texts` is
    written with a decimal comma (`10,00`), else point."""
    if decimal:
        return decimal
    for text in texts:
        digits = _GROUPING.sub("", text.strip()).lstrip("+-")
        try:
            if "," in digits and _mark(digits, text, "") == ",":
                return "comma"
        except UsageError:
            continue
    return "point"


def write(value: float, mark: DecimalMark) -> str:
    """A grade as a short number in the file's own form: `6.8`, or `6,8` in a decimal-comma file."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", _CHAR[mark])
