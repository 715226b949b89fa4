"""Coding queries: which excerpts a code expression and a ``where`` filter select; saved queries.

The excerpts come from the segments read model (``qualcode.services.coding.list_segments``), so
a query's rows are exactly the rows ``qualcode segments`` prints, filtered; the language is in
``qualcode.domain.query``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select

from qualcode.db.models import Code, CodeStatus, Document, Participant, SavedQuery, Theme
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.domain.passages import sentence_spans
from qualcode.domain.query import (
    Evaluator,
    Name,
    Query,
    QuerySyntaxError,
    Seg,
    compares_in,
    matches,
    names_in,
    normal_name,
    parse,
    uses_not,
)
from qualcode.domain.spans import paragraph_spans
from qualcode.services.coding import SegmentRow, list_segments
from qualcode.services.history import RowTracker
from qualcode.services.lookup import _did_you_mean
from qualcode.services.uow import UnitOfWork

# Keys a ``where`` filter knows besides participant attributes.
BUILT_IN_KEYS = ("document", "participant", "coder", "coded")


@dataclass(frozen=True)
class QueryResult:
    """The excerpts a query selected: one row per coding, as ``segments`` prints them."""

    expression: str
    rows: tuple[SegmentRow, ...]
    segments: int  # distinct excerpts
    documents: int
    participants: tuple[str, ...]


@dataclass(frozen=True)
class SavedQueryInfo:
    name: str
    expression: str
    created_by: str | None


class _Names:
    """Code and theme names of the study, resolved as a researcher types them."""

    def __init__(self, uow: UnitOfWork, query: Query):
        s = uow.session
        self.expression = query.expression
        codes = s.execute(
            select(Code.id, Code.name, Code.status, Code.merged_into_id, Code.theme_id, Code.parent_id)
        ).all()
        self.code_name = {c[0]: c[1] for c in codes}
        self.merged_into = {c[0]: c[3] for c in codes if c[2] == CodeStatus.MERGED}
        self.code_theme = {c[0]: c[4] for c in codes if c[2] != CodeStatus.MERGED}
        self.code_parent = {c[0]: c[5] for c in codes}
        themes = s.execute(select(Theme.id, Theme.name, Theme.parent_id)).all()
        self.theme_name = {t[0]: t[1] for t in themes}
        self.theme_parent = {t[0]: t[2] for t in themes}
        self.codes_by_key: dict[str, list[int]] = defaultdict(list)
        for cid, name in self.code_name.items():
            self.codes_by_key[normal_name(name)].append(cid)
        self.themes_by_key: dict[str, list[int]] = defaultdict(list)
        for tid, name in self.theme_name.items():
            self.themes_by_key[normal_name(name)].append(tid)

    def _pick(self, found: dict[str, list[int]], names: dict[int, str], text: str) -> int | None:
        exact = [i for i in found.get(normal_name(text), []) if names[i] == text]
        hits = exact or found.get(normal_name(text), [])
        return hits[0] if len(hits) == 1 else None

    def _survivor(self, code_id: int) -> int:
        seen = {code_id}
        while code_id in self.merged_into and self.merged_into[code_id] is not None:
            code_id = self.merged_into[code_id]  # type: ignore[assignment]
            if code_id in seen:
                break
            seen.add(code_id)
        return code_id

    def resolve(self, name: Name) -> frozenset[str]:
        """The code names (live codes) a name in the query stands for."""
        code_id = self._pick(self.codes_by_key, self.code_name, name.text) if name.kind != "theme" else None
        theme_id = self._pick(self.themes_by_key, self.theme_name, name.text) if name.kind != "code" else None
        if code_id is not None and theme_id is not None:
            raise QuerySyntaxError(
                f"{name.text!r} is both a code and a theme: write code {name.text!r} or theme {name.text!r}",
                self.expression,
                name.pos,
            )
        if code_id is not None:
            return frozenset({self.code_name[self._survivor(code_id)]})
        if theme_id is not None:
            return frozenset(self.code_name[c] for c in self.theme_codes(theme_id))
        pool = [] if name.kind == "theme" else list(self.code_name.values())
        pool += [] if name.kind == "code" else list(self.theme_name.values())
        what = name.kind or "code or theme"
        raise QuerySyntaxError(
            f"no {what} named {name.text!r}{_did_you_mean(name.text, pool)}", self.expression, name.pos
        )

    def theme_codes(self, theme_id: int) -> set[int]:
        """Codes in a theme, its sub-themes, and every sub-code of those codes."""
        themes = {theme_id}
        changed = True
        while changed:
            more = {t for t, p in self.theme_parent.items() if p in themes} - themes
            themes |= more
            changed = bool(more)
        codes = {c for c, t in self.code_theme.items() if t in themes}
        changed = True
        while changed:
            more = {c for c, p in self.code_parent.items() if p in codes and c in self.code_theme} - codes
            codes |= more
            changed = bool(more)
        return codes


def _filter_keys(uow: UnitOfWork, query: Query, attribute_keys: set[str]) -> dict[int, str]:
    """Per comparison (by position), the key it reads: a built-in or a participant attribute."""
    by_fold = {normal_name(k): k for k in sorted(attribute_keys)}
    out: dict[int, str] = {}
    for c in compares_in(query.where):
        key = normal_name(c.key)
        if key in by_fold:
            out[c.pos] = "attr:" + by_fold[key]
        elif key in BUILT_IN_KEYS:
            out[c.pos] = key
        elif key == "date":
            out[c.pos] = "coded"
        else:
            known = ", ".join([*BUILT_IN_KEYS, *sorted(attribute_keys)])
            raise QuerySyntaxError(f"no attribute {c.key!r}; filters know {known}", query.expression, c.pos)
    return out


def _rekey(node: Any, keys: dict[int, str]) -> Any:
    from dataclasses import replace

    from qualcode.domain.query import Compare, FilterOp

    if isinstance(node, Compare):
        return replace(node, key=keys[node.pos])
    if isinstance(node, FilterOp):
        return replace(node, operands=tuple(_rekey(o, keys) for o in node.operands))
    return node


def run_query(uow: UnitOfWork, expression: str, *, only_coder: str | None = None) -> QueryResult:
    """The excerpts ``expression`` selects (see ``qualcode.domain.query`` for the language).

    Rows are the segments read model's rows (one per coding, in its order): for each selected
    excerpt, its codings by the codes the query names (all its codings when the query names
    none outside a ``not``). ``only_coder`` (blinded coding) keeps that coder's codings alone.
    Raises ``QuerySyntaxError`` (with the position) for a malformed query or an unknown name.
    """
    query = parse(expression)
    names = _Names(uow, query)
    resolved = {(n.text, n.kind, n.pos): names.resolve(n) for n in names_in(query.codes)}
    s = uow.session
    attrs_by_label: dict[str, dict[str, Any]] = {
        label: dict(attrs or {})
        for label, attrs in s.execute(select(Participant.label, Participant.attributes))
    }
    attribute_keys = {k for attrs in attrs_by_label.values() for k in attrs}
    where = _rekey(query.where, _filter_keys(uow, query, attribute_keys)) if query.where is not None else None

    wanted = {c for n in names_in(query.codes, positive_only=True) for c in resolved[(n.text, n.kind, n.pos)]}
    if query.codes is None or uses_not(query.codes):
        rows = list_segments(uow, only_coder=only_coder)
    else:
        rows = list_segments(uow, codes=sorted(wanted), only_coder=only_coder)
    if where is not None:
        rows = [r for r in rows if matches(where, _values(r, attrs_by_label))]

    by_segment: dict[int, list[SegmentRow]] = defaultdict(list)
    for r in rows:
        by_segment[r.segment_id].append(r)
    doc_ids = _document_ids(uow, {r.document for r in rows})
    segs = [
        Seg(sid, doc_ids[rs[0].document], rs[0].start, rs[0].end, frozenset(r.code for r in rs))
        for sid, rs in by_segment.items()
    ]
    texts: dict[int, str] = {}

    @cache
    def units(document_id: int, unit: str) -> list[tuple[int, int]]:
        if document_id not in texts:
            texts[document_id] = s.scalar(select(Document.text).where(Document.id == document_id)) or ""
        text = texts[document_id]
        return sentence_spans(text) if unit == "sentence" else paragraph_spans(text)

    def resolve(name: Name) -> frozenset[Any]:
        return resolved[(name.text, name.kind, name.pos)]

    chosen = Evaluator(segs, resolve, units).run(query.codes)
    keep = [r for r in rows if r.segment_id in chosen and (not wanted or r.code in wanted)]
    participants = sorted({r.participant for r in keep if r.participant}, key=_participant_rank(uow))
    return QueryResult(
        expression,
        tuple(keep),
        len({r.segment_id for r in keep}),
        len({r.document for r in keep}),
        tuple(participants),
    )


def _participant_rank(uow: UnitOfWork) -> Any:
    from qualcode.services.read_models import participant_order

    rank = {label: i for i, (_, label) in enumerate(participant_order(uow))}
    return lambda label: rank.get(label, len(rank))


def _document_ids(uow: UnitOfWork, titles: set[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    wanted = sorted(titles)
    for i in range(0, len(wanted), 500):
        out.update(
            uow.session.execute(
                select(Document.title, Document.id).where(Document.title.in_(wanted[i : i + 500]))
            ).all()  # type: ignore[arg-type]
        )
    return out


def _values(row: SegmentRow, attrs_by_label: dict[str, dict[str, Any]]) -> dict[str, object]:
    values: dict[str, object] = {
        "document": row.document,
        "participant": row.participant,
        "coder": row.coder,
        "coded": row.created_at,
    }
    for key, value in attrs_by_label.get(row.participant or "", {}).items():
        values["attr:" + key] = value
    return values


# --- saved queries ------------------------------------------------------------------------------


def save_query(uow: UnitOfWork, name: str, expression: str, *, replace: bool = False) -> SavedQueryInfo:
    """Keep a query by name (it must parse and name only codes and themes of the study); undoable."""
    name = name.strip()
    if not name:
        raise QualcodeError("a saved query needs a name")
    run_query(uow, expression)  # refuse a query that would not run
    s = uow.session
    tracker = RowTracker(s)
    found = s.scalar(select(SavedQuery).where(SavedQuery.name == name))
    if found is not None:
        if not replace:
            raise ConflictError(f"a query named {name!r} is already saved (use --replace to overwrite it)")
        tracker.watch(SavedQuery, [found.id])
        found.expression = expression
    else:
        found = SavedQuery(name=name, expression=expression, created_by_id=uow.coder_id())
        s.add(found)
        s.flush()
        tracker.watch_new(SavedQuery, [found.id])
    uow.log(
        "query.save",
        f"saved query {name!r}",
        details={"name": name, "expression": expression},
        changes=tracker.changes(),
    )
    uow.commit()
    return SavedQueryInfo(name, expression, uow.coder_name)


def saved_queries(uow: UnitOfWork) -> list[SavedQueryInfo]:
    """Every saved query, by name."""
    from qualcode.db.models import Coder

    rows = uow.session.execute(
        select(SavedQuery.name, SavedQuery.expression, Coder.name)
        .outerjoin(Coder, Coder.id == SavedQuery.created_by_id)
        .order_by(SavedQuery.name)
    ).all()
    return [SavedQueryInfo(*r) for r in rows]


def saved_query(uow: UnitOfWork, name: str) -> str:
    """The expression saved under ``name``."""
    found = uow.session.scalar(select(SavedQuery.expression).where(SavedQuery.name == name.strip()))
    if found is None:
        names = [q.name for q in saved_queries(uow)]
        raise NotFoundError(
            f"no saved query {name!r}{_did_you_mean(name, names)} (see qualcode query --list)"
        )
    return found


def filtered_coding_ids(uow: UnitOfWork, where: str, *, only_coder: str | None = None) -> set[int]:
    """The ids of the codings a ``where`` filter keeps (``organisation = NGO and mode = Zoom``),
    for reports that take the query language's filters (``report matrix --where``)."""
    text = where.strip()
    expression = text if text.lower().startswith("where") else f"where {text}"
    return {r.coding_id for r in run_query(uow, expression, only_coder=only_coder).rows}
