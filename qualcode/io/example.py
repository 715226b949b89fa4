"""The bundled thesis study's files: notes per expert, Appendix A, and the codebook.

They ship inside the package (``qualcode.examples.interviews`` and ``qualcode.codebooks``,
mapped from the top-level ``examples/interviews/`` and ``codebooks/`` folders).
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from qualcode.domain.imported import ExampleBundle
from qualcode.io.tables import read_codebook_csv, read_csv_rows
from qualcode.io.text import read_text_document


def read_example_bundle() -> ExampleBundle:
    interviews = files("qualcode.examples").joinpath("interviews")
    codebooks = files("qualcode.codebooks")
    with as_file(interviews) as folder, as_file(codebooks) as cb_folder:
        folder_path = Path(folder)
        participants = read_csv_rows(folder_path / "participants.csv", required=("label",))
        documents = {path.stem: read_text_document(path) for path in sorted(folder_path.glob("*.md"))}
        codebook = read_codebook_csv(Path(cb_folder) / "thesis-codebook.csv")
    return ExampleBundle(participants, documents, codebook)
