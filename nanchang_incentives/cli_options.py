"""The options several commands share, declared once (``Annotated`` aliases for Typer).

Every value is checked when the command line is parsed: a bad one is a usage
error (exit 2) with a one-line message that names the option, the value, what
is expected and an example, e.g.
``error: --year 20245: expected a fiscal year between 1990 and 2100, e.g. --year 2024``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .errors import ValueProblem
from .money import YEAR_MAX, YEAR_MIN
from .money import parse_year as year_field
from .text import argument, visible


class OptionValueError(typer.BadParameter):
    """A bad option value; its message already names the option and the value (shown as it is)."""

    def format_message(self) -> str:
        return self.message


class Format(StrEnum):
    """What a command writes to stdout: a table for people, JSON for scripts, Markdown for reports."""

    table = "table"
    json = "json"
    markdown = "markdown"


def _choices(values: Iterable[str]) -> str:
    """["a", "b", "c"] -> "a, b or c"."""
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


E = TypeVar("E", bound=Enum)


def enum_parser(option: str, allowed: Sequence[E]) -> Callable[[Any], E]:
    """A parser of ``option``'s value: one of ``allowed`` (by value, without regard to case)."""
    names = [str(f.value) for f in allowed]

    def parse(value: Any) -> E:
        if isinstance(value, Enum) and value in allowed:
            return value  # type: ignore[return-value]
        wanted = str(value).strip().lower()
        for f in allowed:
            if str(f.value) == wanted:
                return f
        raise OptionValueError(f"{option} {visible(str(value))}: expected {_choices(names)}, "
                               f"e.g. {option} {names[-1]}")

    return parse


def choice_option(*decls: str, allowed: Sequence[Enum], help_: str) -> Any:
    """An option whose value is one of an enum's (``--layout wide|long``), checked by :func:`enum_parser`."""
    names = [str(f.value) for f in allowed]
    metavar = "|".join(names)
    if len(metavar) > METAVAR_MAX:  # the help's metavar column is narrow: it folded parquet into par / quet
        metavar = decls[0].lstrip("-").upper()
        help_ = f"{_choices(names)}: {help_[0].lower()}{help_[1:]}" if help_ else f"{_choices(names)}."
    return typer.Option(*decls, metavar=metavar, parser=enum_parser(decls[0], allowed),
                        autocompletion=lambda: names, help=help_)


#: the longest "a|b|c" an option's choices are shown as in its metavar; longer, the metavar is its name (FORMAT)
#: and the choices lead its help
METAVAR_MAX = 16


def format_option(*allowed: Format, help_: str = "") -> Any:
    """``--format/-f`` for a command that writes ``allowed`` (matched without regard to case).

    Used as ``fmt: Annotated[Format, format_option(Format.table, Format.json)] = Format.table``.
    """
    return choice_option("--format", "-f", allowed=allowed, help_=help_ or "the output format")


def parse_year(value: str | int) -> int:
    """A --year value: a fiscal year as a profile's year field reads it (``2024``, ``2024年``, ``２０２４``), within
    the years the project computes.

    >>> parse_year("2024年"), parse_year(" 2025 ")
    (2024, 2025)
    """
    try:
        return year_field(value)
    except ValueProblem:
        raise OptionValueError(f"--year {visible(str(value))}: expected a fiscal year between {YEAR_MIN} and "
                               f"{YEAR_MAX}, e.g. --year 2024") from None


def parse_date(value: str | dt.date) -> dt.date:
    """A --on value: an ISO date, or one written as in Chinese (2025年12月31日, 2025/12/31, 2025.12.31).

    >>> parse_date("2025-12-31"), parse_date("2025年12月31日"), parse_date("２０２５/1/5")
    (datetime.date(2025, 12, 31), datetime.date(2025, 12, 31), datetime.date(2025, 1, 5))
    """
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})-(\d{2})|年(\d{1,2})月(\d{1,2})日?|[/.](\d{1,2})[/.](\d{1,2}))", text)
    if m:
        year, month, day = m.group(1), *(g for g in m.groups()[1:] if g is not None)
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            pass
    raise OptionValueError(f"--on {visible(value)}: expected a date as YYYY-MM-DD (or 2024年12月31日), "
                           f"e.g. --on 2024-12-31")


def parse_jobs(value: str | int) -> int:
    """A --jobs value: a whole number of worker processes, 0 (choose) or more."""
    text = str(value).strip()
    if text.isdigit() and int(text) <= 256:
        return int(text)
    raise OptionValueError(f"--jobs {visible(str(value))}: expected a number of worker processes from 0 (choose) "
                           f"to 256, e.g. --jobs 2")


#: suffixes whose programs would misread the errors file, which is always CSV
NOT_CSV_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".parquet", ".jsonl", ".ndjson", ".json")


def _named_as(option: str, value: Any, refused: Sequence[str], what: str, suffix: str, tag: str = "") -> Path:
    """``option FILE`` for an output always written as ``suffix``: a name that promises another format is a
    usage error that gives the name to use (its directory kept, quoted when it has a space); ``tag``: added to
    a name that does not say what the file is (``--errors in2.xlsx`` -> ``in2.errors.csv``, not ``in2.csv``,
    which may be the input itself)."""
    if isinstance(value, str) and not value:  # Path("") is ".", the directory
        raise typer.BadParameter("the path is empty")
    path = Path(value)
    if path.suffix.lower() in refused:
        named = tag and not any(w in path.stem.casefold() for w in (tag, "error", "bad", "错误", "问题"))
        shown = path.with_name(f"{path.stem}.{tag}{suffix}") if named else path.with_suffix(suffix)
        raise OptionValueError(f"{option} {visible(str(value))}: {what}; expected a name ending in {suffix}, e.g. "
                               f"{option} {argument(str(shown))}")
    return path


def parse_errors_path(value: Any) -> Path:
    """``--errors FILE``: the errors file is CSV, so a name that promises another format (``bad.xlsx``, which
    Excel would refuse to open) is a usage error.

    >>> parse_errors_path("bad_rows.csv")
    PosixPath('bad_rows.csv')
    """
    return _named_as("--errors", value, NOT_CSV_SUFFIXES, "the errors file is CSV", ".csv", "errors")


#: names that promise another format than the JSON --summary-json writes
NOT_JSON_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".parquet", ".jsonl", ".ndjson", ".txt", ".toml", ".md")


def parse_summary_path(value: Any) -> Path:
    """``--summary-json FILE``: one JSON document, so a name that promises another format is a usage error.

    >>> parse_summary_path("summary.json")
    PosixPath('summary.json')
    """
    return _named_as("--summary-json", value, NOT_JSON_SUFFIXES, "the summary is one JSON document", ".json")


def parse_encoding(value: str) -> str:
    """An --encoding value: a text encoding Python knows in which commas and line breaks are single bytes."""
    try:
        info = codecs.lookup(value.strip())
        # rot13, base64, zlib … are codecs but not text encodings (str.encode refuses them: LookupError); idna
        # refuses a comma (UnicodeError)
        ok = getattr(info, "_is_text_encoding", True) and "a,\r\n".encode(info.name, errors="replace") == b"a,\r\n"
    except (LookupError, ValueError, TypeError):  # (UnicodeError is a ValueError)
        ok = False
    if not ok:
        raise OptionValueError(f"--encoding {visible(value)}: expected utf-8, utf-8-sig, gb18030 or gbk, "
                               f"e.g. --encoding gbk")
    return value.strip()


def split_names(values: Sequence[str] | None) -> list[str]:
    """Repeated options and comma lists alike: ["a,b", " c "] -> ["a", "b", "c"] (also "，" and "、")."""
    out: list[str] = []
    for value in values or ():
        out += [part.strip() for part in re.split(r"[,，、]", value) if part.strip()]
    return out


NAMES_HELP = ("a policy id, a jurisdiction (nanchang) or its Chinese name (南昌, 武汉, 北京), or an unambiguous "
              "prefix of one; repeat the option or separate names with commas")

#: --policies-dir DIR (repeatable)
PoliciesDir = Annotated[list[Path] | None, typer.Option(
    "--policies-dir", metavar="DIR",
    help="Extra policy tables, repeatable (also $INCENTIVES_POLICIES_DIR); a table there may replace a bundled id.")]

def year_option(of: str) -> Any:
    """``--year YEAR``, which overrides the year of ``of`` ("the profile"; batch: "every row")."""
    return typer.Option("--year", metavar="YEAR", parser=parse_year,
                        help=f"Fiscal year {YEAR_MIN}–{YEAR_MAX}; overrides the year of {of}.")


#: --year YEAR of calc, compare and explore
Year = Annotated[int | None, year_option("the profile")]

def quiet_option(help_: str) -> Any:
    """``--quiet/-q``, with what it leaves out for the command that takes it (batch and policies validate differ).

    Used as ``quiet: Annotated[bool, quiet_option("...")] = False``.
    """
    return typer.Option("--quiet", "-q", help=help_)

#: --policy / -p NAME (repeatable, comma lists)
Policies = Annotated[list[str] | None, typer.Option(
    "--policy", "-p", metavar="NAME",
    help=f"Policies to apply: {NAMES_HELP}. Default: the company's own jurisdiction.")]

#: --ignore-validity
IgnoreValidity = Annotated[bool, typer.Option(
    "--ignore-validity", help="Compute years outside a policy's validity (labelled HYPOTHETICAL).")]


def parse_lang(value: str) -> str:
    """A --lang value: en or zh (zh-CN, zh_CN.UTF-8 … too)."""
    from .fields import output_lang

    try:
        return output_lang(value).value
    except ValueProblem:
        raise OptionValueError(f"--lang {visible(value)}: expected en or zh, e.g. --lang zh") from None


def lang_option(what: str, unchanged: str) -> Any:
    """``--lang en|zh`` (also $INCENTIVES_LANG): ``what`` it words in that language, and what it leaves as is."""
    return typer.Option("--lang", metavar="en|zh", parser=parse_lang,
                        help=f"Language of {what}: en or zh (also $INCENTIVES_LANG); {unchanged}.")


#: batch's --lang: the language of headings; JSON keys never change
LangOption = Annotated[str | None, lang_option("table headings and CSV/xlsx column names", "JSON keys never change")]


#: --set FIELD=VALUE (repeatable): calc and compare's what-if
Settings = Annotated[list[str] | None, typer.Option(
    "--set", "-s", metavar="FIELD=VALUE",
    help="What if: change a profile field (any field, also its Chinese name; the value as in the TOML, e.g. "
         "--set rd_staff=120 --set 研发费用=1.2亿; FIELD= removes it) and show each clause beside the unchanged "
         "profile. Repeatable.")]
