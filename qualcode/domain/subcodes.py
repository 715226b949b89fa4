"""Sub-codes: the parent links between codes, kept a forest (no code is its own ancestor).

Pure functions over ``{code id: parent id or None}``; the services read and write the rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from qualcode.domain.errors import QualcodeError


def ancestors(parents: Mapping[int, int | None], code_id: int) -> list[int]:
    """The chain of parents of ``code_id``, nearest first.

    Raises QualcodeError if the links loop (a code would be its own ancestor).
    """
    chain: list[int] = []
    seen = {code_id}
    node = parents.get(code_id)
    while node is not None:
        if node in seen:
            raise QualcodeError(f"code {code_id} would be its own ancestor")
        seen.add(node)
        chain.append(node)
        node = parents.get(node)
    return chain


def parents_after_merge(
    parents: Mapping[int, int | None], sources: Collection[int], target: int
) -> dict[int, int | None]:
    """The parent links that change when ``sources`` are merged into ``target``.

    Returns ``{code id: new parent}`` for every code whose parent changes:

    - the sources leave the tree (a merged code has no parent, as it has no theme);
    - a source's children (other than the target) become the target's children;
    - when the target sat below a source, it takes the place of the topmost such source (its
      parent), so the codes that were between them end up below the target, never above it.

    The result never makes a code its own ancestor.
    """
    source_set = set(sources)
    if target in source_set:
        raise QualcodeError("a code cannot be merged into itself")
    changed: dict[int, int | None] = {}
    chain = ancestors(parents, target)
    topmost = max((i for i, a in enumerate(chain) if a in source_set), default=None)
    if topmost is not None:
        changed[target] = parents.get(chain[topmost])
    for code_id, parent in parents.items():
        if code_id in source_set:
            if parent is not None:
                changed[code_id] = None
        elif parent in source_set and code_id != target:
            changed[code_id] = target
    after = {**parents, **changed}
    for code_id in changed:
        ancestors(after, code_id)  # a loop here is a bug, not bad input: refuse the merge
    return changed


def check_new_parent(parents: Mapping[int, int | None], code_id: int, parent_id: int | None) -> None:
    """Refuse a parent that would make ``code_id`` its own ancestor (QualcodeError)."""
    if parent_id is None:
        return
    if parent_id == code_id or code_id in ancestors(parents, parent_id):
        raise QualcodeError("a code cannot be placed under itself or under one of its own sub-codes")
