"""The team glossary and the weaker kinds of likely duplicates ``codes similar`` also shows.

A glossary entry says two names are one term across languages; subset pairs are names where
one is the other with words added. Both are suggestions of a weaker kind than a spelling
duplicate: the researcher decides (``codes merge``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, delete, or_, select

from qualcode.db.models import Code, CodeStatus, GlossaryEntry
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.domain.similarity import WeakPair, find_glossary_pairs, find_subset_pairs, glossary_key
from qualcode.services.codes import code_counts
from qualcode.services.uow import UnitOfWork

GLOSSARY_ADD = "glossary.add"
GLOSSARY_REMOVE = "glossary.remove"


@dataclass(frozen=True)
class GlossaryTerm:
    term_a: str
    term_b: str


@dataclass(frozen=True)
class WeakSuggestion:
    kind: str  # subset or glossary
    codes: tuple[str, ...]  # the suggested survivor first
    suggested: str
    counts: tuple[int, ...]
    added: tuple[str, ...]  # subset: the words the longer name adds (stems)
    via: tuple[str, ...]  # glossary: the entries used ("Digitalisation = Цифровизация")


def _clean(term: str) -> str:
    term = " ".join(term.split())
    if not term:
        raise QualcodeError("a glossary term cannot be empty")
    if len(term) > 500:
        raise QualcodeError("a glossary term is at most 500 characters")
    return term


def glossary_terms(uow: UnitOfWork) -> list[GlossaryTerm]:
    """The glossary, in the order entries were added."""
    rows = uow.session.execute(select(GlossaryEntry.term_a, GlossaryEntry.term_b).order_by(GlossaryEntry.id))
    return [GlossaryTerm(a, b) for a, b in rows.all()]


def add_glossary_term(uow: UnitOfWork, term_a: str, term_b: str) -> GlossaryTerm:
    """``qualcode codes glossary add A B``: A and B are one term (either order)."""
    a, b = _clean(term_a), _clean(term_b)
    if glossary_key(a) == glossary_key(b):
        raise QualcodeError(f"{a!r} and {b!r} are already the same name to codes similar")
    s = uow.session
    clash = s.scalar(
        select(GlossaryEntry.id).where(
            or_(
                (GlossaryEntry.term_a == a) & (GlossaryEntry.term_b == b),
                (GlossaryEntry.term_a == b) & (GlossaryEntry.term_b == a),
            )
        )
    )
    if clash is not None:
        raise ConflictError(f"the glossary already pairs {a!r} and {b!r}")
    s.add(GlossaryEntry(term_a=a, term_b=b, created_by_id=uow.coder_id()))
    s.flush()
    uow.log(GLOSSARY_ADD, f"glossary: {a} = {b}", details={"term_a": a, "term_b": b})
    uow.commit()
    return GlossaryTerm(a, b)


def remove_glossary_term(uow: UnitOfWork, term_a: str, term_b: str) -> GlossaryTerm:
    """``qualcode codes glossary remove A B``."""
    a, b = _clean(term_a), _clean(term_b)
    s = uow.session
    done: CursorResult[Any] = s.execute(  # type: ignore[assignment]
        delete(GlossaryEntry).where(
            or_(
                (GlossaryEntry.term_a == a) & (GlossaryEntry.term_b == b),
                (GlossaryEntry.term_a == b) & (GlossaryEntry.term_b == a),
            )
        )
    )
    if not done.rowcount:
        raise NotFoundError(f"the glossary does not pair {a!r} and {b!r} (see qualcode codes glossary list)")
    uow.log(GLOSSARY_REMOVE, f"glossary: removed {a} = {b}", details={"term_a": a, "term_b": b})
    uow.commit()
    return GlossaryTerm(a, b)


def weaker_suggestions(
    uow: UnitOfWork, *, exclude: set[frozenset[str]] | None = None
) -> list[WeakSuggestion]:
    """Subset and glossary pairs among the active codes, survivor first (most codings, then
    shortest); pairs already in a spelling cluster (``exclude``) are left out."""
    s = uow.session
    active = s.execute(select(Code.id, Code.name).where(Code.status == CodeStatus.ACTIVE)).all()
    per_id = code_counts(uow)
    counts = {name: per_id.get(code_id, 0) for code_id, name in active}
    names = [name for _, name in active]
    glossary = [(t.term_a, t.term_b) for t in glossary_terms(uow)]
    pairs: list[WeakPair] = find_glossary_pairs(names, glossary) if glossary else []
    pairs += find_subset_pairs(names)
    out: list[WeakSuggestion] = []
    seen = set(exclude or ())
    for p in pairs:
        key = frozenset((p.shorter, p.longer))
        if key in seen:
            continue
        seen.add(key)
        ranked = tuple(sorted((p.shorter, p.longer), key=lambda n: (-counts.get(n, 0), len(n), n)))
        out.append(
            WeakSuggestion(p.kind, ranked, ranked[0], tuple(counts.get(n, 0) for n in ranked), p.added, p.via)
        )
    return out
