"""``qualcode check-manuscript``: the findings as written, checked against the study's data.

Per paragraph: every citation's number word agrees with the identifiers it lists (in brackets
or in its footnote) and every identifier is a participant; every quotation attributed to a
participant is found in that participant's documents (else, if found in someone else's, it is
misattributed); every claim anchored to a code cites exactly the participants who carry that
code after merges. Participant sets per code come from ``participant_ids_by_code``, the same
function ``report cite`` and the codebook read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from qualcode.db.models import Code, Document, Participant
from qualcode.domain.citations import cite
from qualcode.domain.labels import natural_key, split_label
from qualcode.domain.manuscript import (
    CitedGroup,
    Paragraph,
    citation_pattern,
    find_citations,
    find_quotation,
    find_quotations,
    fold_quotes,
    nearest_in_sentence,
    quotation_pieces,
    sentence_bounds,
)
from qualcode.domain.similarity import DEFAULT_THRESHOLD, pair_score
from qualcode.services.read_models import participant_ids_by_code
from qualcode.services.uow import UnitOfWork


@dataclass(frozen=True)
class Finding:
    """One disagreement: ``kind`` is number, participant, footnote, quote or claim;
    ``[start, end)`` is where it stands in the paragraph's text."""

    paragraph: int
    kind: str
    message: str
    start: int
    end: int
    excerpt: str


@dataclass(frozen=True)
class CitationCheck:
    text: str
    participants: tuple[str, ...]  # the study labels it names (known ones)
    stated: int | None


@dataclass(frozen=True)
class QuoteCheck:
    text: str
    attributed_to: tuple[str, ...]
    status: str  # found, misattributed, not found, unattributed
    document: str | None  # where it was found
    participant: str | None
    offset: int | None  # character offset in that document


@dataclass(frozen=True)
class ClaimCheck:
    codes: tuple[str, ...]  # as written
    resolved: tuple[str, ...]  # after merges
    cited: tuple[str, ...]
    carriers: tuple[str, ...]  # participants who carry the code(s)
    missing: tuple[str, ...]
    extra: tuple[str, ...]


@dataclass(frozen=True)
class ParagraphCheck:
    number: int
    citations: tuple[CitationCheck, ...]
    quotes: tuple[QuoteCheck, ...]
    claims: tuple[ClaimCheck, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class ManuscriptCheck:
    source: str
    paragraphs: tuple[ParagraphCheck, ...]  # those with anything to check
    findings: tuple[Finding, ...]
    citations: int
    quotes: int
    claims: int


@dataclass
class _Doc:
    title: str
    participant: str | None
    folded: str


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Study:
    """What the check reads from the study, once."""

    def __init__(self, uow: UnitOfWork):
        s = uow.session
        self.uow = uow
        rows = s.execute(select(Participant.id, Participant.label)).all()
        self.label_of_id = dict(rows)
        self.by_key: dict[tuple[str, str], str] = {}
        for _, label in rows:
            noun, ident = split_label(label)
            self.by_key[(noun.casefold(), ident.casefold())] = label
        self.nouns = {split_label(label)[0] for _, label in rows if split_label(label)[0]}
        self.pattern = citation_pattern(self.nouns)
        self.people = participant_ids_by_code(uow)
        self._docs: list[_Doc] | None = None
        codes = s.execute(select(Code.id, Code.name, Code.merged_into_id)).all()
        self.code_ids = {name: cid for cid, name, _ in codes}
        self.code_names = {cid: name for cid, name, _ in codes}
        self.merged_into = {cid: into for cid, _, into in codes if into is not None}

    def near(self, name: str) -> str | None:
        """The code name a misspelt one most likely means (``codes similar``'s score), else None."""
        best = max(((pair_score(name, known), known) for known in self.code_ids), default=(0.0, ""))
        return best[1] if best[0] >= DEFAULT_THRESHOLD else None

    def code(self, name: str) -> tuple[int, str] | None:
        """(id, name) of the code ``name`` lives on now (following merges), None if unknown."""
        cid = self.code_ids.get(" ".join(name.split()))
        if cid is None:
            return None
        seen = {cid}
        while cid in self.merged_into and self.merged_into[cid] not in seen:
            cid = self.merged_into[cid]
            seen.add(cid)
        return cid, self.code_names[cid]

    def docs(self) -> list[_Doc]:
        if self._docs is None:
            rows = self.uow.session.execute(
                select(Document.title, Participant.label, Document.text)
                .outerjoin(Participant, Participant.id == Document.participant_id)
                .order_by(Document.id)
            ).all()
            self._docs = [_Doc(t, label, fold_quotes(text)) for t, label, text in rows]
        return self._docs

    def every(self, noun: str) -> tuple[str, ...]:
        return tuple(
            sorted((v for (n, _), v in self.by_key.items() if n == noun.casefold()), key=natural_key)
        )


def _citation(study: _Study, para: Paragraph, c: CitedGroup, findings: list[Finding]) -> CitationCheck:
    def flag(kind: str, message: str) -> None:
        findings.append(Finding(para.number, kind, message, c.start, c.end, c.text))

    known: list[str] = []
    unknown: list[str] = []
    for ident in c.idents:
        label = study.by_key.get((c.noun.casefold(), ident.casefold()))
        (known if label else unknown).append(label or ident)
    if c.footnote is not None and c.footnote not in para.footnotes:
        flag("footnote", f"{c.text!r}: footnote {c.footnote} is not in the manuscript")
    elif c.footnote is not None and not c.idents and (c.stated is not None or c.every):
        flag("footnote", f"{c.text!r}: footnote {c.footnote} names no {c.noun.casefold()}s")
    if c.unreadable:
        flag("participant", f"{c.text!r}: cannot read the participants in {c.unreadable!r}")
    for ident in unknown:
        flag("participant", f"{c.text!r}: {c.noun} ({ident}) is not a participant of the study")
    repeated = sorted({i for i in c.idents if c.idents.count(i) > 1}, key=natural_key)
    if repeated:
        flag("number", f"{c.text!r} names {', '.join(repeated)} more than once")
    distinct = len(set(c.idents))
    if c.idents:
        if c.stated is not None and c.stated != distinct:
            where = f" (footnote {c.footnote})" if c.footnote else ""
            flag(
                "number",
                f"{c.text!r} says {c.stated_text.casefold()} ({c.stated}) but names {distinct}"
                f"{where}: {', '.join(c.idents)}",
            )
        elif c.every:
            everyone = study.every(c.noun)
            if set(known) != set(everyone):
                flag("number", f"{c.text!r} says all but names {distinct} of {len(everyone)}")
        elif c.stated is None and c.plural and distinct == 1:
            flag("number", f"{c.text!r}: the plural {c.noun}s names one participant")
        if not c.plural and distinct > 1:
            flag("number", f"{c.text!r}: the singular {c.noun} names {distinct} participants")
    return CitationCheck(c.text, tuple(sorted(set(known), key=natural_key)), c.stated)


def _find_quote(study: _Study, text: str, owners: set[str]) -> tuple[str, _Doc | None, int | None]:
    if not quotation_pieces(text):
        return "unattributed", None, None
    docs = study.docs()
    for doc in docs:
        if doc.participant in owners:
            at = find_quotation(text, doc.folded)
            if at is not None:
                return "found", doc, at
    for doc in docs:
        if doc.participant not in owners:
            at = find_quotation(text, doc.folded)
            if at is not None:
                return "misattributed", doc, at
    return "not found", None, None


def _cited_labels(study: _Study, c: CitedGroup) -> tuple[str, ...]:
    if c.every and not c.idents:
        return study.every(c.noun)
    labels = (study.by_key.get((c.noun.casefold(), i.casefold())) for i in c.idents)
    return tuple(sorted({label for label in labels if label}, key=natural_key))


def _check_paragraph(study: _Study, para: Paragraph) -> ParagraphCheck:
    findings: list[Finding] = []
    cited = find_citations(para.text, study.pattern, para.footnotes, study.nouns)
    citations = tuple(_citation(study, para, c, findings) for c in cited)
    found_quotes = find_quotations(para.text)
    sentences = sentence_bounds(para.text, found_quotes)
    quotes: list[QuoteCheck] = []
    for q in found_quotes:
        named = [c for c in cited if c.idents]
        who = nearest_in_sentence(q.start, q.end, named, sentences)
        if who is None:  # "As Expert (H) emphasised, …" governs the sentences after it
            before = [c for c in named if c.end <= q.start]
            who = before[-1] if before else None
        owners = _cited_labels(study, who) if who else ()
        if not owners:
            quotes.append(QuoteCheck(q.text, (), "unattributed", None, None, None))
            continue
        status, doc, offset = _find_quote(study, q.text, set(owners))
        quotes.append(
            QuoteCheck(
                q.text, owners, status, doc.title if doc else None, doc.participant if doc else None, offset
            )
        )
        if status == "misattributed" and doc is not None:
            findings.append(
                Finding(
                    para.number,
                    "quote",
                    f"the quotation {_short(q.text)!r} is attributed to {', '.join(owners)} but is found "
                    + (
                        f"in {doc.participant}'s document {doc.title!r}"
                        if doc.participant
                        else f"in {doc.title!r}, a document of no participant"
                    )
                    + f" at character {offset}",
                    q.start,
                    q.end,
                    q.text,
                )
            )
        elif status == "not found":
            findings.append(
                Finding(
                    para.number,
                    "quote",
                    f"the quotation {_short(q.text)!r} attributed to {', '.join(owners)} is in no document "
                    "of the study",
                    q.start,
                    q.end,
                    q.text,
                )
            )
    claims: list[ClaimCheck] = []
    for anchor in para.anchors:
        resolved: list[str] = []
        carriers: set[str] = set()
        unknown = False
        if not anchor.explicit and all(study.code(n) is None and not study.near(n) for n in anchor.codes):
            continue  # a reviewer's comment, not a code
        for name in anchor.codes:
            code = study.code(name)
            if code is None:
                near = study.near(name)
                hint = f" (did you mean {near!r}?)" if near else ""
                findings.append(
                    Finding(
                        para.number,
                        "claim",
                        f"the claim is anchored to {name!r}, which is not a code of the study{hint}",
                        anchor.start,
                        anchor.end,
                        para.text[anchor.start : anchor.end],
                    )
                )
                unknown = True
                continue
            resolved.append(code[1])
            carriers |= {study.label_of_id[p] for p in study.people.get(code[0], ())}
        if unknown:
            continue
        who = nearest_in_sentence(anchor.start, anchor.end, cited, sentences)
        if who is None:
            before = [c for c in cited if c.end <= anchor.start]
            who = before[-1] if before else None
        ordered = tuple(sorted(carriers, key=natural_key))
        subject = " + ".join(repr(n) for n in anchor.codes)
        merged = [
            f"{n!r} was merged into {r!r}" for n, r in zip(anchor.codes, resolved, strict=False) if n != r
        ]
        after = f" ({'; '.join(merged)})" if merged else ""
        if who is None:
            claims.append(ClaimCheck(anchor.codes, tuple(resolved), (), ordered, ordered, ()))
            findings.append(
                Finding(
                    para.number,
                    "claim",
                    f"the claim anchored to {subject}{after} cites no participants; the code's are "
                    f"{cite(ordered) or 'none'}",
                    anchor.start,
                    anchor.end,
                    para.text[anchor.start : anchor.end],
                )
            )
            continue
        cited_labels = _cited_labels(study, who)
        missing = tuple(label for label in ordered if label not in cited_labels)
        extra = tuple(label for label in cited_labels if label not in carriers)
        claims.append(ClaimCheck(anchor.codes, tuple(resolved), cited_labels, ordered, missing, extra))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if extra:
                parts.append(f"{', '.join(extra)} never coded it")
            findings.append(
                Finding(
                    para.number,
                    "claim",
                    f"{who.text!r} is anchored to {subject}{after}, whose participants are "
                    f"{cite(ordered) or 'none'}: {'; '.join(parts)}",
                    min(who.start, anchor.start),
                    max(who.end, anchor.end),
                    who.text,
                )
            )
    findings.sort(key=lambda f: (f.start, f.kind))
    return ParagraphCheck(para.number, citations, tuple(quotes), tuple(claims), tuple(findings))


def check_manuscript(uow: UnitOfWork, paragraphs: Sequence[Paragraph], source: str) -> ManuscriptCheck:
    """Check every paragraph of a manuscript against the study (read-only).

    Returns the paragraphs that cite, quote or claim anything, with their findings; a
    manuscript that agrees with the data has no findings."""
    study = _Study(uow)
    checked = [_check_paragraph(study, p) for p in paragraphs]
    kept = tuple(p for p in checked if p.citations or p.quotes or p.claims or p.findings)
    findings = tuple(f for p in kept for f in p.findings)
    return ManuscriptCheck(
        source,
        kept,
        findings,
        sum(len(p.citations) for p in kept),
        sum(len(p.quotes) for p in kept),
        sum(len(p.claims) for p in kept),
    )
