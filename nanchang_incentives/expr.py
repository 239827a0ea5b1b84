"""The small, safe language of conditions and formulas in policy tables.

A policy writes ``revenue - revenue_prev >= 1亿`` or ``local_project_loans``
with rate ``50% * lpr_1y``.  The text is parsed with Python's ``ast`` module
(parsing only: nothing is ever evaluated by Python) and every node is checked
against a short whitelist: numbers, ``万``/``亿``/``%`` literals, field names,
``+ - * /`` (division by a constant only), comparisons, ``and``/``or``/``not``,
``"tag" in industries``, ``min(...)``/``max(...)``.  Anything else (attribute
access, subscripts, calls to other names, imports, dunder names, lambdas, huge
literals, deep nesting) is rejected with a message.

Evaluation is vectorised: a name stands for a whole column of companies.
Numbers are exact rationals held as an integer array (``num``) over one
integer denominator (``den``) per expression, so money never passes through
binary floating point; where an int64 product could overflow the arrays are
promoted to Python integers (exact, slower).  Booleans use three-valued
(Kleene) logic so that a missing field makes a condition *unknown* rather
than false, unless the other side already decides it.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Protocol

import numpy as np

from .errors import ExpressionError
from .text import compiled_later

MAX_TEXT = 400
MAX_NODES = 120
MAX_DEPTH = 16
MAX_LITERAL = Fraction(10**16)
INT64_SAFE = 2**62

# value kinds
NUMBER = "number"
BOOL = "bool"
TAGS = "tags"

_MAGNITUDE = compiled_later(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(亿|万)")
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*%")


def preprocess(text: str) -> str:
    """Rewrite 万/亿/% literals into plain arithmetic the parser understands.

    >>> preprocess("revenue >= 20亿 and x < 50%")
    'revenue >= (20*100000000) and x < (50/100)'
    """
    text = _MAGNITUDE().sub(lambda m: f"({m.group(1)}*{100_000_000 if m.group(2) == '亿' else 10_000})", text)
    return _PERCENT.sub(lambda m: f"({m.group(1)}/100)", text)


# ---------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class Const(Node):
    value: Fraction


@dataclass(frozen=True)
class BoolConst(Node):
    value: bool


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class BinOp(Node):
    op: str  # + - * /
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str  # >= > <= < == !=
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # and / or
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class HasTag(Node):
    tag: str
    name: str


@dataclass(frozen=True)
class Call(Node):
    func: str  # min / max
    args: tuple[Node, ...]


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.GtE: ">=", ast.Gt: ">", ast.LtE: "<=", ast.Lt: "<", ast.Eq: "==", ast.NotEq: "!="}
_FUNCS = {"min", "max"}


class KindOf(Protocol):
    def __call__(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, tree, kind and the names it reads."""

    text: str
    tree: Node
    kind: str
    names: frozenset[str]

    def __str__(self) -> str:
        return self.text


def parse(text: str, kind_of: KindOf, *, want: str | None = None) -> Expression:
    """Parse and type-check ``text``; ``kind_of(name)`` gives a name's kind or None."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected an expression string, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ExpressionError(f"expression is {len(text)} characters long; at most {MAX_TEXT} are allowed")
    if not text.strip():
        raise ExpressionError("expression is empty")
    source = preprocess(text)
    _check_characters(source, text)
    try:
        module = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError(f"cannot parse {text!r}") from None
    count = sum(1 for _ in ast.walk(module))
    if count > MAX_NODES:
        raise ExpressionError(f"expression {text!r} is too complex ({count} parts; at most {MAX_NODES})")
    names: set[str] = set()
    tree = _convert(module.body, source.strip(), names, 0, text)
    kind = _check(tree, kind_of, text)
    if want is not None and kind != want:
        raise ExpressionError(f"{text!r} is a {kind} expression; a {want} one is expected here")
    return Expression(text=text, tree=tree, kind=kind, names=frozenset(names))


def _describe(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"


def _check_characters(source: str, text: str) -> None:
    """What a reviewer reads must be what runs: ASCII names and operators, no comment, no lookalike tag.

    Python reads names after NFKC normalisation, so ``ｒｅｖｅｎｕｅ`` (full-width) or ``𝐫𝐞𝐯𝐞𝐧𝐮𝐞`` (mathematical
    bold) would silently mean ``revenue``; and everything after ``#`` would be a comment that never runs.
    Outside quotes only ASCII is allowed (万/亿 after a number have been rewritten already); inside a quoted
    tag, no character that NFKC changes and no backslash escape.
    """
    quote: str | None = None
    for ch in source:
        if quote is not None:  # inside "tag"
            if ch == quote:
                quote = None
            elif ch == "\\":
                raise ExpressionError(f"{text!r}: a backslash is not allowed in a quoted tag; write the tag as it is")
            elif unicodedata.normalize("NFKC", ch) != ch or not ch.isprintable():
                raise ExpressionError(f"{text!r}: the character {_describe(ch)} in a quoted tag is not allowed: "
                                      f"it looks like another character or cannot be seen; write the tag in "
                                      f"plain letters (e.g. \"led\" in industries)")
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "#":
            raise ExpressionError(f"{text!r}: '#' is not allowed in an expression (everything after it would be "
                                  f"a comment that is not evaluated); put explanations in the clause's notes")
        elif not ch.isascii():
            plain = unicodedata.normalize("NFKC", ch)
            hint = f"; write {plain!r} instead" if plain.isascii() and plain.isprintable() and plain.strip() \
                else ""
            raise ExpressionError(f"{text!r}: the character {_describe(ch)} is not allowed: names and operators "
                                  f"in an expression are plain ASCII (only 万 and 亿 after a number){hint}")


def _literal(node: ast.Constant, source: str, text: str) -> Fraction:
    segment = ast.get_source_segment(source, node) or repr(node.value)
    if len(segment) > 24:  # before any conversion: "1e99999999" must not build a 10**99999999
        raise ExpressionError(f"the number {segment!r} in {text!r} is too large")
    try:
        dec = Decimal(segment.replace("_", ""))
        if not dec.is_finite() or abs(dec.adjusted()) > 20:
            raise ExpressionError(f"the number {segment!r} in {text!r} is too large or too small")
        value = Fraction(dec)
    except (InvalidOperation, ValueError):
        raise ExpressionError(f"{segment!r} in {text!r} is not a plain decimal number") from None
    if abs(value) > MAX_LITERAL or len(segment) > 24:
        raise ExpressionError(f"the number {segment!r} in {text!r} is too large")
    return value


def _convert(node: ast.AST, source: str, names: set[str], depth: int, text: str) -> Node:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression {text!r} is nested too deeply (at most {MAX_DEPTH} levels)")
    d = depth + 1
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return BoolConst(node.value)
        if isinstance(node.value, (int, float)):
            return Const(_literal(node, source, text))
        raise ExpressionError(f"{node.value!r} in {text!r}: only numbers are allowed here")
    if isinstance(node, ast.Name):
        name = node.id
        if name in ("true", "True"):
            return BoolConst(True)
        if name in ("false", "False"):
            return BoolConst(False)
        if name.startswith("_"):
            raise ExpressionError(f"the name {name!r} in {text!r} is not allowed (names may not start with '_')")
        names.add(name)
        return Name(name)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return BinOp(_BINOPS[type(node.op)], _convert(node.left, source, names, d, text),
                     _convert(node.right, source, names, d, text))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return Neg(_convert(node.operand, source, names, d, text))
        if isinstance(node.op, ast.UAdd):
            return _convert(node.operand, source, names, d, text)
        if isinstance(node.op, ast.Not):
            return Not(_convert(node.operand, source, names, d, text))
    if isinstance(node, ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        return BoolOp(op, tuple(_convert(v, source, names, d, text) for v in node.values))
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise ExpressionError(f"{text!r}: write chained comparisons with 'and' (a >= 1 and a <= 3)")
        cmp = node.ops[0]
        if isinstance(cmp, ast.In):
            if not (isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
                    and isinstance(node.comparators[0], ast.Name)):
                raise ExpressionError(f"{text!r}: 'in' takes a quoted tag and a list field: \"led\" in industries")
            tag = node.left.value
            if len(tag) > 64:
                raise ExpressionError(f"{text!r}: the tag is too long")
            field = node.comparators[0].id
            if field.startswith("_"):
                raise ExpressionError(f"the name {field!r} in {text!r} is not allowed")
            names.add(field)
            return HasTag(tag, field)
        if type(cmp) not in _CMPOPS:
            raise ExpressionError(f"{text!r}: comparison {type(cmp).__name__} is not allowed")
        return Compare(_CMPOPS[type(cmp)], _convert(node.left, source, names, d, text),
                       _convert(node.comparators[0], source, names, d, text))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS:
            shown = ast.get_source_segment(source, node.func) or "?"
            raise ExpressionError(f"{text!r}: calling {shown!r} is not allowed (only min() and max())")
        if node.keywords or not node.args or len(node.args) > 8:
            raise ExpressionError(f"{text!r}: {node.func.id}() takes 1 to 8 plain arguments")
        return Call(node.func.id, tuple(_convert(a, source, names, d, text) for a in node.args))
    shown = ast.get_source_segment(source, node) or type(node).__name__
    raise ExpressionError(f"{text!r}: {shown!r} ({type(node).__name__}) is not allowed in a policy expression")


def _check(node: Node, kind_of: KindOf, text: str) -> str:
    """Return the node's kind, or raise if the types do not fit."""
    if isinstance(node, Const):
        return NUMBER
    if isinstance(node, BoolConst):
        return BOOL
    if isinstance(node, Name):
        kind = kind_of(node.name)
        if kind is None:
            raise ExpressionError(f"{text!r}: unknown field {node.name!r}")
        if kind == TAGS:
            raise ExpressionError(f"{text!r}: {node.name!r} is a list of tags; test it with \"tag\" in {node.name}")
        return kind
    if isinstance(node, HasTag):
        kind = kind_of(node.name)
        if kind is None:
            raise ExpressionError(f"{text!r}: unknown field {node.name!r}")
        if kind != TAGS:
            raise ExpressionError(f"{text!r}: {node.name!r} is not a list of tags")
        return BOOL
    if isinstance(node, (BinOp, Neg, Call)):
        operands = (node.left, node.right) if isinstance(node, BinOp) else \
            (node.operand,) if isinstance(node, Neg) else node.args
        for operand in operands:
            if _check(operand, kind_of, text) != NUMBER:
                raise ExpressionError(f"{text!r}: arithmetic needs numbers, not conditions")
        if isinstance(node, BinOp) and node.op == "/" and (not isinstance(node.right, Const)
                                                           or node.right.value == 0):
            raise ExpressionError(f"{text!r}: division is allowed only by a non-zero constant")
        return NUMBER
    if isinstance(node, Compare):
        left, right = _check(node.left, kind_of, text), _check(node.right, kind_of, text)
        if left != right:
            raise ExpressionError(f"{text!r}: cannot compare a {left} with a {right}")
        if left == BOOL and node.op not in ("==", "!="):
            raise ExpressionError(f"{text!r}: conditions can only be compared with == or !=")
        return BOOL
    if isinstance(node, (BoolOp, Not)):
        operands = node.operands if isinstance(node, BoolOp) else (node.operand,)
        for operand in operands:
            if _check(operand, kind_of, text) != BOOL:
                raise ExpressionError(f"{text!r}: 'and', 'or' and 'not' need conditions, not numbers")
        return BOOL
    raise ExpressionError(f"{text!r}: unsupported expression")  # pragma: no cover


# ---------------------------------------------------------------- values

Array = np.ndarray


@dataclass
class Num:
    """Exact rational column: ``num / den`` with ``known`` marking present values.

    ``num`` is an int64 (or Python-int object) array, or a Python int for a
    constant; ``bound`` is an upper bound of ``abs(num)`` used to decide when
    int64 could overflow.
    """

    num: Array | int
    den: int
    known: Array | bool
    bound: int

    @staticmethod
    def const(value: Fraction) -> Num:
        return Num(value.numerator, value.denominator, True, abs(value.numerator))


@dataclass
class Bool:
    val: Array | bool
    known: Array | bool


def _widen(num: Array | int, bound: int) -> Array | int:
    if isinstance(num, np.ndarray) and num.dtype != object and bound >= INT64_SAFE:
        return num.astype(object)
    return num


def _scale(a: Num, factor: int) -> tuple[Array | int, int]:
    bound = a.bound * factor
    return _widen(a.num, bound) * factor if factor != 1 else a.num, bound


def common(a: Num, b: Num) -> tuple[Array | int, Array | int, int, int]:
    """Both operands over their least common denominator."""
    den = a.den * b.den // math.gcd(a.den, b.den)
    an, ab = _scale(a, den // a.den)
    bn, bb = _scale(b, den // b.den)
    if max(ab, bb) >= INT64_SAFE // 2:
        an, bn = _widen(an, INT64_SAFE), _widen(bn, INT64_SAFE)
    return an, bn, den, max(ab, bb)


def _and_known(a: Array | bool, b: Array | bool) -> Array | bool:
    return a & b


def add(a: Num, b: Num, sign: int = 1) -> Num:
    an, bn, den, bound = common(a, b)
    return Num(an + bn if sign > 0 else an - bn, den, _and_known(a.known, b.known), 2 * bound)


def mul(a: Num, b: Num) -> Num:
    bound = a.bound * b.bound
    an, bn = _widen(a.num, bound), _widen(b.num, bound)
    num, den = an * bn, a.den * b.den
    # keep denominators small when both sides are constants
    if isinstance(num, int):
        f = Fraction(num, den)
        return Num(f.numerator, f.denominator, _and_known(a.known, b.known), abs(f.numerator))
    return Num(num, den, _and_known(a.known, b.known), bound)


def compare(op: str, a: Num, b: Num) -> Bool:
    an, bn, _, _ = common(a, b)
    fn: Callable = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
                    "==": np.equal, "!=": np.not_equal}[op]
    val = fn(an, bn)
    if isinstance(val, np.ndarray) and val.dtype == object:
        val = val.astype(bool)
    return Bool(val, _and_known(a.known, b.known))


def extreme(func: str, args: list[Num]) -> Num:
    acc = args[0]
    for other in args[1:]:
        an, bn, den, bound = common(acc, other)
        pick = np.minimum if func == "min" else np.maximum
        num = pick(an, bn) if isinstance(an, np.ndarray) or isinstance(bn, np.ndarray) else \
            (min(an, bn) if func == "min" else max(an, bn))
        acc = Num(num, den, _and_known(acc.known, other.known), bound)
    return acc


def kleene_and(a: Bool, b: Bool) -> Bool:
    a_false = a.known & ~np.asarray(a.val) if not isinstance(a.val, bool) else a.known & (not a.val)
    b_false = b.known & ~np.asarray(b.val) if not isinstance(b.val, bool) else b.known & (not b.val)
    val = (a.val & a.known) & (b.val & b.known)
    known = (a.known & b.known) | a_false | b_false
    return Bool(val, known)


def kleene_or(a: Bool, b: Bool) -> Bool:
    a_true = a.val & a.known
    b_true = b.val & b.known
    return Bool(a_true | b_true, (a.known & b.known) | a_true | b_true)


def kleene_not(a: Bool) -> Bool:
    val = (not a.val) if isinstance(a.val, bool) else ~a.val
    return Bool(val, a.known)


class Context(Protocol):
    """What evaluation needs: a value for each field name."""

    def value(self, name: str) -> Num | Bool: ...

    def has_tag(self, name: str, tag: str) -> Bool: ...


def evaluate(node: Node, ctx: Context) -> Num | Bool:
    """Evaluate a checked tree over the context's columns."""
    if isinstance(node, Const):
        return Num.const(node.value)
    if isinstance(node, BoolConst):
        return Bool(node.value, True)
    if isinstance(node, Name):
        return ctx.value(node.name)
    if isinstance(node, HasTag):
        return ctx.has_tag(node.name, node.tag)
    if isinstance(node, BinOp):
        left = evaluate(node.left, ctx)
        if node.op == "/":
            c = node.right.value  # type: ignore[attr-defined]
            return mul(left, Num(c.denominator, c.numerator, True, c.denominator))  # type: ignore[arg-type]
        right = evaluate(node.right, ctx)
        if node.op == "*":
            return mul(left, right)  # type: ignore[arg-type]
        return add(left, right, 1 if node.op == "+" else -1)  # type: ignore[arg-type]
    if isinstance(node, Neg):
        v = evaluate(node.operand, ctx)
        return Num(-v.num, v.den, v.known, v.bound)  # type: ignore[union-attr,operator]
    if isinstance(node, Compare):
        left, right = evaluate(node.left, ctx), evaluate(node.right, ctx)
        if isinstance(left, Bool):
            eq = (left.val == right.val)  # type: ignore[union-attr]
            return Bool(eq if node.op == "==" else ~np.asarray(eq) if not isinstance(eq, bool) else not eq,
                        left.known & right.known)
        return compare(node.op, left, right)  # type: ignore[arg-type]
    if isinstance(node, BoolOp):
        acc = evaluate(node.operands[0], ctx)
        for operand in node.operands[1:]:
            other = evaluate(operand, ctx)
            acc = kleene_and(acc, other) if node.op == "and" else kleene_or(acc, other)  # type: ignore[arg-type]
        return acc
    if isinstance(node, Not):
        return kleene_not(evaluate(node.operand, ctx))  # type: ignore[arg-type]
    if isinstance(node, Call):
        return extreme(node.func, [evaluate(a, ctx) for a in node.args])  # type: ignore[misc]
    raise ExpressionError("unsupported expression")  # pragma: no cover


def constant_value(expr: Expression) -> Fraction | None:
    """The value of an expression that reads no field (for display), else None."""
    if expr.names or expr.kind != NUMBER:
        return None

    class _NoFields:
        def value(self, name: str):  # pragma: no cover - no names
            raise ExpressionError(name)

        def has_tag(self, name: str, tag: str):  # pragma: no cover
            raise ExpressionError(name)

    v = evaluate(expr.tree, _NoFields())
    return Fraction(int(v.num), v.den)  # type: ignore[union-attr,arg-type]


def comparison_sides(expr: Expression) -> tuple[Node, str, Node] | None:
    """For a plain comparison, its (left, op, right): used to say how far off a company is."""
    if isinstance(expr.tree, Compare):
        return expr.tree.left, expr.tree.op, expr.tree.right
    return None
