"""Blinded coding on every read path: a unit of work that sees only its coder's codings.

Blinded double coding is only blind if nothing a coder reads shows another coder's work. Rather
than trusting every listing, report, export and screen to pass a coder filter, a blind unit of
work filters at the session: every ORM query it runs gets loader criteria (SQLAlchemy's
``with_loader_criteria``) that keep only

- codings by this coder,
- segments that carry one of this coder's codings,
- memos this coder wrote, and memos without an author that are not about another coder's coding,
- events (the log) this coder made,
- this coder alone among the coders (an export's users),

wherever those entities appear in the query: selected, joined, in relationship loads. A read
model added later is blind without a change here. Write units are never filtered (a merge moves
every coder's codings); ``undo`` asks for the coder's own events itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from qualcode.db.models import Coder, Coding, Event, Memo, Segment
from qualcode.domain.coders import coder_key


def restrict_to_coder(session: Session, coder_name: str) -> None:
    """Make every later ORM read of ``session`` see only ``coder_name``'s codings (see above).

    A coder with no row yet (who has coded nothing) sees no codings, segments or events.
    """
    # names match as coders do everywhere: case and Unicode form aside (qualcode.domain.coders)
    coder_id = session.scalar(
        select(Coder.id).where(Coder.key == coder_key(coder_name)).order_by(Coder.id).limit(1)
    )
    me = -1 if coder_id is None else coder_id
    own_codings = select(Coding.id).where(Coding.coder_id == me)
    own_segments = select(Coding.segment_id).where(Coding.coder_id == me)
    options: list[Any] = [
        with_loader_criteria(Coding, Coding.coder_id == me, include_aliases=True),
        with_loader_criteria(Segment, Segment.id.in_(own_segments), include_aliases=True),
        with_loader_criteria(
            Memo,
            or_(
                Memo.author_id == me,
                and_(
                    Memo.author_id.is_(None), or_(Memo.coding_id.is_(None), Memo.coding_id.in_(own_codings))
                ),
            ),
            include_aliases=True,
        ),
        with_loader_criteria(Event, Event.coder_id == me, include_aliases=True),
        with_loader_criteria(Coder, Coder.id == me, include_aliases=True),
    ]

    @event.listens_for(session, "do_orm_execute")
    def _only_own(state: ORMExecuteState) -> None:
        if state.is_select and not state.is_column_load and not state.is_relationship_load:
            state.statement = state.statement.options(*options)
