"""Every reader of a zip archive or XML goes through ``qualcode.io.limits`` (issue 16, case 8, as a
rule): a reader added later that opens a zip or parses XML on its own fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "qualcode"
# The one module allowed to open archives and parse untrusted XML itself.
LIMITS = ROOT / "io" / "limits.py"
# Calls that read a zip or parse XML without limits, and the few places that may make them:
# refi._schema parses the REFI-QDA schemas qualcode ships, never a user's file.
ALLOWED = {("io/refi.py", "_schema")}


def _calls(tree: ast.AST) -> list[tuple[str, str, ast.Call]]:
    """(function the call is in, dotted callee, call) for every call in a module."""
    found: list[tuple[str, str, ast.Call]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call):
                found.append((function, ast.unparse(child.func), child))
            visit(child, name)

    visit(tree, "")
    return found


def _reads_a_zip(call: ast.Call) -> bool:
    modes = [a for a in call.args[1:2]] + [k.value for k in call.keywords if k.arg == "mode"]
    return not any(isinstance(m, ast.Constant) and m.value in ("w", "a", "x") for m in modes)


def test_no_reader_opens_a_zip_or_parses_xml_on_its_own() -> None:
    offenders: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == LIMITS:
            continue
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions_verifying = {fn for fn, callee, _ in _calls(tree) if callee.endswith("verify_archive")}
        for function, callee, call in _calls(tree):
            if (rel, function) in ALLOWED:
                continue
            if callee in ("zipfile.ZipFile", "ZipFile") and _reads_a_zip(call):
                offenders.append(f"{rel}:{call.lineno} {callee} in {function or 'module'}")
            if callee in ("etree.fromstring", "etree.parse", "etree.XML", "etree.iterparse"):
                offenders.append(f"{rel}:{call.lineno} {callee} in {function or 'module'}")
            if callee.endswith("load_workbook") and function not in functions_verifying:
                offenders.append(f"{rel}:{call.lineno} {callee} without verify_archive in {function}")
    assert offenders == [], "read through qualcode.io.limits instead: " + "; ".join(offenders)
