"""SPEC §8 JSON: the stable machine-readable form of calc and compare.

Every sentence in it (``explanation``, ``detail``, ``warnings`` …) comes from
``explain``, the one wording; JSON escapes control characters itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import explain
from ..money import UNITS_PER_FEN, format_fen
from ..policy import Clause
from ..text import json_text
from ..trace import CapEvent, CapKind, ClauseResult, PolicyResult


def _condition(cd) -> dict:
    d = {"label": cd.label, "test": cd.text, "held": cd.held, "detail": explain.condition(cd)}
    short = explain.shortfall(cd)
    if short:
        d["shortfall"] = short
    return d


def clause_dict(c: ClauseResult) -> dict:
    return {
        "id": c.id,
        "status": str(c.status),
        "basis": str(c.basis),
        "amount": format_fen(c.amount),
        "raw_amount": format_fen(c.raw_amount),
        "explanation": explain.clause_explanation(c),
        "source": c.source,
        "title_zh": c.title_zh,
        "title_en": c.title_en,
        "quote": c.quote,
        "missing": list(c.missing),
        "conditions": [_condition(cd) for cd in c.conditions],
        "calculation": explain.calculation(c),
        "group": c.group,
        **({"amount_min": format_fen(c.amount_min)} if c.amount_min is not None else {}),
        **({"amount_max": format_fen(c.amount_max)} if c.amount_max is not None else {}),
    }


def _cap_note(cap: CapEvent, r: PolicyResult) -> str:
    if cap.kind == CapKind.COMPANY and r.company_cap is not None:
        return explain.company_cap(r.company_cap)
    basis = r.clause(cap.clause).basis if cap.clause else "exact"
    return explain.cap_event(cap, basis)


def scope_keys(clause: Clause) -> dict:
    """SPEC 9.5: ``frequency``, and ``cap_scope`` when the clause has a cap (its own, else its per-item cap) or
    an up-to ceiling of its own ("单个企业每年最高500万元": ``year``; "每项给予100-200万元": ``project``, SPEC 9.1's own
    example of a per-project scope). Such a ceiling's scope is also given as ``ceiling_scope`` (as before: it
    says the scope is a ceiling's, not a cap's that cuts a computed amount)."""
    scope = clause.main_cap_scope or clause.ceiling_scope
    out = {"frequency": clause.frequency.value, **({"cap_scope": scope.value} if scope is not None else {})}
    if clause.ceiling_scope is not None:
        out["ceiling_scope"] = clause.ceiling_scope.value
    if clause.item_cap is not None and clause.cap is not None:
        # a per-item cap under the clause's own (首试首用: 50万 per unit, 200万 per year): cap_scope names the
        # clause cap, so the per-item one is named here, with its figure
        out["item_cap"] = format_fen(clause.item_cap // UNITS_PER_FEN)
        if clause.item_cap_scope is not None:
            out["item_cap_scope"] = clause.item_cap_scope.value
    return out


def result_dict(r: PolicyResult) -> dict:
    p = r.policy
    return {
        "policy": p.id,
        "document_number": p.document_number,
        **({"document_number_note": p.document_number_note} if p.document_number_note else {}),
        "title": p.title_zh,
        "jurisdiction": p.jurisdiction,
        "valid_from": p.valid_from.isoformat(),
        "valid_until": p.valid_until.isoformat() if p.valid_until else None,
        "hypothetical": r.hypothetical,
        "targeted": r.targeted,
        "total": format_fen(r.total),
        "total_exact": format_fen(r.total_exact),
        "total_up_to": format_fen(r.total_up_to),
        **({"total_exact_max": format_fen(r.total_exact_max)} if r.total_exact_max is not None else {}),
        "in_force": r.in_force,
        **({"successor": explain.successor(r.successor)} if r.successor is not None else {}),
        "caps": [cap.as_dict(_cap_note(cap, r)) for cap in r.caps],
        "warnings": list(explain.warnings(r)),
        "references": [explain.reference(ref) for ref in r.references],
        "clauses": [clause_dict(c) | scope_keys(p.clause(c.id)) for c in r.clauses],
    }


def document(company: str, year: int, results: Sequence[PolicyResult]) -> dict:
    return {"company": company, "year": year, "results": [result_dict(r) for r in results]}


def dumps(company: str, year: int, results: Sequence[PolicyResult]) -> str:
    return json_text(document(company, year, results))
