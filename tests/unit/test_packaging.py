"""The wheel carries every package: a folder of qualcode with an __init__.py that pyproject.toml
does not list would be missing from a non-editable install (the editable one hides it)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_qualcode_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "qualcode").rglob("__init__.py")
    }
    assert on_disk - listed == set()
