"""The project's own error types.

Every failure a user can cause (a bad profile, a bad CSV row, a bad policy
table, a bad command-line value) is one of these, with a message that says
where (file, line or row), which field, what was expected and an example.
The CLI turns them into exit code 1 and never prints a traceback for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn


class IncentivesError(Exception):
    """Base class: anything the user can fix by changing their input."""


@dataclass
class Location:
    """Where a problem is: file, line (TOML) or row (CSV), and field/key."""

    file: str | None = None
    line: int | None = None
    row: int | None = None
    field: str | None = None
    clause: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if where:
            parts.append(where)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.clause:
            parts.append(f"clause {self.clause!r}")
        if self.field:  # a command-line option (--output, --sheet) is named as one, never as a field
            parts.append(f"option {self.field}" if self.field.startswith("--") else f"field {self.field!r}")
        return ", ".join(parts)


def raise_unheld(error: BaseException) -> NoReturn:
    """Raise ``error`` with no frame on the way holding it (pass it as an expression, not a variable).

    An exception kept in a local of a frame its traceback passes through
    (``problems = [...]; raise problems[0]``) makes a reference cycle: the
    frame, and through ``f_back`` every caller's frame with its locals, stay
    alive after the exception is handled until a full garbage collection.  In
    ``batch`` that kept a whole block's columns (~25 MB) alive per bad cell,
    and the process grew to 230 MB.
    """
    try:
        raise error
    finally:
        del error


class ValueProblem(IncentivesError):
    """A single value could not be read (no location yet: the caller adds it)."""


class LocatedError(IncentivesError):
    """An error with a place: its text is "<where>: <message>"."""

    def __init__(self, message: str, location: Location | None = None):
        self.message = message
        self.location = location or Location()
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message)

    def rename_file(self, old: str, new: str) -> None:
        """Say ``new`` wherever the error says the file ``old`` (a temporary copy of standard input)."""
        if self.location.file == old:
            self.location.file = new
        self.message = self.message.replace(old, new)
        where = str(self.location)
        self.args = (f"{where}: {self.message}" if where else self.message,)


class InputError(LocatedError):
    """A company profile, CSV row or option is wrong."""


class OptionError(InputError):
    """A value given on the command line names nothing known (an unknown or ambiguous policy or city).

    The CLI treats it as a usage error (exit 2); through the API it is an InputError like any other.
    """


class PolicyError(LocatedError):
    """A policy table is malformed (or asks for something it may not)."""


class ExpressionError(IncentivesError):
    """A condition or formula in a policy table is not valid."""


#: the engine's two refusals, worded here so that the engine module holds no sentences
OVERFLOW_MESSAGE = ("an amount of more than 10,000,000,000,000 yuan, the largest the tool handles: check the "
                    "value (a unit such as 万/亿, or a count) and the policy's formula")
MISSING_YEAR = "every company needs a year (or pass --year)"
