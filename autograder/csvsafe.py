"""The one CSV writer for every file the project writes (grades.csv, roster.csv, every LMS export), and the
guard its readers undo.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or a carriage return)
as a formula. Every cell the project fills or derives from a student's or an LMS's text is guarded with a
leading `'` (OWASP's advice), and so is a cell that already starts with `'`, so that `unguard` gives back
exactly the text that was guarded. A cell copied from the LMS's own file is a `Raw` and is written back as
the LMS wrote it. Every reader of a file this module wrote (`roster.read`, `report.data.read_table`, so
`lms.graded_scores` too) calls `unguard` on each cell.
"""

from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


class Raw(str):
    """A cell copied from an LMS's own file: written back unchanged (the LMS wrote it, and reads it back)."""


def guard(text: object) -> str:
    """The cell for `text`: a quote before a formula's first character, or before a leading quote."""
    value = str(text)
    if isinstance(text, Raw):
        return value
    return QUOTE + value if value.startswith(FORMULA_START + (QUOTE,)) else value


def unguard(cell: str) -> str:
    """The text a guarded cell stands for (the inverse of `guard`)."""
    return cell[1:] if cell.startswith(QUOTE) else cell


def _quoted(cell: str) -> str:
    # csv.writer's minimal quoting, except that a lone carriage return is quoted too: with `\n` line ends,
    # csv.writer leaves it bare, and every reader then takes it for the end of the row.
    if any(c in cell for c in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def line(row: Sequence[object]) -> str:
    """One CSV line for `row`, every cell guarded unless it is `Raw`."""
    cells = [_quoted(guard(c)) for c in row]
    return (",".join(cells) if cells != [""] else '""') + "\n"


def render(rows: Iterable[Sequence[object]]) -> str:
    """The CSV text of `rows` (header included): `line` for each."""
    return "".join(line(row) for row in rows)
