"""Team coding: agreement between coders, reconciling disagreements, folding studies together."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.engine import Connection

from qualcode.db.dialect import insert_ignoring_duplicates
from qualcode.db.models import (
    Code,
    Coder,
    CodeStatus,
    Coding,
    Document,
    Event,
    Memo,
    Participant,
    Segment,
    Theme,
    table_of,
)
from qualcode.domain import agreement as stats
from qualcode.domain.coders import coder_key
from qualcode.domain.errors import ConflictError, NotFoundError, QualcodeError
from qualcode.domain.labels import natural_key
from qualcode.domain.subcodes import ancestors
from qualcode.domain.textmatch import OffsetMap, normalised
from qualcode.services.history import RowTracker
from qualcode.services.uow import UnitOfWork

UNITS = ("segment", "sentence", "paragraph")

UNIT_RULES = {
    "segment": (
        "a unit is one coded segment, a span [start, end) of a document exactly as coded; spans that "
        "differ by one character are different units"
    ),
    "sentence": (
        "a unit is a sentence of a document (it ends at . ! ? or … followed by a space, or at a line "
        "break); a coder gave a code to a sentence when one of their codings with it overlaps it"
    ),
    "paragraph": (
        "a unit is a paragraph of a document (a non-blank line); a coder gave a code to a paragraph "
        "when one of their codings with it overlaps it"
    ),
}
PRESENCE_RULE = (
    "a coder takes part in a document's units when they coded anything in that document, and is "
    "missing there otherwise; overall, a unit's value is the set of codes a coder gave it (agreement "
    "means equal sets); per code, it is whether the coder gave that code"
)


# --- agreement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    percent: float | None
    kappa: float | None
    alpha: float | None
    units: int  # units at least two coders took part in


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    percent: float | None
    kappa: float | None
    alpha: float | None
    units: int
    applied: dict[str, int]  # coder -> units (two or more coders took part in) they gave this code


@dataclass(frozen=True)
class AgreementReport:
    coders: tuple[str, ...]
    unit: str
    rule: str
    units: int
    overall: Agreement
    per_code: tuple[CodeAgreement, ...]

    def as_dict(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        two = len(self.coders) == 2
        return {
            "coders": list(self.coders),
            "unit": self.unit,
            "rule": self.rule,
            "units": self.units,
            "overall": {
                "percent": num(self.overall.percent),
                "kappa": num(self.overall.kappa) if two else None,
                "alpha": num(self.overall.alpha),
                "units": self.overall.units,
            },
            "per_code": [
                {
                    "code": c.code,
                    "percent": num(c.percent),
                    "kappa": num(c.kappa) if two else None,
                    "alpha": num(c.alpha),
                    "units": c.units,
                    "applied": c.applied,
                }
                for c in self.per_code
            ],
        }


@dataclass(frozen=True)
class _CodingRow:
    coding_id: int
    segment_id: int
    document_id: int
    start: int
    end: int
    code: str
    coder: str


def _survivor_names(uow: UnitOfWork) -> dict[int, str]:
    """Code id -> the name of the code it counts for (a merged code gives its survivor)."""
    rows = uow.session.execute(select(Code.id, Code.name, Code.status, Code.merged_into_id)).all()
    by_id = {r[0]: r for r in rows}
    names: dict[int, str] = {}
    for code_id, name, status, merged_into in rows:
        seen = {code_id}
        while status == CodeStatus.MERGED and merged_into is not None and merged_into not in seen:
            seen.add(merged_into)
            _, name, status, merged_into = by_id[merged_into]
        names[code_id] = name
    return names


def _codings(
    uow: UnitOfWork, coders: Sequence[str] | None, *, document_id: int | None = None
) -> list[_CodingRow]:
    names = _survivor_names(uow)
    q = (
        select(
            Coding.id, Segment.id, Segment.document_id, Segment.start, Segment.end, Coding.code_id, Coder.name
        )
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Coder, Coder.id == Coding.coder_id)
    )
    if coders is not None:
        q = q.where(Coder.name.in_(list(coders)))
    if document_id is not None:
        q = q.where(Segment.document_id == document_id)
    return [
        _CodingRow(cid, sid, did, a, b, names[code_id], coder)
        for cid, sid, did, a, b, code_id, coder in uow.session.execute(q).all()
    ]


def _chosen_coders(uow: UnitOfWork, coders: Sequence[str] | None) -> tuple[str, ...]:
    known = set(uow.session.scalars(select(Coder.name).join(Coding, Coding.coder_id == Coder.id).distinct()))
    if coders is None:
        chosen = sorted(known, key=natural_key)
    else:
        # Names given on the command line match stored coders by the study's one coder key
        # (case and Unicode form aside), as every other command does.
        stored = {coder_key(name): name for name in known}
        chosen = []
        for given in (c for c in coders if c.strip()):
            name = stored.get(coder_key(given))
            if name is None:
                shown = ", ".join(sorted(known, key=natural_key)) or "none"
                raise NotFoundError(f"no codings by coder {given.strip()!r} (coders with codings: {shown})")
            if name not in chosen:
                chosen.append(name)
    if len(chosen) < 2:
        raise QualcodeError(
            f"agreement needs codings by at least two coders; this study has {len(chosen)}"
            + (f" ({', '.join(chosen)})" if chosen else "")
        )
    return tuple(chosen)


# One unit: (document id, start, end) -> {coder: set of codes} for the coders taking part.
UnitTable = dict[tuple[int, int, int], dict[str, set[str]]]


def _unit_table(uow: UnitOfWork, rows: Sequence[_CodingRow], unit: str) -> UnitTable:
    present: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        present[r.document_id].add(r.coder)
    table: UnitTable = {}
    if unit == "segment":
        for r in rows:
            key = (r.document_id, r.start, r.end)
            if key not in table:
                table[key] = {c: set() for c in present[r.document_id]}
            table[key][r.coder].add(r.code)
        return table
    texts = dict(
        uow.session.execute(select(Document.id, Document.text).where(Document.id.in_(list(present)))).all()
    )
    by_doc: dict[int, list[_CodingRow]] = defaultdict(list)
    for r in rows:
        by_doc[r.document_id].append(r)
    split = stats.sentence_spans if unit == "sentence" else stats.paragraph_spans
    for doc_id, doc_rows in by_doc.items():
        doc_rows.sort(key=lambda r: r.start)
        for a, b in split(texts[doc_id]):
            values: dict[str, set[str]] = {c: set() for c in present[doc_id]}
            for r in doc_rows:
                if r.start >= b:
                    break
                if r.end > a:
                    values[r.coder].add(r.code)
            table[(doc_id, a, b)] = values
    return table


def _measure(units: list[list[Hashable | None]], weights: list[int], two: bool) -> Agreement:
    comparable = sum(w for u, w in zip(units, weights, strict=True) if sum(v is not None for v in u) >= 2)
    kappa = stats.cohen_kappa(*stats.pairs_of(units, weights)) if two else None
    return Agreement(
        stats.percent_agreement(units, weights),
        kappa,
        stats.krippendorff_alpha_nominal(units, weights),
        comparable,
    )


def study_agreement(
    uow: UnitOfWork, *, coders: Sequence[str] | None = None, unit: str = "segment"
) -> AgreementReport:
    """``qualcode agreement``: percent agreement, Cohen's kappa (two coders), Krippendorff's alpha."""
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
    chosen = _chosen_coders(uow, coders)
    table = _unit_table(uow, _codings(uow, chosen), unit)
    keys = sorted(table)
    two = len(chosen) == 2

    def value(key: tuple[int, int, int], coder: str) -> frozenset[str] | None:
        codes = table[key].get(coder)
        return None if codes is None else frozenset(codes)

    overall = _measure([[value(k, c) for c in chosen] for k in keys], [1] * len(keys), two)
    # Per code, the units where someone gave the code are listed one by one; every other unit
    # is "not given" by each coder taking part, so those are counted by who took part.
    patterns: Counter[tuple[bool, ...]] = Counter()
    with_code: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for k in keys:
        patterns[tuple(c in table[k] for c in chosen)] += 1
        if len(table[k]) >= 2:  # a code given where only one coder took part says nothing
            for code in set().union(*table[k].values()):
                with_code[code].append(k)
    per_code = []
    for code in sorted(with_code, key=natural_key):
        given = set(with_code[code])
        rest = patterns.copy()
        units: list[list[Hashable | None]] = []
        for k in with_code[code]:
            rest[tuple(c in table[k] for c in chosen)] -= 1
            units.append([None if c not in table[k] else code in table[k][c] for c in chosen])
        weights = [1] * len(units)
        for pattern, count in rest.items():
            units.append([False if present else None for present in pattern])
            weights.append(count)
        m = _measure(units, weights, two)
        applied = {c: sum(1 for k in given if code in table[k].get(c, ())) for c in chosen}
        per_code.append(CodeAgreement(code, m.percent, m.kappa, m.alpha, m.units, applied))
    rule = f"{UNIT_RULES[unit]}; {PRESENCE_RULE}"
    return AgreementReport(chosen, unit, rule, len(keys), overall, tuple(per_code))


# --- reconciling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    segment_id: int
    document: str
    start: int
    end: int
    text: str
    codes: dict[str, list[str]]  # coder -> codes they gave this span
    disputed: tuple[str, ...]  # codes some coders gave and others did not


@dataclass(frozen=True)
class Resolution:
    event_id: int
    segment_id: int
    resolution: str
    removed: tuple[tuple[str, str], ...]  # (coder, code) codings deleted
    kept: tuple[str, ...]  # disputed codes that stay


def _state(values: dict[str, set[str]]) -> dict[str, list[str]]:
    return {c: sorted(v, key=natural_key) for c, v in sorted(values.items())}


def _resolved_states(uow: UnitOfWork) -> dict[int, list[dict[str, list[str]]]]:
    found: dict[int, list[dict[str, list[str]]]] = defaultdict(list)
    for details in uow.session.scalars(
        select(Event.details).where(Event.action == "reconcile.resolve", Event.undone_by_id.is_(None))
    ):
        found[int(details["segment_id"])].append(details["state"])
    return found


def _disputed(values: dict[str, set[str]]) -> list[str]:
    sets = list(values.values())
    if len(sets) < 2:
        return []
    union = set().union(*sets)
    common = set.intersection(*sets)
    return sorted(union - common, key=natural_key)


def list_disagreements(uow: UnitOfWork, *, coders: Sequence[str] | None = None) -> list[Disagreement]:
    """Coded spans on which the coders gave different codes, not yet resolved, in document order."""
    chosen = _chosen_coders(uow, coders)
    rows = _codings(uow, chosen)
    table = _unit_table(uow, rows, "segment")
    seg_ids = {(r.document_id, r.start, r.end): r.segment_id for r in rows}
    resolved = _resolved_states(uow)
    wanted = []
    for key in sorted(table):
        values = table[key]
        disputed = _disputed(values)
        if not disputed or _state(values) in resolved.get(seg_ids[key], []):
            continue
        wanted.append((seg_ids[key], values, disputed))
    if not wanted:
        return []
    info = {
        sid: (title, a, b, text)
        for sid, title, a, b, text in uow.session.execute(
            select(Segment.id, Document.title, Segment.start, Segment.end, Segment.text)
            .join(Document, Document.id == Segment.document_id)
            .where(Segment.id.in_([w[0] for w in wanted]))
        ).all()
    }
    return [
        Disagreement(
            sid, info[sid][0], info[sid][1], info[sid][2], info[sid][3], _state(values), tuple(disputed)
        )
        for sid, values, disputed in wanted
    ]


def resolve_disagreement(
    uow: UnitOfWork,
    segment_id: int,
    *,
    keep: str,
    coders: Sequence[str] | None = None,
) -> Resolution:
    """Settle the disputed codes on one coded span: ``keep`` is a coder's name, "both" or "neither".

    - a coder: each disputed code that coder gave stays (with every coding of it); the others'
      codings of codes that coder did not give are deleted;
    - "both": every coding stays, and the disagreement is marked settled;
    - "neither": every coding of a disputed code on the span is deleted.
    The deleted codings are recorded row by row, so ``qualcode undo`` puts them back.
    """
    s = uow.session
    segment = s.get(Segment, segment_id)
    if segment is None:
        raise NotFoundError(f"no coded span {segment_id} (see qualcode reconcile list)")
    chosen = _chosen_coders(uow, coders)
    rows = [r for r in _codings(uow, chosen, document_id=segment.document_id)]
    values = _unit_table(uow, rows, "segment").get((segment.document_id, segment.start, segment.end), {})
    disputed = _disputed(values)
    if not disputed:
        raise ConflictError(f"the coders agree on span {segment_id}; nothing to resolve")
    keep = next((name for name in values if coder_key(name) == coder_key(keep)), keep)
    if keep in ("both", "neither"):
        resolution = keep
        kept = disputed if keep == "both" else []
    elif keep in values:
        resolution = f"keep {keep}"
        kept = [c for c in disputed if c in values[keep]]
    else:
        raise QualcodeError(
            f"{keep!r} is not one of the coders of span {segment_id} ({', '.join(sorted(values))}); "
            "use a coder's name, both or neither"
        )
    doomed = [r for r in rows if r.segment_id == segment_id and r.code in disputed and r.code not in kept]
    tracker = RowTracker(s)
    tracker.watch(Coding, [r.coding_id for r in doomed])
    if doomed:
        s.execute(delete(Coding).where(Coding.id.in_([r.coding_id for r in doomed])))
    after = {c: {code for code in v if code in kept or code not in disputed} for c, v in values.items()}
    removed = tuple(sorted((r.coder, r.code) for r in doomed))
    event = uow.log(
        "reconcile.resolve",
        f"resolved span {segment_id} of {segment.document.title!r} [{segment.start}, {segment.end}): "
        f"{resolution}" + (f"; removed {', '.join(f'{c}: {k}' for c, k in removed)}" if removed else ""),
        details={
            "segment_id": segment_id,
            "document": segment.document.title,
            "start": segment.start,
            "end": segment.end,
            "resolution": resolution,
            "disputed": disputed,
            "kept": kept,
            "removed": [list(x) for x in removed],
            "state": _state(after),
        },
        changes=tracker.changes(),
    )
    uow.commit()
    return Resolution(event.id, segment_id, resolution, removed, tuple(kept))


# --- merging another study in ------------------------------------------------------------------


@dataclass(frozen=True)
class StudyMerge:
    other: str
    documents_added: int
    documents_matched: int
    participants_added: int
    codes_added: int
    themes_added: int
    segments_added: int
    codings_added: int
    memos_added: int
    coders: tuple[str, ...]
    event_id: int | None
    renamed: tuple[tuple[str, str], ...] = field(default=())  # (title there, title here)


def _read_other(conn: Connection, model: Any) -> list[dict[str, Any]]:
    table = table_of(model)
    return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


def _insert_new(uow: UnitOfWork, table: Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        uow.session.execute(insert_ignoring_duplicates(table, uow.dialect), rows)


def merge_study(uow: UnitOfWork, other_location: Any, *, other_label: str) -> StudyMerge:
    """``qualcode merge-study OTHER``: fold another study's work into this one, idempotently.

    Documents match by sha256, then by their normalised text (``qualcode.domain.textmatch``:
    line endings, a BOM, trailing spaces; offsets are carried over), codes by name (a name
    merged here gives its survivor; sub-codes keep their parent), participants by label, themes
    by name; coders stay apart by name. What is already
    here is left as it is; running it again adds nothing and logs nothing. One event records the
    rows it created, so ``qualcode undo`` removes them.
    """
    from qualcode.db.schema import open_study

    opened = open_study(other_location)
    try:
        with opened.engine.connect().execution_options(qualcode_write=False) as conn:
            other = {
                m.__tablename__: _read_other(conn, m)
                for m in (Coder, Participant, Theme, Code, Document, Segment, Coding, Memo)
            }
    finally:
        opened.engine.dispose()
    s = uow.session
    now = datetime.now(UTC)
    created: dict[str, list[int]] = defaultdict(list)

    # Coders: kept apart by name.
    coder_name = {r["id"]: r["name"] for r in other["coder"]}
    _insert_new(
        uow, table_of(Coder), [{"name": n, "created_at": now} for n in sorted(set(coder_name.values()))]
    )
    coder_ids = dict(s.execute(select(Coder.name, Coder.id)).all())
    coder_map = {oid: coder_ids[name] for oid, name in coder_name.items()}

    # Participants by label.
    here_labels = dict(s.execute(select(Participant.label, Participant.id)).all())
    new_people = [r for r in other["participant"] if r["label"] not in here_labels]
    _insert_new(
        uow,
        table_of(Participant),
        [{k: v for k, v in r.items() if k != "id"} for r in new_people],
    )
    labels_now = dict(s.execute(select(Participant.label, Participant.id)).all())
    created["participant"] += [labels_now[r["label"]] for r in new_people]
    participant_map = {r["id"]: labels_now[r["label"]] for r in other["participant"]}

    # Themes by name, parents first.
    theme_names = dict(s.execute(select(Theme.name, Theme.id)).all())
    other_theme = {r["id"]: r for r in other["theme"]}
    theme_map: dict[int, int] = {}

    def place_theme(oid: int) -> int:
        if oid in theme_map:
            return theme_map[oid]
        row = other_theme[oid]
        if row["name"] not in theme_names:
            parent = place_theme(row["parent_id"]) if row["parent_id"] is not None else None
            theme = Theme(
                name=row["name"],
                description=row["description"],
                parent_id=parent,
                position=row["position"],
                created_at=row["created_at"],
            )
            s.add(theme)
            s.flush()
            theme_names[row["name"]] = theme.id
            created["theme"].append(theme.id)
        theme_map[oid] = theme_names[row["name"]]
        return theme_map[oid]

    for oid in other_theme:
        place_theme(oid)

    # Codes by name; a code merged there is created here merged into its survivor's match.
    codes_here = {c.name: c for c in s.scalars(select(Code))}
    other_code = {r["id"]: r for r in other["code"]}

    def depth(row: dict[str, Any]) -> int:
        n, seen = 0, {row["id"]}
        while row["merged_into_id"] is not None and row["merged_into_id"] not in seen:
            row = other_code[row["merged_into_id"]]
            seen.add(row["id"])
            n += 1
        return n

    for row in sorted(other["code"], key=lambda r: (depth(r), r["id"])):  # survivors first
        if row["name"] in codes_here:
            continue
        merged_into = (
            codes_here[other_code[row["merged_into_id"]]["name"]].id
            if row["merged_into_id"] is not None
            else None
        )
        code = Code(
            name=row["name"],
            description=row["description"],
            colour=row["colour"],
            status=CodeStatus(row["status"]),
            merged_into_id=merged_into,
            exclusion_reason=row["exclusion_reason"],
            theme_id=theme_map.get(row["theme_id"]) if row["theme_id"] is not None else None,
            position=row["position"],
            created_by_id=coder_map.get(row["created_by_id"]) if row["created_by_id"] is not None else None,
            created_at=row["created_at"],
        )
        s.add(code)
        s.flush()
        codes_here[code.name] = code
        created["code"].append(code.id)
    survivors = _survivor_names(uow)
    ids_by_name = {c.name: c.id for c in codes_here.values()}
    code_map = {oid: ids_by_name[survivors[ids_by_name[r["name"]]]] for oid, r in other_code.items()}
    # Sub-codes created here go under their parent's match (codes already here keep their place).
    new_codes = set(created["code"])
    parents_here = dict(s.execute(select(Code.id, Code.parent_id).where(Code.parent_id.is_not(None))).all())
    for row in other["code"]:
        here_id = ids_by_name[row["name"]]
        parent = row.get("parent_id")
        if here_id in new_codes and parent is not None and row["status"] != CodeStatus.MERGED:
            parent_here = code_map[parent]
            if parent_here != here_id and here_id not in ancestors(parents_here, parent_here):
                parents_here[here_id] = parent_here
                codes_here[row["name"]].parent_id = parent_here

    # Documents by sha256, then by their normalised text (the same interview saved with other
    # line endings, a BOM or trailing spaces), else added (a title taken here gets a suffix).
    docs_here = s.execute(select(Document.id, Document.sha256, Document.text, Document.title)).all()
    by_sha: dict[str, list[tuple[int, str]]] = defaultdict(list)
    by_text: dict[str, tuple[int, str]] = {}
    for did, sha, text_, _title in docs_here:
        by_sha[sha].append((did, text_))
        by_text.setdefault(normalised(text_), (did, text_))
    titles = {t for *_, t in docs_here}
    doc_map: dict[int, int] = {}
    offsets: dict[int, OffsetMap] = {}  # other document id -> its offsets carried here
    renamed: list[tuple[str, str]] = []
    matched = 0
    for row in other["document"]:
        same = [did for did, text_ in by_sha.get(row["sha256"], []) if text_ == row["text"]]
        if not same:
            twin = by_text.get(normalised(row["text"]))
            if twin is not None:
                same = [twin[0]]
                if twin[1] != row["text"]:
                    offsets[row["id"]] = OffsetMap(row["text"], twin[1])
        if same:
            doc_map[row["id"]] = same[0]
            matched += 1
            continue
        title = row["title"]
        if title in titles:
            base = f"{title} ({other_label})"
            title, n = base, 2
            while title in titles:
                title, n = f"{base} {n}", n + 1
            renamed.append((row["title"], title))
        doc = Document(
            title=title,
            participant_id=participant_map.get(row["participant_id"]) if row["participant_id"] else None,
            text=row["text"],
            sha256=row["sha256"],
            source_name=row["source_name"],
            source_format=row["source_format"],
            meta=row["meta"],
            imported_by_id=coder_map.get(row["imported_by_id"]) if row["imported_by_id"] else None,
            imported_at=row["imported_at"],
        )
        s.add(doc)
        s.flush()
        titles.add(title)
        by_sha[row["sha256"]].append((doc.id, row["text"]))
        by_text.setdefault(normalised(row["text"]), (doc.id, row["text"]))
        doc_map[row["id"]] = doc.id
        created["document"].append(doc.id)
    new_docs = set(created["document"])

    # Segments by (document, start, end).
    seg_t, coding_t, memo_t = table_of(Segment), table_of(Coding), table_of(Memo)
    wanted_docs = sorted(set(doc_map.values()))
    segs_here = {
        (d, a, b): sid
        for sid, d, a, b in s.execute(
            select(seg_t.c.id, seg_t.c.document_id, seg_t.c.start, seg_t.c.end).where(
                seg_t.c.document_id.in_(wanted_docs)
            )
        )
    }
    here_text = {did: text_ for did, _sha, text_, _title in docs_here if did in {doc_map[o] for o in offsets}}

    def span_here(r: dict[str, Any]) -> tuple[int, int, int]:
        moved = offsets.get(r["document_id"])
        if moved is None:
            return doc_map[r["document_id"]], r["start"], r["end"]
        return doc_map[r["document_id"]], moved.start(r["start"]), moved.end(r["end"])

    spans = {r["id"]: span_here(r) for r in other["segment"]}
    new_segs = []
    for r in other["segment"]:
        key = spans[r["id"]]
        if key in segs_here:
            continue
        text_ = r["text"] if r["document_id"] not in offsets else here_text[key[0]][key[1] : key[2]]
        new_segs.append({"document_id": key[0], "start": key[1], "end": key[2], "text": text_})
    _insert_new(uow, seg_t, new_segs)
    before = set(segs_here.values())
    segs_here = {
        (d, a, b): sid
        for sid, d, a, b in s.execute(
            select(seg_t.c.id, seg_t.c.document_id, seg_t.c.start, seg_t.c.end).where(
                seg_t.c.document_id.in_(wanted_docs)
            )
        )
    }
    added_segs = [sid for key, sid in segs_here.items() if sid not in before and key[0] not in new_docs]
    seg_map = {r["id"]: segs_here[spans[r["id"]]] for r in other["segment"]}

    # Codings by (segment, code, coder).
    def coding_keys() -> dict[tuple[int, int, int], int]:
        return {
            (sid, code_id, cid): i
            for i, sid, code_id, cid in s.execute(
                select(coding_t.c.id, coding_t.c.segment_id, coding_t.c.code_id, coding_t.c.coder_id)
                .join(seg_t, seg_t.c.id == coding_t.c.segment_id)
                .where(seg_t.c.document_id.in_(wanted_docs))
            )
        }

    codings_here = coding_keys()
    new_codings: dict[tuple[int, int, int], dict[str, Any]] = {}
    for r in other["coding"]:
        key = (seg_map[r["segment_id"]], code_map[r["code_id"]], coder_map[r["coder_id"]])
        if key not in codings_here and key not in new_codings:
            new_codings[key] = {
                "segment_id": key[0],
                "code_id": key[1],
                "coder_id": key[2],
                "created_at": r["created_at"],
            }
    _insert_new(uow, coding_t, list(new_codings.values()))
    if new_codings:
        before_ids = set(codings_here.values())
        codings_here = coding_keys()
        segs_of_new_docs = {sid for key, sid in segs_here.items() if key[0] in new_docs}
        created["coding"] += [
            i for key, i in codings_here.items() if i not in before_ids and key[0] not in segs_of_new_docs
        ]
    other_coding_key = {
        r["id"]: (seg_map[r["segment_id"]], code_map[r["code_id"]], coder_map[r["coder_id"]])
        for r in other["coding"]
    }

    # Memos: the same text on the same target is the same memo.
    def target_of(r: dict[str, Any]) -> tuple[str, int | None]:
        if r["coding_id"] is not None:
            return ("coding_id", codings_here[other_coding_key[r["coding_id"]]])
        if r["document_id"] is not None:
            return ("document_id", doc_map[r["document_id"]])
        if r["participant_id"] is not None:
            return ("participant_id", participant_map[r["participant_id"]])
        if r["code_id"] is not None:
            return ("code_id", code_map[r["code_id"]])
        if r["theme_id"] is not None:
            return ("theme_id", theme_map[r["theme_id"]])
        return ("study", None)

    cols = ("coding_id", "document_id", "participant_id", "code_id", "theme_id")
    memos_here: set[tuple[tuple[str, int | None], str]] = set()
    for m in s.execute(select(memo_t)).all():
        here = dict(m._mapping)
        memos_here.add(
            (next(((c, here[c]) for c in cols if here[c] is not None), ("study", None)), here["text"])
        )
    memo_rows: list[dict[str, Any]] = []
    for r in other["memo"]:
        target = target_of(r)
        if (target, r["text"]) in memos_here:
            continue
        memos_here.add((target, r["text"]))
        memo_row: dict[str, Any] = {c: None for c in cols}
        if target[0] != "study":
            memo_row[target[0]] = target[1]
        memo_row.update(
            text=r["text"],
            author_id=coder_map.get(r["author_id"]) if r["author_id"] is not None else None,
            provenance=(r["provenance"] + "; " if r["provenance"] else "") + f"merged from {other_label}",
            created_at=r["created_at"],
        )
        memo_rows.append(memo_row)
    memos_added: list[int] = []
    for row in memo_rows:
        memo = Memo(**row)
        s.add(memo)
        s.flush()
        memos_added.append(memo.id)
    created["memo"] += [
        i for i, row in zip(memos_added, memo_rows, strict=True) if row["document_id"] not in new_docs
    ]

    added_codings = len(new_codings)
    result_counts = {
        "documents_added": len(created["document"]),
        "documents_matched": matched,
        "participants_added": len(created["participant"]),
        "codes_added": len(created["code"]),
        "themes_added": len(created["theme"]),
        "segments_added": len(new_segs),
        "codings_added": added_codings,
        "memos_added": len(memo_rows),
    }
    event_id = None
    if any(v for k, v in result_counts.items() if k != "documents_matched"):
        created["segment"] += added_segs
        event = uow.log(
            "study.merge",
            f"merged study {other_label}: {added_codings} codings, {result_counts['documents_added']} "
            f"documents, {result_counts['codes_added']} codes added",
            details={"other": other_label, **result_counts, "renamed": renamed},
            changes={"created_ids": {k: v for k, v in created.items() if v}},
        )
        event_id = event.id
        uow.commit()
    return StudyMerge(
        other_label,
        coders=tuple(sorted(set(coder_name.values()), key=natural_key)),
        event_id=event_id,
        renamed=tuple(renamed),
        **result_counts,
    )


def other_label_for(path_or_url: str) -> str:
    """How a merged study is named in titles and memos: its file name, or the database name."""
    if "://" in path_or_url:
        return path_or_url.rsplit("/", 1)[-1].split("?", 1)[0] or path_or_url
    return Path(path_or_url).name
