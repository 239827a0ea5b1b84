"""The safe expression language of policy tables (nanchang_incentives.expr).

Parsing only (never eval), a whitelist of node types, exact rationals over
columns, and three-valued (Kleene) logic for missing inputs.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from nanchang_incentives import expr
from nanchang_incentives.engine import to_fen
from nanchang_incentives.errors import ExpressionError
from nanchang_incentives.expr import Bool, Num

MONEY_DEN = 10_000  # money columns: units of 1/10000 yuan
RATE_DEN = 1_000_000  # rate columns: millionths

KINDS = {"x": expr.NUMBER, "y": expr.NUMBER, "z": expr.NUMBER, "rate": expr.NUMBER,
         "a": expr.BOOL, "b": expr.BOOL, "industries": expr.TAGS}


def kind_of(name: str) -> str | None:
    return KINDS.get(name)


class Ctx:
    """Columns for the names above; ``known`` False marks a missing value."""

    def __init__(self, **columns: Num | Bool):
        self.columns = columns
        self.tags: dict[str, list[set[str] | None]] = {}

    def value(self, name: str) -> Num | Bool:
        return self.columns[name]

    def has_tag(self, name: str, tag: str) -> Bool:
        rows = self.tags[name]
        return Bool(np.array([bool(r) and tag in r for r in rows]), np.array([r is not None for r in rows]))


def money(*yuan: int | None) -> Num:
    """A money column; None is a missing value."""
    vals = np.array([0 if v is None else v * MONEY_DEN for v in yuan], dtype=np.int64)
    known = np.array([v is not None for v in yuan])
    return Num(vals, MONEY_DEN, known, 10**17)


def flags(*values: bool | None) -> Bool:
    return Bool(np.array([bool(v) for v in values]), np.array([v is not None for v in values]))


def const(text: str) -> Fraction:
    value = expr.constant_value(expr.parse(text, kind_of))
    assert value is not None
    return value


def run(text: str, ctx: Ctx) -> Num | Bool:
    return expr.evaluate(expr.parse(text, kind_of).tree, ctx)


def fractions(v: Num) -> list[Fraction]:
    return [Fraction(int(n), v.den) for n in np.atleast_1d(v.num)]


def three(b: Bool) -> list[bool | None]:
    """Kleene values per row: True, False or None (unknown)."""
    val, known = np.atleast_1d(b.val), np.atleast_1d(b.known)
    return [bool(v) if k else None for v, k in zip(val, known)]


# ---------------------------------------------------------------- literals


@pytest.mark.parametrize("text,value", [
    ("20亿", Fraction(2_000_000_000)),
    ("1亿", Fraction(100_000_000)),
    ("2000万", Fraction(20_000_000)),
    ("1.5万", Fraction(15_000)),
    ("2.5亿", Fraction(250_000_000)),
    ("50%", Fraction(1, 2)),
    ("0.5%", Fraction(1, 200)),
    ("3.45%", Fraction(69, 2000)),
    ("50% * 3.45%", Fraction(69, 4000)),  # 1.725%
    ("1亿 + 1万 - 1", Fraction(100_009_999)),
    ("100 / 3", Fraction(100, 3)),  # exact, not 33.333…
    ("-5", Fraction(-5)),
    ("min(3, 1, 2)", Fraction(1)),
    ("max(1亿, 5000万)", Fraction(100_000_000)),
    ("0.1 + 0.2", Fraction(3, 10)),  # exactly 0.3, unlike binary floating point
])
def test_literal_values(text: str, value: Fraction) -> None:
    assert const(text) == value


def test_preprocess_rewrites_units_only_on_number_tokens() -> None:
    assert expr.preprocess("revenue >= 20亿 and x < 50%") == "revenue >= (20*100000000) and x < (50/100)"


# ---------------------------------------------------------------- exact arithmetic


def test_comparison_at_threshold_is_inclusive_and_exact() -> None:
    # x − y ≥ 1亿 with x − y exactly 1亿, and one fen short
    ctx = Ctx(x=Num(np.array([6 * 10**8 * MONEY_DEN, 599_999_999_99 * 100]), MONEY_DEN, np.array([True, True]),
                    10**17),
              y=money(500_000_000, 500_000_000))
    assert three(run("x - y >= 1亿", ctx)) == [True, False]  # type: ignore[arg-type]
    assert three(run("x - y > 1亿", ctx)) == [False, False]  # type: ignore[arg-type]


def test_ten_trillion_times_rate_is_exact_beyond_int64() -> None:
    # 10万亿 yuan = 10^13 yuan = 10^17 units; × 4.85% (48,500 millionths): 10^17 × 48,500 = 4.85 × 10^21,
    # beyond int64 (9.2 × 10^18), so the column must be promoted and stay exact:
    # 10^13 × 0.0485 = 485,000,000,000 yuan = 48,500,000,000,000 fen
    rate = Num(np.array([48_500]), RATE_DEN, np.array([True]), RATE_DEN)
    ctx = Ctx(x=money(10**13), rate=rate)
    v = run("x * rate", ctx)
    assert isinstance(v, Num)
    assert fractions(v) == [Fraction(485_000_000_000)]
    assert to_fen(v, 1).tolist() == [48_500_000_000_000]
    assert three(run("x * rate >= 4850亿", ctx)) == [True]  # type: ignore[arg-type]
    assert three(run("x * rate > 4850亿", ctx)) == [False]  # type: ignore[arg-type]


def test_large_products_of_fields_stay_exact() -> None:
    # (10^13 − 1) × (10^13 − 1) = 99,999,999,999,980,000,000,000,001 exactly
    ctx = Ctx(x=money(10**13 - 1), y=money(10**13 - 1))
    v = run("x * y", ctx)
    assert isinstance(v, Num)
    assert fractions(v) == [Fraction((10**13 - 1) ** 2)]


def test_to_fen_rounds_half_up() -> None:
    # 364,533.00 × 0.5% = 1,822.665 yuan -> 182,267 fen; 0.01 × 50% = 0.005 -> 1 fen
    ctx = Ctx(x=money(364_533))
    assert to_fen(run("x * 0.5%", ctx), 1).tolist() == [182_267]  # type: ignore[arg-type]
    half_fen = Num(np.array([100]), MONEY_DEN, np.array([True]), 10**17)  # 0.01 yuan
    assert to_fen(expr.evaluate(expr.parse("x * 50%", kind_of).tree, Ctx(x=half_fen)), 1).tolist() == [1]  # type: ignore[arg-type]


def test_min_max_over_columns() -> None:
    ctx = Ctx(x=money(1, 500, 300), y=money(200, 200, 300))
    assert fractions(run("min(x, y)", ctx)) == [1, 200, 300]  # type: ignore[arg-type]
    assert fractions(run("max(x, y, 250)", ctx)) == [250, 500, 300]  # type: ignore[arg-type]


def test_missing_number_makes_the_comparison_unknown() -> None:
    ctx = Ctx(x=money(5, None), y=money(1, 1))
    assert three(run("x >= y", ctx)) == [True, None]  # type: ignore[arg-type]
    assert three(run("x + y >= 0", ctx)) == [True, None]  # type: ignore[arg-type]


# ---------------------------------------------------------------- Kleene logic

T, F, U = True, False, None
ROWS = [(p, q) for p in (T, F, U) for q in (T, F, U)]


def _and(p: bool | None, q: bool | None) -> bool | None:
    if p is False or q is False:
        return False
    if p is None or q is None:
        return None
    return True


def _or(p: bool | None, q: bool | None) -> bool | None:
    if p is True or q is True:
        return True
    if p is None or q is None:
        return None
    return False


def kleene_ctx() -> Ctx:
    return Ctx(a=flags(*(p for p, _ in ROWS)), b=flags(*(q for _, q in ROWS)))


def test_kleene_and_truth_table() -> None:
    assert three(run("a and b", kleene_ctx())) == [_and(p, q) for p, q in ROWS]  # type: ignore[arg-type]


def test_kleene_or_truth_table() -> None:
    assert three(run("a or b", kleene_ctx())) == [_or(p, q) for p, q in ROWS]  # type: ignore[arg-type]


def test_kleene_not() -> None:
    assert three(run("not a", kleene_ctx())) == [None if p is None else not p for p, _ in ROWS]  # type: ignore[arg-type]


def test_missing_value_decided_by_the_other_side() -> None:
    # "is_fortune500 or investment >= 10亿" with the flag missing and 10亿 exactly: true
    ctx = Ctx(a=flags(None, None, False), x=money(1_000_000_000, 999_999_999, None))
    assert three(run("a or x >= 10亿", ctx)) == [True, None, None]  # type: ignore[arg-type]
    assert three(run("a and x >= 10亿", ctx)) == [None, False, False]  # type: ignore[arg-type]


def test_tag_membership() -> None:
    ctx = Ctx()
    ctx.tags["industries"] = [{"electronic-information", "led"}, {"software"}, None]
    assert three(run('"led" in industries', ctx)) == [True, False, None]  # type: ignore[arg-type]


# ---------------------------------------------------------------- type checks


def test_kinds_and_names() -> None:
    e = expr.parse("x - y >= 1亿 and not a", kind_of)
    assert e.kind == expr.BOOL
    assert e.names == frozenset({"x", "y", "a"})
    assert expr.parse("x * 50%", kind_of).kind == expr.NUMBER


@pytest.mark.parametrize("text,want", [("x >= 1", expr.NUMBER), ("x * 2", expr.BOOL)])
def test_wrong_kind_for_the_place_is_rejected(text: str, want: str) -> None:
    with pytest.raises(ExpressionError, match="expected here"):
        expr.parse(text, kind_of, want=want)


@pytest.mark.parametrize("text,message", [
    ("unknown_field > 0", "unknown field"),
    ("a + 1", "arithmetic needs numbers"),
    ("x and a", "need conditions"),
    ("a >= b", "only be compared with == or !="),
    ("x >= a", "cannot compare"),
    ("industries > 0", "list of tags"),
    ('"led" in x', "not a list of tags"),
    ("x / y", "division is allowed only by a non-zero constant"),
    ("x / 0", "division is allowed only by a non-zero constant"),
    ("1 <= x <= 3", "chained comparisons"),
])
def test_type_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        expr.parse(text, kind_of)


# ---------------------------------------------------------------- rejections (safety)


@pytest.mark.parametrize("text", [
    "x.real",  # attribute access
    "x.__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "__import__('os').system('true')",  # calls other than min/max
    "open('/etc/passwd')",
    "eval('1')",
    "abs(x)",
    "min(x, key=y)",  # keywords
    "min()",
    "x[0]",  # subscripts
    "lambda: 1",  # lambda
    "_x > 0",  # names starting with _
    "__builtins__",
    "'text'",  # strings
    "x ** 2",  # power
    "x // 2",  # floor division
    "x % 2",  # modulo
    "x if a else y",  # conditional expression
    "[x, y]",  # list
    "{x: y}",  # dict
    "(x, y)",  # tuple
    "x := 1",  # walrus
    "f'{x}'",  # f-string
    "x is None",  # identity
    "x in y",  # 'in' with a non-string
    "1e999999999 > x",  # a 10**999999999 literal must be refused, not built
    "99999999999999999999999999 > x",  # literal too large
    "",
    "   ",
])
def test_rejected(text: str) -> None:
    with pytest.raises(ExpressionError):
        expr.parse(text, kind_of)


def test_too_long_is_rejected() -> None:
    text = " + ".join(["x"] * 150)  # 598 characters
    assert len(text) > expr.MAX_TEXT
    with pytest.raises(ExpressionError, match="characters long"):
        expr.parse(text, kind_of)


def test_too_many_parts_is_rejected() -> None:
    text = "+".join(["x"] * 100)  # short text, but 199+ nodes
    assert len(text) <= expr.MAX_TEXT
    with pytest.raises(ExpressionError, match="too complex"):
        expr.parse(text, kind_of)


def test_too_deep_is_rejected() -> None:
    text = "-(" * 20 + "x" + ")" * 20
    assert len(text) <= expr.MAX_TEXT
    with pytest.raises(ExpressionError, match="nested too deeply"):
        expr.parse(text, kind_of)


def test_nesting_within_the_limit_is_accepted() -> None:
    text = "-(" * 10 + "x" + ")" * 10  # -(-(…x…)) ten times = x
    v = expr.evaluate(expr.parse(text, kind_of).tree, Ctx(x=money(7)))
    assert fractions(v) == [7]  # type: ignore[arg-type]


def test_non_string_is_rejected() -> None:
    with pytest.raises(ExpressionError):
        expr.parse(5, kind_of)  # type: ignore[arg-type]
