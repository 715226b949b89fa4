"""Row-level history: undo restores and removes rows that point at rows of their own table."""

from __future__ import annotations

from sqlalchemy import delete, select

from qualcode.db.engine import locate
from qualcode.db.models import Theme
from qualcode.db.schema import open_study
from qualcode.services.admin import undo_event
from qualcode.services.history import RowTracker
from qualcode.services.uow import unit_of_work


def _themes(db: str) -> dict[str, str | None]:
    opened = open_study(locate(db))
    try:
        with unit_of_work(opened, write=False) as uow:
            rows = uow.session.execute(select(Theme.id, Theme.name, Theme.parent_id)).all()
            names = {i: n for i, n, _ in rows}
            return {n: names.get(p) if p else None for _, n, p in rows}
    finally:
        opened.engine.dispose()


def test_undo_removes_a_theme_and_its_sub_theme_created_together(empty_study: str) -> None:
    opened = open_study(locate(empty_study))
    try:
        with unit_of_work(opened, coder="tester") as uow:
            parent = Theme(name="Причины миграции", position=1)
            uow.session.add(parent)
            uow.session.flush()
            child = Theme(name="Экономика", parent_id=parent.id, position=1)
            uow.session.add(child)
            uow.session.flush()
            tracker = RowTracker(uow.session)
            tracker.watch_new(Theme, [parent.id, child.id])
            uow.log("test.themes", "two themes", changes=tracker.changes())
            uow.commit()
        assert _themes(empty_study) == {"Причины миграции": None, "Экономика": "Причины миграции"}
        with unit_of_work(opened, coder="tester") as uow:
            undo_event(uow, None)
    finally:
        opened.engine.dispose()
    assert _themes(empty_study) == {}


def test_undo_restores_a_deleted_theme_tree_with_its_links(empty_study: str) -> None:
    opened = open_study(locate(empty_study))
    try:
        with unit_of_work(opened, coder="tester") as uow:
            parent = Theme(name="Trafficking", position=1)
            uow.session.add(parent)
            uow.session.flush()
            uow.session.add(Theme(name="Labour exploitation", parent_id=parent.id, position=1))
            uow.commit()
        with unit_of_work(opened, coder="tester") as uow:
            ids = list(uow.session.scalars(select(Theme.id)))
            tracker = RowTracker(uow.session)
            tracker.watch(Theme, ids)
            uow.session.execute(delete(Theme).where(Theme.parent_id.is_not(None)))
            uow.session.execute(delete(Theme))
            uow.log("test.delete", "deleted the tree", changes=tracker.changes())
            uow.commit()
        assert _themes(empty_study) == {}
        with unit_of_work(opened, coder="tester") as uow:
            undo_event(uow, None)
    finally:
        opened.engine.dispose()
    assert _themes(empty_study) == {"Trafficking": None, "Labour exploitation": "Trafficking"}
