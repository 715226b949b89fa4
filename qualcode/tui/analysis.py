"""Palette entries for the analysis commands: coding query, autocode, words, keyword in context,
saturation. Each asks for what it needs, runs the same service as the CLI in a worker (blind
mode applies: the backend passes ``only_coder`` to every service that takes it), and
writes its table to a file (the format by the suffix: .xlsx, .csv, .md) or, for autocode, codes
in one undoable step.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from qualcode.services.uow import UnitOfWork
from qualcode.tui.commands import PaletteCommand


def _write(path: Path, headers: list[str], rows: list[list[Any]], title: str) -> None:
    from qualcode.actions.exports import export_table

    export_table(path, headers, rows, title=title)


def query_to_file(uow: UnitOfWork, expression: str, path: Path, only_coder: str | None = None) -> str:
    """Run a coding query and write its excerpts; a summary for the notification."""
    from qualcode.services.query import run_query

    result = run_query(uow, expression, only_coder=only_coder)
    headers = ["document", "participant", "start", "end", "text", "code", "coder"]
    rows = [[r.document, r.participant, r.start, r.end, r.text, r.code, r.coder] for r in result.rows]
    _write(path, headers, rows, "Query")
    return f"{result.segments} excerpt(s); participants: {', '.join(result.participants) or 'none'}"


def words_to_file(uow: UnitOfWork, path: Path, only_coder: str | None = None) -> str:
    """The 100 commonest words per participant, stop words (en, ru, kk) left out, stemmed."""
    from qualcode.domain.words import read_stopwords
    from qualcode.services.words import word_frequencies

    table = word_frequencies(
        uow,
        by="participant",
        top_n=100,
        stopwords=read_stopwords("en,ru,kk"),
        stemmed=True,
        only_coder=only_coder,
    )
    _write(
        path,
        ["word", "total", *table.groups],
        [[r.word, r.total, *r.counts] for r in table.rows],
        "Words",
    )
    return f"{len(table.rows)} words"


def kwic_to_file(uow: UnitOfWork, term: str, path: Path) -> str:
    """Every place a word beginning with ``term`` occurs, in context."""
    from qualcode.services.words import keywords_in_context

    found = keywords_in_context(uow, term)
    _write(
        path,
        ["document", "participant", "left", "keyword", "right"],
        [[k.document, k.participant, k.left, k.keyword, k.right] for k in found],
        "Keyword in context",
    )
    return f"{len(found)} place(s)"


def saturation_to_file(uow: UnitOfWork, path: Path, only_coder: str | None = None) -> str:
    """New codes per interview by interview date, and the cumulative count."""
    from qualcode.services.saturation import code_saturation

    steps = code_saturation(uow, only_coder=only_coder)
    _write(
        path,
        ["#", "interview", "codes", "new", "cumulative", "new codes"],
        [[s.position, s.interview, s.codes, s.new, s.cumulative, "; ".join(s.new_codes)] for s in steps],
        "Saturation",
    )
    return f"{len(steps)} interviews, {steps[-1].cumulative if steps else 0} codes"


def _ask(app: Any, title: str, value: str, then: Any) -> None:
    from qualcode.tui.screens import PromptScreen

    def chosen(answer: str | None) -> None:
        if answer and answer.strip():
            then(answer.strip())

    app.push_screen(PromptScreen(title, value), chosen)


def _done(app: Any, path: Path | None = None) -> Any:
    def show(summary: str) -> None:
        where = f"wrote {path}: " if path is not None else ""
        app.notify(where + summary, title="analysis", markup=False)

    return show


def _to_file(app: Any, title: str, default: str, run: Any) -> None:
    _ask(app, title, str(Path.cwd() / default), lambda p: run(Path(p).expanduser()))


def analysis_commands(app: Any) -> list[PaletteCommand]:
    """The analysis entries of the command palette."""

    def query() -> None:
        _ask(
            app,
            'Coding query (e.g. "Forced labour" and theme "Human trafficking" where mode = Zoom)',
            "",
            lambda expr: _to_file(
                app,
                "Write the excerpts to which file?",
                "query.xlsx",
                lambda path: app.db(query_to_file, expr, path, done=_done(app, path)),
            ),
        )

    def autocode() -> None:
        from qualcode.services.autocode import autocode as run

        def with_code(code: str) -> None:
            def with_text(text: str) -> None:
                app.db(
                    run,
                    code,
                    text=text,
                    unit="sentence",
                    allow_new=True,
                    write=True,
                    done=lambda r: app.notify(
                        f"coded {r.coded} sentence(s) in {r.documents} document(s) with {r.code!r}; "
                        "undo takes it back",
                        title="autocode",
                        markup=False,
                    ),
                )

            _ask(app, f"Autocode {code!r}: the sentences containing which text?", "", with_text)

        _ask(app, "Autocode: which code (a new name creates it)?", "", with_code)

    def words() -> None:
        _to_file(
            app,
            "Word frequencies to which file?",
            "words.xlsx",
            lambda path: app.db(words_to_file, path, done=_done(app, path)),
        )

    def kwic() -> None:
        _ask(
            app,
            "Keyword in context: which word?",
            "",
            lambda term: _to_file(
                app,
                "Write the contexts to which file?",
                "kwic.xlsx",
                lambda path: app.db(kwic_to_file, term, path, done=_done(app, path)),
            ),
        )

    def saturation() -> None:
        _to_file(
            app,
            "Code saturation to which file?",
            "saturation.xlsx",
            lambda path: app.db(saturation_to_file, path, done=_done(app, path)),
        )

    def edit(what: str) -> None:
        from qualcode.services.codebook_edit import colour_code, describe_code

        service = describe_code if what == "description" else colour_code
        prompt = "The description (what the code covers)" if what == "description" else "The colour (#RRGGBB)"

        def with_code(code: str) -> None:
            _ask(
                app,
                f"{prompt} of {code!r}",
                "",
                lambda value: app.db(
                    service,
                    code,
                    value,
                    write=True,
                    done=lambda r: app.notify(
                        f"set the {r.field} of {r.code!r}", title="codebook", markup=False
                    ),
                ),
            )

        _ask(app, f"Set the {what} of which code?", "", with_code)

    return [
        PaletteCommand(
            "Describe a code…", "qualcode codes describe (undoable)", partial(edit, "description")
        ),
        PaletteCommand("Colour a code…", "qualcode codes colour (undoable)", partial(edit, "colour")),
        PaletteCommand("Coding query…", "qualcode query: excerpts to .xlsx/.csv/.md", query),
        PaletteCommand(
            "Autocode sentences containing a text…", "qualcode autocode --unit sentence (undoable)", autocode
        ),
        PaletteCommand("Word frequencies", "qualcode report words --by participant --stem", words),
        PaletteCommand("Keyword in context…", "qualcode report kwic", kwic),
        PaletteCommand("Code saturation", "qualcode report saturation", saturation),
    ]
