"""Dates as an LMS writes them for people: Moodle's `userdate`, in the site's language and the downloading
user's time zone, with no offset.

Moodle's grading worksheet writes "Last modified (submission)" with `userdate(time)`, whose default format
is the language pack's `strftimedaydatetime`, with the leading zero taken off the day and the 12-hour hour:

    English     %A, %d %B %Y, %I:%M %p      Monday, 1 February 2027, 9:14 PM
    German      %A, %d. %B %Y, %H:%M        Montag, 1. Februar 2027, 21:14
    French      %A %d %B %Y, %H:%M          lundi 1 février 2027, 21:14
    Spanish     %A, %d de %B de %Y, %H:%M   lunes, 1 de febrero de 2027, 21:14

and "-" where the student has no submission. `moodle_time` reads that shape with the month and weekday
names of the languages below; the weekday must be the date's own, which rules out a misreading. A time
is read in the zone the TA names, and refused where that wall time is ambiguous (it happened twice when the
clocks went back) or never happened (they went forward). Moodle writes minutes only: a submission within
the due minute reads as on time.
"""

import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

#: Month (%B) and weekday (%A) names, January and Monday first, of the languages read.
_MONTHS = {
    "English": "january february march april may june july august september october november december",
    "German": "januar februar märz april mai juni juli august september oktober november dezember",
    "French": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "Spanish": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "Italian": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "Portuguese": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "Dutch": "januari februari maart april mei juni juli augustus september oktober november december",
}
_WEEKDAYS = {
    "English": "monday tuesday wednesday thursday friday saturday sunday",
    "German": "montag dienstag mittwoch donnerstag freitag samstag sonntag",
    "French": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "Spanish": "lunes martes miércoles jueves viernes sábado domingo",
    "Italian": "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "Portuguese": "segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo",
    "Dutch": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
}
LANGUAGES = tuple(_MONTHS)


def _numbered(names: dict[str, str], first: int) -> dict[str, int]:
    return {name: n for words in names.values() for n, name in enumerate(words.split(), start=first)}


MONTHS, WEEKDAYS = _numbered(_MONTHS, 1), _numbered(_WEEKDAYS, 0)

_SHAPE = re.compile(
    r"(?:(?P<weekday>[^\W\d_]+(?:-[^\W\d_]+)?),?\s+)?"  # Monday, / Montag, / lundi / segunda-feira,
    r"(?P<day>\d{1,2})\.?\s+(?:de\s+)?"  # 1 / 1. / 1 de
    r"(?P<month>[^\W\d_]+)\s+(?:de\s+)?"  # February / Februar / febrero de
    r"(?P<year>\d{4}),?\s+"
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:\s*(?P<half>[ap])\.?\s?m\.?)?",  # PM / p. m.
    re.IGNORECASE,
)


class Unreadable(ValueError):
    """Not a date in the shape Moodle writes one, in a language read here."""


class NotOneTime(ValueError):
    """A wall time that names no single moment in the zone: twice, or never (a clock change)."""


def moodle_time(text: str, zone: ZoneInfo) -> datetime | None:
    """The moment a worksheet cell names, in `zone`; None for "-" or "" (no submission). Unreadable or
    NotOneTime, saying why, otherwise."""
    cell = " ".join(unicodedata.normalize("NFC", text).replace("\u202f", " ").split())
    if cell in ("", "-"):
        return None
    found = _SHAPE.fullmatch(cell)
    if not found:
        raise Unreadable(f"{text!r} is not a date as Moodle writes one (e.g. 'Monday, 1 February 2027, 9:14 PM')")
    month = MONTHS.get(found["month"].casefold())
    if month is None:
        raise Unreadable(f"{text!r}: {found['month']!r} is no month name in {', '.join(LANGUAGES)}")
    hour, minute = int(found["hour"]), int(found["minute"])
    if found["half"]:
        if not 1 <= hour <= 12:
            raise Unreadable(f"{text!r}: {hour} is no hour of a 12-hour clock")
        hour = hour % 12 + (12 if found["half"].lower() == "p" else 0)
    try:
        wall = datetime(int(found["year"]), month, int(found["day"]), hour, minute)
    except ValueError as err:
        raise Unreadable(f"{text!r}: {err}") from None
    if found["weekday"]:
        weekday = WEEKDAYS.get(found["weekday"].casefold())
        if weekday is None:
            raise Unreadable(f"{text!r}: {found['weekday']!r} is no weekday name in {', '.join(LANGUAGES)}")
        if weekday != wall.weekday():
            raise Unreadable(f"{text!r}: {wall.day} {wall:%B %Y} was a {wall:%A}, not a {found['weekday']}")
    early, late = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        if all(_on_the_clock(t, zone) == wall for t in (early, late)):
            raise NotOneTime(f"{text!r} happened twice in {zone} (the clocks went back): which is not said")
        raise NotOneTime(f"{text!r} never happened in {zone} (the clocks went forward)")
    return early


def _on_the_clock(moment: datetime, zone: ZoneInfo) -> datetime:
    """What a clock in `zone` showed at `moment` (via UTC: astimezone to its own zone changes nothing)."""
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
