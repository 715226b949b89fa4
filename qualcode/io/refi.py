"""REFI-QDA (QDA-XML 1.0): ``.qdpx`` projects and ``.qdc`` codebooks, out and back in.

Out: every file is validated against the REFI schemas shipped in ``qualcode/io/schemas``
before it is written. Themes go out twice — as non-codable parent codes (tools that ignore
Sets still show the grouping) and as Sets — participants as Cases with Variables, coders as
Users, codings as PlainTextSelections with one Coding per coder. Sources are stored as UTF-8
``sources/<guid>.txt`` inside the zip; offsets are character (code point) offsets.

In: the namespace may be the project's, the codebook's, or none (tools differ); elements are
matched by local name. Bad input raises QualcodeError naming the file and the XML line.
"""

from __future__ import annotations

import uuid
import zipfile
import zlib
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from qualcode import __version__
from qualcode.domain.characters import xml_safe
from qualcode.domain.errors import QualcodeError
from qualcode.domain.project import (
    EXCLUDED_SET,
    PARTICIPANT_NOTE,
    Project,
    ProjectCase,
    ProjectCode,
    ProjectCoding,
    ProjectNote,
    ProjectSelection,
    ProjectSource,
    ProjectTheme,
    ProjectUser,
)
from qualcode.io.limits import check_file_size, check_text_length, open_archive, parse_xml
from qualcode.io.output import replacing

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)


@lru_cache(maxsize=2)
def _schema(name: str) -> etree.XMLSchema:
    data = files("qualcode.io").joinpath("schemas", name).read_bytes()
    return etree.XMLSchema(etree.fromstring(data, _PARSER))


def validate(root: etree._Element, kind: str) -> None:
    """Refuse to write XML that the REFI schema rejects (``kind``: "project" or "codebook")."""
    schema = _schema("Project-mrt2019.xsd" if kind == "project" else "Codebook-mrt2019.xsd")
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise QualcodeError(
            f"qualcode built a {kind} file that fails the REFI-QDA schema ({error.message}, "
            f"line {error.line}); nothing was written — please report this"
        )


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _set(el: etree._Element, **attrs: Any) -> etree._Element:
    for key, value in attrs.items():
        if value is not None and value != "":
            el.set(key, xml_safe(str(value)))
    return el


def _sub(parent: etree._Element, ns: str, tag: str, **attrs: Any) -> etree._Element:
    return _set(etree.SubElement(parent, f"{{{ns}}}{tag}"), **attrs)


def _text(parent: etree._Element, ns: str, tag: str, text: str) -> None:
    if text:
        _sub(parent, ns, tag).text = xml_safe(text)


def _codes_tree(
    parent: etree._Element, ns: str, project: Project, *, notes_by_target: dict[Any, list[str]] | None
) -> None:
    """Themes as non-codable codes holding their codes and sub-themes, sub-codes inside their
    parent code; unthemed codes at the top."""
    codes_el = _sub(parent, ns, "Codes")
    by_theme: dict[str | None, list[ProjectCode]] = {}
    sub_codes: dict[str, list[ProjectCode]] = {}
    exported = {code.guid for code in project.codes}
    for code in project.codes:
        if code.parent in exported:
            sub_codes.setdefault(code.parent, []).append(code)
        else:
            by_theme.setdefault(code.theme, []).append(code)
    children: dict[str | None, list[ProjectTheme]] = {}
    for theme in project.themes:
        children.setdefault(theme.parent, []).append(theme)

    def add_code(into: etree._Element, code: ProjectCode) -> None:
        el = _sub(
            into, ns, "Code", guid=code.guid, name=code.name, isCodable="true", color=code.colour or None
        )
        _text(el, ns, "Description", code.description)
        if notes_by_target is not None:
            for note in notes_by_target.get(("code", code.guid), []):
                _sub(el, ns, "NoteRef", targetGUID=note)
        for sub in sub_codes.get(code.guid, []):
            add_code(el, sub)

    def add_theme(into: etree._Element, theme: ProjectTheme) -> None:
        el = _sub(into, ns, "Code", guid=theme.guid, name=theme.name, isCodable="false")
        _text(el, ns, "Description", theme.description)
        for code in by_theme.get(theme.guid, []):
            add_code(el, code)
        for sub in children.get(theme.guid, []):
            add_theme(el, sub)

    for theme in children.get(None, []):
        add_theme(codes_el, theme)
    for code in by_theme.get(None, []):
        add_code(codes_el, code)


def _sets(
    parent: etree._Element,
    ns: str,
    project: Project,
    member_attr: str,
    *,
    notes_by_target: dict[Any, list[str]] | None,
) -> None:
    """Themes as Sets (and the excluded codes as one); a member is ``MemberCode guid=`` in a
    codebook, ``MemberCode targetGUID=`` in a project."""
    members: dict[str, list[str]] = {}
    for code in project.codes:
        if code.theme:
            members.setdefault(code.theme, []).append(code.guid)
    excluded = [c.guid for c in project.codes if c.excluded]
    if not project.themes and not excluded:
        return
    sets = _sub(parent, ns, "Sets")
    for theme in project.themes:
        el = _sub(sets, ns, "Set", guid=theme.guid, name=theme.name)
        _text(el, ns, "Description", theme.description)
        for guid in members.get(theme.guid, []):
            _sub(el, ns, "MemberCode", **{member_attr: guid})
        if notes_by_target is not None:
            for note in notes_by_target.get(("theme", theme.guid), []):
                _sub(el, ns, "MemberNote", targetGUID=note)
    if excluded:
        el = _sub(sets, ns, "Set", guid=_derived_guid(project, "excluded-set"), name=EXCLUDED_SET)
        _text(el, ns, "Description", "Codes the researchers excluded from the analysis (qualcode).")
        for guid in excluded:
            _sub(el, ns, "MemberCode", **{member_attr: guid})


def _derived_guid(project: Project, what: str) -> str:
    """A stable GUID for things qualcode has no row for (variables, the excluded-codes set)."""
    seed = project.namespace or project.name
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"qualcode:{seed}:{what}"))


def codebook_xml(project: Project) -> bytes:
    """A ``.qdc`` (REFI-QDA Codebook 1.0): codes grouped under their themes, and the themes as Sets."""
    ns = CODEBOOK_NS
    root = etree.Element(f"{{{ns}}}CodeBook", nsmap={None: ns})
    root.set("origin", f"qualcode {__version__}")
    if not project.codes and not project.themes:
        raise QualcodeError("the study has no codes to export")
    _codes_tree(root, ns, project, notes_by_target=None)
    _sets(root, ns, project, "guid", notes_by_target=None)
    validate(root, "codebook")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def _value_element(value: Any) -> tuple[str, str, str]:
    """(typeOfVariable, value element, text) for an attribute value."""
    if isinstance(value, bool):
        return "Boolean", "BooleanValue", "true" if value else "false"
    if isinstance(value, int):
        return "Integer", "IntegerValue", str(value)
    if isinstance(value, float):
        return "Float", "FloatValue", repr(value)
    return "Text", "TextValue", "" if value is None else str(value)


def project_xml(project: Project) -> tuple[bytes, dict[str, bytes]]:
    """The ``project.qde`` XML and the source files (``sources/<guid>.txt``) of a ``.qdpx``."""
    ns = PROJECT_NS
    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns})
    _set(
        root,
        name=project.name or "qualcode study",
        origin=f"qualcode {__version__}",
        creationDateTime=_dt(project.created_at),
    )
    notes_by_target: dict[Any, list[str]] = {}
    for note in project.notes:
        notes_by_target.setdefault(note.target, []).append(note.guid)
    if project.users:
        users = _sub(root, ns, "Users")
        for user in project.users:
            _sub(users, ns, "User", guid=user.guid, name=user.name)
    if project.codes or project.themes:
        _codes_tree(_sub(root, ns, "CodeBook"), ns, project, notes_by_target=notes_by_target)
    # Variables: every attribute key of every case, typed by its first value.
    variables: dict[str, tuple[str, str]] = {}
    for case in project.cases:
        for key, value in case.attributes.items():
            if key not in variables:
                variables[key] = (_derived_guid(project, f"variable:{key}"), _value_element(value)[0])
    if variables:
        var_el = _sub(root, ns, "Variables")
        for key, (guid, kind) in variables.items():
            _sub(var_el, ns, "Variable", guid=guid, name=key, typeOfVariable=kind)
    if project.cases:
        cases_el = _sub(root, ns, "Cases")
        for case in project.cases:
            el = _sub(cases_el, ns, "Case", guid=case.guid, name=case.name)
            for key, value in case.attributes.items():
                guid, kind = variables[key]
                found_kind, tag, text = _value_element(value)
                if found_kind != kind:  # mixed types under one variable: write it as text
                    tag, text = "TextValue", str(value)
                vv = _sub(el, ns, "VariableValue")
                _sub(vv, ns, "VariableRef", targetGUID=guid)
                _sub(vv, ns, tag).text = xml_safe(text)
            for source_guid in case.sources:
                _sub(el, ns, "SourceRef", targetGUID=source_guid)
    files_out: dict[str, bytes] = {}
    if project.sources:
        sources_el = _sub(root, ns, "Sources")
        for source in project.sources:
            el = _sub(
                sources_el,
                ns,
                "TextSource",
                guid=source.guid,
                name=source.name,
                plainTextPath=f"internal://{source.guid}.txt",
                creatingUser=source.user,
                creationDateTime=_dt(source.created_at),
            )
            files_out[f"sources/{source.guid}.txt"] = source.text.encode("utf-8")
            for sel in source.selections:
                sel_el = _sub(
                    el, ns, "PlainTextSelection", guid=sel.guid, startPosition=sel.start, endPosition=sel.end
                )
                for coding in sel.codings:
                    c_el = _sub(
                        sel_el,
                        ns,
                        "Coding",
                        guid=coding.guid,
                        creatingUser=coding.user,
                        creationDateTime=_dt(coding.created_at),
                    )
                    _sub(c_el, ns, "CodeRef", targetGUID=coding.code)
                    for note_ref in coding.notes:
                        _sub(c_el, ns, "NoteRef", targetGUID=note_ref)
            for note_ref in notes_by_target.get(("source", source.guid), []):
                _sub(el, ns, "NoteRef", targetGUID=note_ref)
    if project.notes:
        notes_el = _sub(root, ns, "Notes")
        for note in project.notes:
            el = _sub(
                notes_el,
                ns,
                "Note",
                guid=note.guid,
                name=note.name,
                creatingUser=note.user,
                creationDateTime=_dt(note.created_at),
            )
            _sub(el, ns, "PlainTextContent").text = xml_safe(note.text)
    _sets(root, ns, project, "targetGUID", notes_by_target=notes_by_target)
    _text(root, ns, "Description", xml_safe(project.description))
    for note_guid in notes_by_target.get(("study", None), []):
        _sub(root, ns, "NoteRef", targetGUID=note_guid)
    validate(root, "project")
    xml = bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
    return xml, files_out


def write_qdc(project: Project, path: Path) -> None:
    data = codebook_xml(project)
    with replacing(path) as tmp:
        tmp.write_bytes(data)


def write_qdpx(project: Project, path: Path) -> None:
    """A ``.qdpx``: a zip holding ``project.qde`` and ``sources/``."""
    xml, sources = project_xml(project)
    with replacing(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, data in sources.items():
            zf.writestr(name, data)


# ---------------------------------------------------------------- reading


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c.tag) == name]


def _kid(el: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in el if _local(c.tag) == name), None)


class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.warnings: list[str] = []

    def fail(self, message: str, el: etree._Element | None = None) -> QualcodeError:
        return QualcodeError(message, source=self.source, line=el.sourceline if el is not None else None)

    def need(self, el: etree._Element, attr: str) -> str:
        value = (el.get(attr) or "").strip()
        if not value:
            raise self.fail(f"<{_local(el.tag)}> has no {attr}", el)
        return value

    def member(self, el: etree._Element) -> str:
        """A MemberCode's target: ``targetGUID`` in a project, ``guid`` in a codebook."""
        return self.need(el, "targetGUID" if el.get("targetGUID") else "guid")

    def integer(self, el: etree._Element, attr: str) -> int:
        value = self.need(el, attr)
        try:
            return int(value)
        except ValueError as exc:
            raise self.fail(f"<{_local(el.tag)}> {attr}={value!r} is not a whole number", el) from exc

    def when(self, el: etree._Element, attr: str) -> datetime | None:
        value = (el.get(attr) or "").strip()
        if not value:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            self.warnings.append(f"line {el.sourceline}: {attr}={value!r} is not a date-time; ignored")
            return None

    def parse(self, data: bytes) -> etree._Element:
        return parse_xml(data, self.source)

    def codebook(
        self, codes_el: etree._Element | None, sets_el: etree._Element | None
    ) -> tuple[list[ProjectTheme], list[ProjectCode]]:
        themes: list[ProjectTheme] = []
        codes: list[ProjectCode] = []
        names: set[str] = set()
        sets = _kids(sets_el, "Set") if sets_el is not None else []
        excluded = {
            self.member(m)
            for s in sets
            if (s.get("name") or "") == EXCLUDED_SET
            for m in _kids(s, "MemberCode")
        }

        def walk(el: etree._Element, theme: str | None, parent: ProjectCode | None) -> None:
            for code in _kids(el, "Code"):
                guid = self.need(code, "guid")
                name = " ".join(self.need(code, "name").split())
                description = _description(code)
                codable = (code.get("isCodable") or "true").strip().lower() in ("true", "1")
                if not codable:
                    # A category: a theme (a sub-theme of the theme it sits in).
                    themes.append(ProjectTheme(guid, name, description, theme))
                    walk(code, guid, None)
                    continue
                if name in names:
                    renamed = f"{name} ({parent.name})" if parent else f"{name} ({guid[:8]})"
                    self.warnings.append(
                        f"line {code.sourceline}: a second code named {name!r} is {renamed!r}"
                    )
                    name = renamed
                names.add(name)
                colour = (code.get("color") or "").upper()
                if len(colour) == 4:
                    colour = "#" + "".join(ch * 2 for ch in colour[1:])
                found = ProjectCode(
                    guid,
                    name,
                    description,
                    colour,
                    theme,
                    guid in excluded,
                    parent=parent.guid if parent else None,
                    line=code.sourceline or 0,
                )
                codes.append(found)
                walk(code, theme, found)  # codes under a codable code are its sub-codes

        if codes_el is not None:
            walk(codes_el, None, None)
        if not themes and sets:
            # A tool that groups by Sets only: each Set is a theme, a code goes to its first Set.
            placed: dict[str, str] = {}
            for s in sets:
                if (s.get("name") or "") == EXCLUDED_SET:
                    continue
                guid = self.need(s, "guid")
                desc = _kid(s, "Description")
                themes.append(
                    ProjectTheme(
                        guid,
                        " ".join(self.need(s, "name").split()),
                        (desc.text or "").strip() if desc is not None else "",
                    )
                )
                for m in _kids(s, "MemberCode"):
                    placed.setdefault(self.member(m), guid)
            codes = [replace(c, theme=placed.get(c.guid)) for c in codes]
        return themes, codes


def _description(el: etree._Element) -> str:
    found = _kid(el, "Description")
    return (found.text or "").strip() if found is not None else ""


def _plain_text(data: bytes) -> str:
    text = data.decode("utf-8-sig")
    return text


def read_qdc(path: Path) -> Project:
    """A REFI-QDA codebook (``.qdc``) as a Project with themes and codes only."""
    reader = _Reader(str(path))
    check_file_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QualcodeError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    root = reader.parse(data)
    if _local(root.tag) not in ("CodeBook", "Project"):
        raise reader.fail(f"not a REFI-QDA codebook (the root is <{_local(root.tag)}>)", root)
    holder = root if _local(root.tag) == "CodeBook" else _kid(root, "CodeBook")
    codes_el = _kid(holder, "Codes") if holder is not None else None
    if codes_el is None:
        raise reader.fail("no <Codes> in the codebook", root)
    themes, codes = reader.codebook(codes_el, _kid(root, "Sets"))
    return Project(path.stem, themes=tuple(themes), codes=tuple(codes), warnings=tuple(reader.warnings))


def _source_ref(ref: str) -> tuple[str, str]:
    """(scheme, path) of a plainTextPath: ``internal://x`` -> ("internal", "x"); a plain name, as
    qc and some versions of other tools write it, counts as internal; ``relative:///x`` and
    ``absolute://x`` as REFI-QDA 1.5 §8.3 define them; ``file://`` as absolute."""
    for scheme in ("internal", "relative", "absolute", "file"):
        prefix = f"{scheme}://"
        if ref.lower().startswith(prefix):
            rest = ref[len(prefix) :]
            if scheme in ("relative", "internal"):
                rest = rest.lstrip("/")
            return ("absolute" if scheme == "file" else scheme), rest
    return "internal", ref.lstrip("/")


def read_qdpx(path: Path, *, sources_dir: Path | None = None, skip_missing: bool = False) -> Project:
    """A REFI-QDA project (``.qdpx``: a zip with ``project.qde`` and ``sources/``).

    A source's ``plainTextPath`` is looked for inside the zip's ``sources/`` first (by its path,
    then by its file name), then in ``sources_dir``, then in the project's ``basePath`` and the
    folder of the .qdpx. A source found nowhere is refused naming the path, or with
    ``skip_missing`` left out with a warning (with its codings). A file found outside the zip is
    decoded like any text file (``qualcode.io.text.decode_text``).
    """
    source = str(path)
    with open_archive(path, "a .qdpx (a REFI-QDA project)") as zf:
        names = zf.namelist()
        qde = next((n for n in names if n.lower().endswith(".qde") and "/" not in n.strip("/")), None)
        qde = qde or next((n for n in names if n.lower().endswith(".qde")), None)
        if qde is None:
            raise QualcodeError("not a .qdpx: no project.qde inside", source=source)
        reader = _Reader(f"{source}:{qde}")
        root = reader.parse(zf.read(qde))
        base = (root.get("basePath") or "").strip()
        lowered = {n.lower(): n for n in names}
        folders = [d for d in (sources_dir,) if d is not None]
        if base and not base.startswith(("http:", "https:")):
            base_path = Path(base.removeprefix("file://"))
            folders.append(base_path if base_path.is_absolute() else path.parent / base_path)
        folders.append(path.parent)

        def outside(rel: str) -> Path | None:
            for folder in folders:
                for candidate in (folder / rel, folder / PurePosixPath(rel).name):
                    if candidate.is_file():
                        return candidate
            return None

        def source_text(ref: str, el: etree._Element) -> str | None:
            from qualcode.io.text import decode_text

            scheme, rel = _source_ref(ref)
            if scheme in ("internal", "relative"):
                base_name = PurePosixPath(rel).name
                for wanted in (f"sources/{rel}", rel, f"sources/{base_name}"):
                    match = lowered.get(wanted.lower())
                    if match is not None:
                        try:
                            text = _plain_text(zf.read(match))
                        except UnicodeDecodeError as exc:
                            raise reader.fail(f"{match} is not UTF-8 text", el) from exc
                        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
                            raise reader.fail(f"{match} is damaged inside the .qdpx ({exc})", el) from exc
                        check_text_length(len(text), f"{source}:{match}")
                        return text
            found = Path(rel) if scheme == "absolute" and Path(rel).is_file() else outside(rel)
            if found is None:
                where = "in the .qdpx's sources/" + (f", in {sources_dir}" if sources_dir else "")
                if skip_missing:
                    reader.warnings.append(
                        f"line {el.sourceline}: source {el.get('name') or ref!r} ({ref}) was not found; "
                        "left out with its codings (--skip-missing-sources)"
                    )
                    return None
                raise reader.fail(
                    f"source file {ref!r} of {el.get('name') or 'a source'!r} is not {where} or beside the "
                    "project; give its folder with --sources DIR, or --skip-missing-sources",
                    el,
                )
            try:
                text, _ = decode_text(found.read_bytes(), source=str(found))
            except OSError as exc:
                raise QualcodeError(f"cannot read: {exc.strerror}", source=str(found)) from exc
            check_text_length(len(text), str(found))
            return text

        return _read_project(reader, root, source_text, path.stem)


def _read_project(reader: _Reader, root: etree._Element, internal: Any, fallback_name: str) -> Project:
    if _local(root.tag) != "Project":
        raise reader.fail(f"not a REFI-QDA project (the root is <{_local(root.tag)}>)", root)
    users = []
    users_el = _kid(root, "Users")
    for u in _kids(users_el, "User") if users_el is not None else []:
        guid = reader.need(u, "guid")
        users.append(ProjectUser(guid, (u.get("name") or u.get("id") or guid).strip()))
    cb = _kid(root, "CodeBook")
    themes, codes = reader.codebook(_kid(cb, "Codes") if cb is not None else None, _kid(root, "Sets"))
    code_guids = {c.guid for c in codes}
    notes_targets: dict[str, tuple[str, str | None]] = {}

    def refs(el: etree._Element, target: tuple[str, str | None]) -> tuple[str, ...]:
        found = tuple(reader.need(r, "targetGUID") for r in _kids(el, "NoteRef"))
        for guid in found:
            notes_targets.setdefault(guid, target)
        return found

    for code in cb.iter() if cb is not None else []:
        if _local(code.tag) == "Code" and code.get("guid") in code_guids:
            refs(code, ("code", code.get("guid")))
    sets_el = _kid(root, "Sets")
    theme_guids = {t.guid for t in themes}
    for s in _kids(sets_el, "Set") if sets_el is not None else []:
        if s.get("guid") in theme_guids:
            for m in _kids(s, "MemberNote"):
                notes_targets.setdefault(reader.need(m, "targetGUID"), ("theme", s.get("guid")))
    variables: dict[str, str] = {}
    vars_el = _kid(root, "Variables")
    for v in _kids(vars_el, "Variable") if vars_el is not None else []:
        variables[reader.need(v, "guid")] = " ".join(reader.need(v, "name").split())
    cases = []
    cases_el = _kid(root, "Cases")
    for n, c in enumerate(_kids(cases_el, "Case") if cases_el is not None else [], start=1):
        attrs: dict[str, Any] = {}
        for vv in _kids(c, "VariableValue"):
            ref = _kid(vv, "VariableRef")
            key = variables.get(reader.need(ref, "targetGUID")) if ref is not None else None
            if key is None:
                raise reader.fail("<VariableValue> refers to no known <Variable>", vv)
            attrs[key] = _typed_value(reader, vv)
        cases.append(
            ProjectCase(
                reader.need(c, "guid"),
                (c.get("name") or f"Case {n}").strip(),
                attrs,
                tuple(reader.need(r, "targetGUID") for r in _kids(c, "SourceRef")),
            )
        )
    sources = []
    sources_el = _kid(root, "Sources")
    for el in list(sources_el) if sources_el is not None else []:
        kind = _local(el.tag)
        if kind != "TextSource":
            if kind:
                reader.warnings.append(
                    f"line {el.sourceline}: a {kind} is not imported (qualcode reads text)"
                )
            continue
        guid = reader.need(el, "guid")
        content = _kid(el, "PlainTextContent")
        if content is not None:
            text = content.text or ""
        elif el.get("plainTextPath"):
            found_text = internal(el.get("plainTextPath"), el)
            if found_text is None:
                continue  # a missing source, left out with a warning
            text = found_text
        else:
            raise reader.fail("a <TextSource> has neither PlainTextContent nor plainTextPath", el)
        check_text_length(len(text), f"{reader.source}, line {el.sourceline}")
        selections = []
        loose = _kids(el, "Coding")
        items = [(s, _kids(s, "Coding")) for s in _kids(el, "PlainTextSelection")]
        for sel, coding_els in items:
            start, end = reader.integer(sel, "startPosition"), reader.integer(sel, "endPosition")
            if not 0 <= start < end <= len(text):
                raise reader.fail(
                    f"selection [{start}, {end}) is outside the text of {el.get('name') or guid!r} "
                    f"({len(text)} characters)",
                    sel,
                )
            selections.append(
                ProjectSelection(
                    reader.need(sel, "guid"),
                    start,
                    end,
                    tuple(_coding(reader, c, code_guids, refs) for c in coding_els),
                )
            )
        if loose and text:
            selections.append(
                ProjectSelection(
                    guid, 0, len(text), tuple(_coding(reader, c, code_guids, refs) for c in loose)
                )
            )
        sources.append(
            ProjectSource(
                guid,
                (el.get("name") or guid).strip(),
                text,
                tuple(selections),
                el.get("creatingUser"),
                reader.when(el, "creationDateTime"),
                refs(el, ("source", guid)),
            )
        )
    refs(root, ("study", None))
    notes = []
    notes_el = _kid(root, "Notes")
    for el in _kids(notes_el, "Note") if notes_el is not None else []:
        guid = reader.need(el, "guid")
        content = _kid(el, "PlainTextContent")
        if content is not None:
            text = content.text or ""
        elif el.get("plainTextPath"):
            text = internal(el.get("plainTextPath"), el) or ""
        else:
            text = ""
        name = (el.get("name") or "").strip()
        target = notes_targets.get(guid, ("study", None))
        if name.startswith(PARTICIPANT_NOTE):
            target = ("case", name[len(PARTICIPANT_NOTE) :])
        notes.append(
            ProjectNote(guid, text, name, el.get("creatingUser"), reader.when(el, "creationDateTime"), target)
        )
    desc = _kid(root, "Description")
    return Project(
        (root.get("name") or fallback_name).strip(),
        (desc.text or "").strip() if desc is not None else "",
        root.get("origin") or "",
        tuple(users),
        tuple(themes),
        tuple(codes),
        tuple(cases),
        tuple(sources),
        tuple(notes),
        reader.when(root, "creationDateTime"),
        tuple(reader.warnings),
    )


def _coding(reader: _Reader, el: etree._Element, code_guids: set[str], refs: Any) -> ProjectCoding:
    ref = _kid(el, "CodeRef")
    if ref is None:
        raise reader.fail("a <Coding> has no <CodeRef>", el)
    target = reader.need(ref, "targetGUID")
    if target not in code_guids:
        raise reader.fail(
            f"a <Coding> refers to code {target} which is not a codable code of the codebook", el
        )
    guid = reader.need(el, "guid")
    return ProjectCoding(
        guid, target, el.get("creatingUser"), reader.when(el, "creationDateTime"), refs(el, ("coding", guid))
    )


def _typed_value(reader: _Reader, vv: etree._Element) -> Any:
    for el in vv:
        kind = _local(el.tag)
        text = (el.text or "").strip()
        if kind == "TextValue":
            return el.text or ""
        if kind == "BooleanValue":
            return text.lower() in ("true", "1")
        if kind == "IntegerValue":
            try:
                return int(text)
            except ValueError as exc:
                raise reader.fail(f"IntegerValue {text!r} is not a whole number", el) from exc
        if kind == "FloatValue":
            try:
                return float(text)
            except ValueError as exc:
                raise reader.fail(f"FloatValue {text!r} is not a number", el) from exc
        if kind in ("DateValue", "DateTimeValue"):
            return text
    return ""
