"""``batch``: evaluated chunks -> output lines (CSV or JSON Lines, wide or long layout).

No Python runs per cell: each column of output is a byte matrix (one row
per line, zero bytes as padding; numbers from lookup tables of three-digit
groups, words from small vocabularies), the columns are laid side by side
and the padding is dropped in one pass (``csvio.Lines``).  The long layout's
short explanations are built once per distinct combination of status,
failed conditions, missing fields and caps, not once per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import csvio, explain
from . import fields as F
from .batch_table import chunk_checks
from .engine import (
    CAP_BINDING,
    CAP_EXEMPT,
    CAP_NONE,
    CAP_NOT_APPLICABLE,
    CAP_NOT_BINDING,
    CAP_UNKNOWN,
    CAP_WAIVED,
    CAPPED,
    EXCLUDED,
    EXPIRED,
    GRANTED,
    MISSING,
    NOT_ELIGIBLE,
    STATUS_NAMES,
    PolicyRun,
)
from .money import format_units
from .policy import BASES, Catalog, Policy
from .trace import STATUS_BY_CODE

if TYPE_CHECKING:
    from .batch import BatchOptions, PolicyBudget
    from .batch_table import Chunk

#: the company-cap column's words, in the order of engine.CAP_NONE … CAP_NOT_APPLICABLE (SPEC 9.3: a year no
#: policy covers has no cap outcome)
CAP_STATE_NAMES = ("none", "not_reached", "applied", "exempt", "waived", "unknown", "not_applicable")
assert (CAP_NONE, CAP_NOT_BINDING, CAP_BINDING, CAP_EXEMPT, CAP_WAIVED, CAP_UNKNOWN,
        CAP_NOT_APPLICABLE) == tuple(range(7))

#: the wide layout's ``validity`` column (SPEC 9.3, on each line): the fiscal year is covered; covered, but a
#: later text was reported for a policy with no known end, so the result may be superseded; not covered
VALIDITY_NAMES = ("covered", "may_be_superseded", "not_covered")


def validity_codes(policy: Policy, years: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Each line's index into ``VALIDITY_NAMES``: what ``calc`` says of the year in its header and warnings."""
    later = [y for y in np.unique(years).tolist() if policy.may_be_superseded(int(y))]  # a handful of years
    superseded = np.isin(years, later)
    return np.where(covered, np.where(superseded, 1, 0), 2).astype(np.int64)


@dataclass
class Evaluated:
    """One policy's results over the chunk rows it applies to.

    The amounts and statuses are kept as ``(rows, clauses)`` matrices (the
    policy's clause order); the full run, which holds every intermediate
    column, only when the long layout needs it for the explanations.
    """

    policy: Policy
    rows: np.ndarray  # indices into the chunk's good rows
    budget: PolicyBudget
    amounts: np.ndarray  # (n, k) fen
    status: np.ndarray  # (n, k) int8
    years: np.ndarray
    covered: np.ndarray
    cap_state: np.ndarray
    run: PolicyRun | None = None
    #: SPEC 9.2: per row, total_exact if the counted up_to clauses were granted their minimum
    exact_max: np.ndarray | None = None
    #: what stood in for a missing field (batch.Assumption): (code, bool per row), as calc warns of it
    assumed: tuple[tuple[str, np.ndarray], ...] = ()


def warning_cells(codes: Sequence[str], evaluated: Sequence[Evaluated], crow: np.ndarray,
                  positions: Sequence[np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """The wide layout's ``warnings`` cell of each output line (company ``crow`` under one policy), as (an index
    per line, the distinct cells): the company's plausibility codes (``unit_slip:rd_expense+revenue``), then what
    stood in for a missing field under that line's policy, as calc warns of it in that policy's result
    (``default:sales_revenue``, ``assumed_false:is_new_entrant``), ';'-joined.

    Built from small integer keys, so a block where most companies have a default costs no per-row Python.
    """
    n = len(codes)
    index = {"": 0}  # each distinct plausibility cell once, in order of appearance; most rows have none
    plaus = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(np.array(codes, dtype=object) != "").tolist() if n else ():
        plaus[i] = index.setdefault(codes[i], len(index))
    names: list[str] = []
    bits = np.zeros(len(crow), dtype=np.int64)
    for ev, pos in zip(evaluated, positions):  # pos: the output line of each of the run's rows
        for code, rows in ev.assumed:
            if code not in names:
                names.append(code)
            bits[pos[rows]] |= 1 << names.index(code)
    plain = list(index)
    line_plaus = plaus[crow] if len(crow) else np.zeros(0, dtype=np.int64)
    if not names:
        return line_plaus, plain
    key = line_plaus << len(names) | bits
    ukeys, inverse = csvio.unique_inverse(key)  # a handful of distinct cells: no sort
    cells = []
    for k in ukeys.tolist():
        parts = [plain[k >> len(names)]] if k >> len(names) else []
        parts += [c for b, c in enumerate(names) if k >> b & 1]
        cells.append(";".join(parts))
    return inverse.reshape(-1).astype(np.int64), cells



# ---------------------------------------------------------------- short explanations (long layout)


def _labels(c) -> list[str]:
    return [cond.label or cond.expr.text for cond in c.conditions]


def _calc_text(c) -> str:
    if not c.computes_amount:
        return ""
    if c.items:
        text = f"each {c.item_label} in {c.items}"
        if c.rate is not None:
            text += f" × {explain.times(c.rate.text)}"
        return text
    parts = []
    if c.base is not None:
        parts.append(c.base_label or explain.times(c.base.text))
    if c.rate is not None:
        parts.append(explain.times(c.rate.text))
    elif c.fixed is not None:
        parts.append(format_units(c.fixed))
    return " × ".join(parts)


def explanation_codes(ev: Evaluated, catalog: Catalog) -> list[tuple[np.ndarray, list[str]]]:
    """Per clause: a code per row and the distinct short explanations.

    Built from the run's arrays (no per-row Python): the status, which
    conditions failed, which fields are missing, which caps cut the amount.
    The figures themselves are in the raw_amount and amount columns.
    """
    run = ev.run
    assert run is not None, "evaluate_chunk(keep_runs=True) keeps the runs the explanations need"
    pol = run.policy
    n = run.n
    table = run.table
    years = run.years
    uyears, yidx = np.unique(years, return_inverse=True)
    industry_false = run.industry.known & ~run.industry.val if pol.industries else np.zeros(n, dtype=bool)
    industry_unknown = ~run.industry.known if pol.industries else np.zeros(n, dtype=bool)
    industry_false = np.broadcast_to(industry_false, (n,))
    industry_unknown = np.broadcast_to(industry_unknown, (n,))
    out = []
    for cr in run.clauses:
        c = cr.clause
        labels = _labels(c)
        fields = sorted(c.names())
        missing = np.zeros(n, dtype=np.int64)
        for k, name in enumerate(fields):
            have = table.present(name)
            if name in run.defaulted:
                have = have | run.defaulted[name]
            missing |= np.where(have, 0, 1 << k)
        missing |= np.where(industry_unknown, 1 << len(fields), 0)
        failed = np.zeros(n, dtype=np.int64)
        for k, t in enumerate(cr.conditions):
            known = np.broadcast_to(t.value.known, (n,))
            val = np.broadcast_to(t.value.val, (n,))
            failed |= np.where(known & ~val, 1 << k, 0)
        flags = np.zeros(n, dtype=np.int64)
        if cr.items_capped is not None:
            flags |= np.where(cr.items_capped > 0, 1, 0)
        flags |= np.where(cr.after_clause_cap < cr.after_item_cap, 2, 0)
        flags |= np.where((cr.status == CAPPED) & (run.cap_state == CAP_BINDING)
                          & (cr.amount < cr.after_clause_cap), 4, 0)
        flags |= np.where(industry_false, 8, 0)
        winner = np.full(n, -1, dtype=np.int64)
        if c.group and c.group in run.group_winner:
            winner = np.where(cr.status == EXCLUDED, run.group_winner[c.group], -1)
            group_ = next(g for g in pol.groups if g.id == c.group)
            members = {r.clause.id: r for r in run.clauses}
            kept = np.stack([members[m].after_clause_cap for m in group_.clauses])
            win_amount = kept[np.maximum(winner, 0), np.arange(n)]
            flags |= np.where((winner >= 0) & (win_amount == cr.after_clause_cap), 16, 0)
        st = cr.status.astype(np.int64)
        # only what the status's text uses goes into the key
        key_year = np.where(st == EXPIRED, yidx, 0)
        key_missing = np.where(st == MISSING, missing, 0)
        key_failed = np.where(st == NOT_ELIGIBLE, failed, 0)
        key_flags = np.where(np.isin(st, (GRANTED, CAPPED, EXCLUDED, NOT_ELIGIBLE)), flags, 0)
        key = np.stack([st, key_year, key_missing, key_failed, key_flags, winner + 1], axis=1)
        ukeys, inverse = np.unique(key, axis=0, return_inverse=True)
        texts = []
        group = next((g for g in pol.groups if g.id == c.group), None)
        miss_names = fields + ["industries"]
        for s, yk, mk, fk, fl, wk in ukeys.tolist():
            texts.append(_short_text(c, pol, s, int(uyears[yk]) if len(uyears) else 0,
                                     [miss_names[b] for b in range(len(miss_names)) if mk >> b & 1],
                                     [labels[b] for b in range(len(labels)) if fk >> b & 1], labels, fl,
                                     group.clauses[wk - 1] if group is not None and wk > 0 else None))
        out.append((inverse.reshape(-1), texts))
    return out


def _short_text(c, pol: Policy, status: int, year: int, missing: list[str], failed: list[str], labels: list[str],
                flags: int, winner: str | None) -> str:
    """The long layout's explanation of one combination of facts, in the one wording (``explain.outline``)."""
    st = STATUS_BY_CODE[status]
    item_cap = (f"{c.item_label}(s) cut to the cap of {format_units(c.item_cap)} per {c.item_label}"
                if flags & 1 and c.item_cap else "")
    clause_cap = (f"clause cap {format_units(c.cap)} {explain.scope_words(c.cap_period)} applied"
                  if flags & 2 and c.cap else "")
    company_cut = (f"company annual cap ({explain.times(pol.company_cap.limit.text)}): cut proportionally"
                   if flags & 4 and pol.company_cap is not None else "")
    return explain.outline(status=st, year=year, missing=missing, failed=failed, held=labels, calc=_calc_text(c),
                           item_cap=item_cap, clause_cap=clause_cap, group=c.group or "", winner=winner or "",
                           tie=bool(flags & 16), company_cut=company_cut,
                           not_targeted=pol.industries if flags & 8 else (), basis=c.basis, notes=c.notes,
                           validity=(pol.valid_from, pol.valid_until, pol.successor),
                           minimum=c.minimum is not None and not flags & 4)  # (a company cut drops amount_min)


# ---------------------------------------------------------------- output rows


def _distinct_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a small-integer matrix: (an index of each, per row the number of its row).

    Each row is hashed to one 64-bit integer (de-duplicated without a sort
    when there are few, ``csvio.unique_inverse``) and the rows are compared
    with their representative's, so a collision is never trusted.
    """
    uh, inverse = csvio.unique_inverse(csvio.row_hash(key))
    first = csvio.some_index(inverse, len(uh))
    if (key[first][inverse] == key).all():
        return first, inverse
    rows = np.ascontiguousarray(key).view(f"V{key.shape[1] * key.itemsize}").reshape(-1)  # pragma: no cover
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)  # pragma: no cover - a collision
    return first, inverse.reshape(-1)  # pragma: no cover


def _ranges(run: PolicyRun) -> dict[str, np.ndarray]:
    """SPEC 9.2 per clause and company, as ``engine.clause_result`` words it for calc: ``amount_min``, an up_to
    clause's stated minimum where it is counted and the company cap did not cut it; ``amount_max``, an exact
    clause's amount were the up_to clauses granted their minimum, where the cap bound on ceilings and that is
    more. Flattened company-major as the long layout's lines, with ``has_…`` masks (empty cells elsewhere)."""
    n, k = run.n, len(run.clauses)
    low, has_low = np.zeros((n, k), np.int64), np.zeros((n, k), bool)
    high, has_high = np.zeros((n, k), np.int64), np.zeros((n, k), bool)
    binding = run.cap_state == CAP_BINDING
    for j, cr in enumerate(run.clauses):
        if cr.minimum is not None:
            counted = (cr.status == GRANTED) | (cr.status == CAPPED)
            cut = (cr.status == CAPPED) & binding & (cr.amount < cr.after_clause_cap)
            has_low[:, j] = counted & ~cut
            low[:, j] = np.where(has_low[:, j], cr.minimum, 0)
        if cr.amount_max is not None and run.ranged is not None:
            has_high[:, j] = run.ranged & (cr.amount_max > cr.amount)
            high[:, j] = np.where(has_high[:, j], cr.amount_max, 0)
    return {"amount_min": low.reshape(-1), "has_amount_min": has_low.reshape(-1),
            "amount_max": high.reshape(-1), "has_amount_max": has_high.reshape(-1)}


class Output:
    """Formats the evaluated chunks as CSV or JSON Lines bytes (both layouts)."""

    SLICE = 8192  # output lines formatted at a time (bounds the byte matrices to a few MB)

    def __init__(self, policies: Sequence[Policy], options: BatchOptions, catalog: Catalog):
        self.policies = list(policies)
        self.options = options
        self.catalog = catalog
        self.layout = options.layout
        self.json = options.fmt == "jsonl"
        self.arrow = options.fmt == "parquet"  # record batches (arrowio), not bytes
        self.safe = options.fmt == "csv"  # names that look like formulas get a leading ' (never in xlsx/JSON)
        self.policy_index = {p.id: k for k, p in enumerate(self.policies)}
        clause_ids: list[str] = []
        for p in self.policies:
            for c in p.clauses:
                if c.id not in clause_ids:
                    clause_ids.append(c.id)
        self.clause_ids = clause_ids
        self.clause_col = {cid: k for k, cid in enumerate(clause_ids)}
        self.hypothetical_col = options.ignore_validity
        self.status_table = csvio.vocab_table(self._text(STATUS_NAMES))
        self.policy_table = csvio.vocab_table(self._text([p.id for p in self.policies]))
        self.cap_table = csvio.vocab_table(self._text(list(CAP_STATE_NAMES)))
        self.validity_table = csvio.vocab_table(self._text(list(VALIDITY_NAMES)))
        self.basis_table = csvio.vocab_table(self._text(list(BASES)))
        self.bool_table = csvio.vocab_table([b"false", b"true"])
        self.status_bytes = self._text(STATUS_NAMES)
        if self.json:
            self.key_amount = [f',"{cid}":"'.encode() for cid in clause_ids]
            self.key_status = [f'","{cid}_status":'.encode() for cid in clause_ids]
        else:
            self.key_amount = [b","] * len(clause_ids)
            self.key_status = [b","] * len(clause_ids)

    # -- header
    def header_columns(self) -> list[str]:
        if self.layout == "long":
            # SPEC 9.2's per-clause range (calc's amount_min / amount_max) after the SPEC §8 columns, empty where
            # it does not apply
            return ["row", "name", "policy", "clause", "status", "basis", "raw_amount", "amount", "explanation",
                    "amount_min", "amount_max"]
        cols = ["row", "name", "warnings", "policy", "year", "total", "total_exact", "total_up_to", "total_exact_max",
                "company_cap", "validity"]
        if self.hypothetical_col:
            cols.append("hypothetical")
        for cid in self.clause_ids:
            cols += [cid, f"{cid}_status"]
        return cols

    def amount_columns(self) -> list[str]:
        """The columns that hold amounts (yuan with two decimals): numbers in an .xlsx."""
        if self.layout == "long":
            return ["raw_amount", "amount", "amount_min", "amount_max"]
        return ["total", "total_exact", "total_up_to", "total_exact_max", *self.clause_ids]

    def ceilings(self) -> dict[str, frozenset[str]]:
        """Per policy id, its up-to clauses: the amounts an .xlsx shows "up to …" / "最高 …" (SPEC §3)."""
        return {p.id: frozenset(c.id for c in p.clauses if c.basis == "up_to") for p in self.policies}

    def headings(self) -> list[str]:
        """The header row as shown: the column names, or their Chinese names with --lang zh (营业收入 …)."""
        lang = F.Lang(self.options.lang)
        clauses = set(self.clause_ids)  # a clause keeps its id, also where a field has the same name (si_led_sales)
        return [c if c in clauses else self.catalog.registry.label(c, lang) for c in self.header_columns()]

    def warnings_heading(self) -> str:
        """The warnings column as the output heads it (``warnings``, 提示), or "" when the layout has none."""
        columns = self.header_columns()
        if "warnings" not in columns:
            return ""
        return "warnings" if self.json else self.headings()[columns.index("warnings")]

    def header(self) -> bytes:
        if self.json:  # JSON keys never change
            return b""
        return (",".join(csvio.quote_csv(c) for c in self.headings()) + "\n").encode("utf-8")

    # -- cells
    def _text(self, values: Sequence[str]) -> list[bytes]:
        q = csvio.quote_json if self.json else csvio.quote_csv
        return [q(v).encode("utf-8") for v in values]

    def _names(self, names: np.ndarray) -> np.ndarray:
        """Name cells as a byte matrix: CSV-quoted or JSON strings (Python only for the few that need it)."""
        n = len(names)
        m = names.view(np.uint8).reshape(n, -1) if n else np.zeros((0, 1), np.uint8)
        if self.json:
            special = ((m == 34) | (m == 92) | ((m < 32) & (m > 0))).any(axis=1)
            q = np.full((n, 1), 34, dtype=np.uint8)
            cells = np.concatenate([q, m, q], axis=1)
            cells[special] = 0
        else:
            special = ((m == 34) | (m == 44) | (m == 10) | (m == 13)).any(axis=1)
            if self.safe and m.shape[1]:  # = + - @ tab CR (after spaces): see csvio.safe_text
                first = m[np.arange(n), np.argmax(m != 32, axis=1)]
                special |= np.isin(first, np.frombuffer("".join(csvio.FORMULA_STARTS).encode()
                                                        + csvio.SUSPECT_LEAD_BYTES, np.uint8))
            cells = m
        rows = np.flatnonzero(special)
        if len(rows):
            texts = [names[i].decode("utf-8") for i in rows.tolist()]
            fixed = self._text([csvio.safe_text(t) for t in texts] if self.safe else texts)
            w = max(cells.shape[1], max(len(x) for x in fixed))
            cells = np.concatenate([cells, np.zeros((n, w - cells.shape[1]), np.uint8)], axis=1)
            for i, x in zip(rows.tolist(), fixed):
                cells[i] = 0
                cells[i, :len(x)] = np.frombuffer(x, dtype=np.uint8)
        return cells

    def _put(self, lines: csvio.Lines, key: str, first: bool = False, quoted: bool = False) -> None:
        """Before a cell: the separator (CSV) or the key (JSON, with the opening quote of a string)."""
        if self.json:
            lines.const((("{" if first else ",") + f'"{key}":' + ('"' if quoted else "")).encode())
        elif not first:
            lines.const(b",")

    def _after(self, lines: csvio.Lines, quoted: bool) -> None:
        if quoted and self.json:
            lines.const(b'"')

    def _end(self, lines: csvio.Lines) -> bytes:
        self._end_matrix(lines)
        return lines.build()

    def _end_matrix(self, lines: csvio.Lines) -> None:
        lines.const(b"}\n" if self.json else b"\n")

    def chunk_bytes(self, chunk: Chunk, evaluated: Sequence[Evaluated],
                    warnings: Sequence[str] | None = None) -> tuple[list[bytes], int]:
        """The chunk's output lines (in pieces, in order) and their count.

        ``warnings``: each company's plausibility codes (the wide layout's ``warnings`` column); computed
        here when not given.
        """
        if not evaluated:
            return [], 0
        if self.arrow:
            from .arrowio import chunk_batch

            batch = chunk_batch(self, chunk, evaluated, warnings)
            return [batch], batch.num_rows  # type: ignore[list-item]
        if self.layout == "long":
            return self._long(chunk, evaluated)
        return self._wide(chunk, evaluated, warnings)

    def _order(self, evaluated: Sequence[Evaluated]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Output order: by input row, then policy; the position of each policy's rows in it."""
        rows = np.concatenate([ev.rows for ev in evaluated])
        pidx = np.concatenate([np.full(len(ev.rows), self.policy_index[ev.policy.id]) for ev in evaluated])
        order = np.lexsort((pidx, rows))
        where = np.empty(len(order), dtype=np.int64)
        where[order] = np.arange(len(order))
        positions, at = [], 0
        for ev in evaluated:
            positions.append(where[at:at + len(ev.rows)])
            at += len(ev.rows)
        return rows[order], positions

    def _segments(self, cols: list[int]) -> list[tuple[bool, list[int]]]:
        """The wide clause columns in order, as runs: (True, own columns) or (False, other policies' columns)."""
        own = set(cols)
        runs: list[tuple[bool, list[int]]] = []
        for c in range(len(self.clause_ids)):
            if runs and runs[-1][0] == (c in own):
                runs[-1][1].append(c)
            else:
                runs.append((c in own, [c]))
        return runs

    def _wide(self, chunk: Chunk, evaluated: Sequence[Evaluated],
              warnings: Sequence[str] | None = None) -> tuple[list[bytes], int]:
        """One line per company and policy.

        Each run (policy) builds its own lines from its own clauses only (the
        other policies' columns are constant empty cells), so a line's byte
        matrix is as wide as its policy needs, not as all policies together.
        """
        crow, positions = self._order(evaluated)
        m = len(crow)
        # plausibility warnings of each company (never errors): codes such as unit_slip:rd_expense+revenue
        codes = list(warnings) if warnings is not None else chunk_checks(chunk, self.catalog.registry).codes()
        warn, cells = warning_cells(codes, evaluated, crow, positions)  # per output line
        self._warn = (warn, csvio.vocab_table(self._text(cells)))
        src = np.empty(m, dtype=np.int64)  # the run each output line comes from
        at = np.empty(m, dtype=np.int64)  # and its row in that run
        runs = []
        for e, (ev, pos) in enumerate(zip(evaluated, positions)):
            src[pos] = e
            at[pos] = np.arange(len(pos))
            cols = [self.clause_col[c.id] for c in ev.policy.clauses]
            basis = np.array([c.basis for c in ev.policy.clauses])
            amounts = ev.amounts
            exact = amounts[:, basis == "exact"].sum(axis=1)
            runs.append({
                "exact_max": ev.exact_max if ev.exact_max is not None else exact,
                "segments": self._segments(sorted(cols)), "where": {c: k for k, c in enumerate(cols)},
                "amounts": amounts, "status": ev.status,
                "totals": np.stack([amounts.sum(axis=1), exact,
                                    amounts[:, basis == "up_to"].sum(axis=1)], axis=1),
                "policy": np.full(len(ev.rows), self.policy_index[ev.policy.id]), "year": ev.years,
                "covered": ev.covered.astype(np.int64), "cap": ev.cap_state,
                "validity": validity_codes(ev.policy, ev.years, ev.covered),
            })
        out = []
        k = len(runs)
        # one line per company and run, in run order (batch --policy A --policy B …): a slice then starts at a
        # company's first line, and a company's lines are its head (row, name, warnings) and each run's tail
        # side by side, so that the head is formatted once and no line is padded to the widest run's
        regular = (k > 1 and m % k == 0 and bool((src.reshape(-1, k) == np.arange(k)).all())
                   and bool((crow.reshape(-1, k) == crow[::k, None]).all()))
        step = self.SLICE - self.SLICE % k if regular else self.SLICE
        for a in range(0, m, step):
            sl = slice(a, min(a + step, m))
            n = sl.stop - sl.start
            if regular:
                at_line = np.arange(sl.start, sl.stop)
                head = self._head(chunk, crow[sl][::k], at_line[::k]).matrix()
                parts = []
                for e, r in enumerate(runs):
                    # the company's head once, unless this policy's line warns of other defaults (warning_cells)
                    same = e == 0 or np.array_equal(warn[at_line[e::k]], warn[at_line[::k]])
                    parts += [head if same else self._head(chunk, crow[sl][e::k], at_line[e::k]).matrix(),
                              self._wide_tail(at[sl][e::k], r)]
                out.append(np.concatenate(parts, axis=1).tobytes().translate(None, b"\0"))  # drop the padding
                continue
            pieces = []
            for e, r in enumerate(runs):
                sel = np.flatnonzero(src[sl] == e) if k > 1 else np.arange(n)
                if len(sel):
                    lines = self._head(chunk, crow[sl][sel], sl.start + sel)
                    lines.add(self._wide_tail(at[sl][sel], r))
                    pieces.append((sel, lines.matrix()))
            out.append(self._merge(pieces, n))
        return out, m

    @staticmethod
    def _merge(pieces: list[tuple[np.ndarray, np.ndarray]], n: int) -> bytes:
        """The lines of several runs (each a byte matrix of its lines ``sel``) in output order."""
        if len(pieces) == 1:
            matrix = pieces[0][1]
        else:
            matrix = np.zeros((n, max(p.shape[1] for _, p in pieces)), dtype=np.uint8)
            for sel, p in pieces:
                matrix[sel, :p.shape[1]] = p
        return matrix.tobytes().translate(None, b"\0")  # drop the padding

    def _head(self, chunk: Chunk, crow: np.ndarray, line: np.ndarray) -> csvio.Lines:
        """The start of some lines: row, name and warnings of the companies ``crow`` (the rest is added to it)."""
        head = csvio.Lines(len(crow))
        self._put(head, "row", first=True)
        head.add(csvio.number_text(chunk.rows[crow]))
        self._put(head, "name")
        head.add(self._names(chunk.names[crow]))
        self._put(head, "warnings")
        head.add(csvio.vocab_text(self._warn[0][line], self._warn[1]))
        return head

    def _wide_tail(self, rows: np.ndarray, r: dict) -> np.ndarray:
        """The byte matrix of the rest of some lines of one run (policy): ``rows`` of that run.

        Most companies get nothing under most policies: for a line whose
        amounts are all zero, everything after the name depends only on the
        year, the company-cap state and the clause statuses, of which a block
        has a handful of combinations.  Such lines take that part from a table
        built by formatting one line of each combination the ordinary way.
        """
        zero = np.flatnonzero(~r["amounts"][rows].any(axis=1))
        if len(zero) < 64:
            return self._tail(rows, r)
        zr = rows[zero]
        key = np.concatenate([r["status"][zr].astype(np.int16), r["year"][zr, None].astype(np.int16),
                              r["cap"][zr, None].astype(np.int16), r["covered"][zr, None].astype(np.int16)],
                             axis=1)
        first, inverse = _distinct_rows(key)
        table = self._tail(zr[first], r)
        items = np.ascontiguousarray(table).view(f"V{table.shape[1]}").reshape(-1)
        zero_tail = items[inverse.reshape(-1)].view(np.uint8).reshape(len(zero), table.shape[1])
        if len(zero) == len(rows):
            return zero_tail
        other = np.flatnonzero(r["amounts"][rows].any(axis=1))
        other_tail = self._tail(rows[other], r)
        tail = np.zeros((len(rows), max(zero_tail.shape[1], other_tail.shape[1])), dtype=np.uint8)
        tail[zero, :zero_tail.shape[1]] = zero_tail
        tail[other, :other_tail.shape[1]] = other_tail
        return tail

    def _tail(self, rows: np.ndarray, r: dict) -> np.ndarray:
        """Everything after the name, for some lines of one run."""
        lines = csvio.Lines(len(rows))
        self._put(lines, "policy")
        lines.add(csvio.vocab_text(r["policy"][rows], self.policy_table))
        self._put(lines, "year")
        lines.add(csvio.number_text(r["year"][rows]))
        totals = r["totals"][rows]
        for key, t in (("total", 0), ("total_exact", 1), ("total_up_to", 2)):
            self._put(lines, key, quoted=True)
            lines.add(csvio.number_text(totals[:, t], fen=True))
            self._after(lines, True)
        # SPEC 9.2: total_exact_max, an empty cell (JSON: no key) where it equals total_exact
        exact_max = r["exact_max"][rows]
        ranged = exact_max != totals[:, 1]
        if self.json:
            lines.const(b',"total_exact_max":"', where=ranged)
        else:
            self._put(lines, "total_exact_max")
        lines.add(csvio.number_text(exact_max, ranged, fen=True))
        if self.json:
            lines.const(b'"', where=ranged)
        self._put(lines, "company_cap")
        lines.add(csvio.vocab_text(r["cap"][rows], self.cap_table))
        self._put(lines, "validity")
        lines.add(csvio.vocab_text(r["validity"][rows], self.validity_table))
        if self.hypothetical_col:
            self._put(lines, "hypothetical")
            lines.add(csvio.vocab_text(1 - r["covered"][rows], self.bool_table))
        amounts, status = r["amounts"][rows], r["status"][rows]
        for own, cols in r["segments"]:
            if not own:  # other policies' clauses: empty cells in CSV, no keys in JSON
                if not self.json:
                    lines.const(b",," * len(cols))
                continue
            k = [r["where"][c] for c in cols]
            lines.add(csvio.amount_status_cells(amounts[:, k], status[:, k], [self.key_amount[c] for c in cols],
                                                [self.key_status[c] for c in cols], self.status_bytes))
        self._end_matrix(lines)
        return lines.matrix()

    def long_columns(self, chunk: Chunk, evaluated: Sequence[Evaluated]
                     ) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
        """The long layout as columns (one entry per company × clause, in output order) with the vocabularies
        of its clause and explanation codes; the CSV/JSON writer and the Parquet writer both lay these out."""
        _, positions = self._order(evaluated)
        blocks = []
        vocab: list[str] = []
        clause_vocab: list[str] = []
        for ev, pos in zip(evaluated, positions):
            run = ev.run
            assert run is not None, "evaluate_chunk(keep_runs=True) keeps the runs the explanations need"
            nk = len(run.clauses)
            n = run.n
            expl = np.zeros((n, nk), dtype=np.int64)
            for k, (codes, texts) in enumerate(explanation_codes(ev, self.catalog)):
                expl[:, k] = codes + len(vocab)
                vocab.extend(texts)
            first_clause = len(clause_vocab)
            clause_vocab.extend(cr.clause.id for cr in run.clauses)
            blocks.append({
                "sort": np.repeat(pos, nk) * 1000 + np.tile(np.arange(nk), n),
                "row": np.repeat(chunk.rows[ev.rows], nk),
                "name": np.repeat(ev.rows, nk),
                "policy": np.full(n * nk, self.policy_index[ev.policy.id]),
                "clause": np.tile(np.arange(nk) + first_clause, n),
                "status": np.stack([cr.status for cr in run.clauses], axis=1).reshape(-1).astype(np.int64),
                "basis": np.tile(np.array([BASES.index(cr.clause.basis) for cr in run.clauses]), n),
                "raw": np.stack([cr.raw for cr in run.clauses], axis=1).reshape(-1),
                "amount": np.stack([cr.amount for cr in run.clauses], axis=1).reshape(-1),
                "expl": expl.reshape(-1),
                **_ranges(run),
            })
        cat = {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}
        order = np.argsort(cat["sort"], kind="stable")
        return {key: v[order] for key, v in cat.items()}, clause_vocab, vocab

    def _long(self, chunk: Chunk, evaluated: Sequence[Evaluated]) -> tuple[list[bytes], int]:
        cat, clause_vocab, vocab = self.long_columns(chunk, evaluated)
        total = len(cat["row"])
        vocab_t = csvio.vocab_table(self._text(vocab))
        clause_t = csvio.vocab_table(self._text(clause_vocab))
        out = []
        for a in range(0, total, self.SLICE):
            sl = slice(a, min(a + self.SLICE, total))
            lines = csvio.Lines(sl.stop - sl.start)
            self._put(lines, "row", first=True)
            lines.add(csvio.number_text(cat["row"][sl]))
            self._put(lines, "name")
            lines.add(self._names(chunk.names[cat["name"][sl]]))
            for key, table in (("policy", self.policy_table), ("clause", clause_t), ("status", self.status_table),
                               ("basis", self.basis_table)):
                self._put(lines, key)
                lines.add(csvio.vocab_text(cat[key][sl], table))
            for key, src in (("raw_amount", "raw"), ("amount", "amount")):
                self._put(lines, key, quoted=True)
                lines.add(csvio.number_text(cat[src][sl], fen=True))
                self._after(lines, True)
            self._put(lines, "explanation")
            lines.add(csvio.vocab_text(cat["expl"][sl], vocab_t))
            for key in ("amount_min", "amount_max"):  # SPEC 9.2: empty (JSON: no key) where it does not apply
                has = cat[f"has_{key}"][sl]
                if self.json:
                    lines.const(f',"{key}":"'.encode(), where=has)
                else:
                    self._put(lines, key)
                lines.add(csvio.number_text(cat[key][sl], has, fen=True))
                if self.json:
                    lines.const(b'"', where=has)
            out.append(self._end(lines))
        return out, total
