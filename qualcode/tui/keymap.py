"""Remapping keys: a TOML file of binding id -> keys.

    # ~/.config/qualcode/keys.toml  (or the file named by QUALCODE_KEYMAP)
    [keys]
    "reader.next_sentence" = "j,down"
    "reader.code" = "c,enter"
    "app.undo" = "u"

Every binding has an id (F1 lists them); the keys replace that binding's keys.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path


def keymap_path() -> Path:
    named = os.environ.get("QUALCODE_KEYMAP")
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qualcode" / "keys.toml"


def parse_keymap(text: str, source: str) -> dict[str, str]:
    """The ``[keys]`` table of a keymap file; raises ValueError naming the file and the entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: {exc}") from exc
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise ValueError(f'{source}: [keys] must be a table of binding id = "keys"')
    out: dict[str, str] = {}
    for binding_id, value in keys.items():
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f'{source}: {binding_id!r} needs keys such as "j,down"')
        out[str(binding_id)] = value.replace(" ", "")
    return out


def load_keymap() -> tuple[dict[str, str], str | None]:
    """(keymap, problem): an unreadable file is reported, never fatal."""
    path = keymap_path()
    if not path.exists():
        return {}, None
    try:
        return parse_keymap(path.read_text(encoding="utf-8"), str(path)), None
    except (OSError, ValueError) as exc:
        return {}, f"keymap not loaded: {exc}"
