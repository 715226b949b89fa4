"""Code saturation over the study's interviews (``qualcode.domain.saturation``)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from qualcode.db.models import CodeStatus, Document, Participant
from qualcode.domain.errors import QualcodeError
from qualcode.domain.query import as_date
from qualcode.domain.saturation import SaturationStep, saturation_steps
from qualcode.services.uow import UnitOfWork

DATE_KEYS = ("date", "interview date", "дата", "күні")


def _interviews(uow: UnitOfWork) -> list[tuple[int, str, str | None, dict[str, object]]]:
    rows = uow.session.execute(
        select(Document.id, Document.title, Participant.label, Participant.attributes)
        .outerjoin(Participant, Participant.id == Document.participant_id)
        .order_by(Document.id)
    ).all()
    return [(i, t, label, dict(attrs or {})) for i, t, label, attrs in rows]


def _attribute(attrs: dict[str, object], key: str) -> object | None:
    folded = {k.casefold(): v for k, v in attrs.items()}
    return folded.get(key.casefold())


def _ordered(
    uow: UnitOfWork, docs: list[tuple[int, str, str | None, dict[str, object]]], order: str
) -> list[tuple[int, str, str | None, dict[str, object]]]:
    from qualcode.services.read_models import text_key

    key = text_key(uow)  # the study's collation, as every listing sorts
    if order == "title":
        return sorted(docs, key=lambda d: key(d[1]))
    if order == "date" or order.startswith("attribute:"):
        attr = order.split(":", 1)[1].strip() if order.startswith("attribute:") else None
        if attr == "":
            raise QualcodeError("--order attribute:KEY needs a KEY, for example attribute:date")
        keyed: list[tuple[tuple[float, Any], tuple[int, str, str | None, dict[str, object]]]] = []
        for d in docs:
            if attr is None:
                value = next((v for k in DATE_KEYS if (v := _attribute(d[3], k)) is not None), None)
            else:
                value = _attribute(d[3], attr)
            if value is None or str(value).strip() == "":
                what = f"attribute {attr!r}" if attr else "interview date (participant attribute 'date')"
                raise QualcodeError(f"document {d[1]!r} has no {what}; add it or choose another --order")
            if attr is None:
                parsed = as_date(value)
                if parsed is None:
                    raise QualcodeError(
                        f"document {d[1]!r}: {value!r} is not a date qualcode can read (use 2024-04-11)"
                    )
                keyed.append(((parsed.toordinal(), ""), d))
            else:
                keyed.append((_number_or_text(str(value), key), d))
        keyed.sort(key=lambda kv: (kv[0], key(kv[1][1])))
        return [d for _, d in keyed]
    raise QualcodeError("--order must be date, title or attribute:KEY")


def _number_or_text(value: str, key: Any) -> tuple[float, Any]:
    """Attribute values in order: numbers by value (wave 2 before wave 10), then text collated."""
    try:
        return (float(value.replace(",", ".")), "")
    except ValueError:
        return (float("inf"), key(value))


def code_saturation(
    uow: UnitOfWork, *, order: str = "date", include_excluded: bool = False, only_coder: str | None = None
) -> list[SaturationStep]:
    """New codes per interview (document) in ``order`` and the cumulative count.

    ``order``: "date" (the participant's interview date attribute), "title" (natural order) or
    "attribute:KEY". Codes come from the excerpts read model (merged codes count as their
    survivor; excluded codes only with ``include_excluded``; ``only_coder`` for blind coding).
    Refuses an order some interview has no value for.
    """
    from qualcode.services.codes import list_codes
    from qualcode.services.coding import list_segments

    docs = _ordered(uow, _interviews(uow), order)
    codebook = list_codes(uow, include_all=True, coder=only_coder)
    allowed = {
        c.name
        for c in codebook
        if c.status == CodeStatus.ACTIVE.value or (include_excluded and c.status == CodeStatus.EXCLUDED.value)
    }
    per_doc: dict[str, set[str]] = defaultdict(set)
    for r in list_segments(uow, only_coder=only_coder):
        if r.code in allowed:
            per_doc[r.document].add(r.code)
    return saturation_steps(
        [(title, label, per_doc.get(title, set())) for _, title, label, _ in docs],
        order_codes=[c.name for c in codebook],
    )
