"""check-manuscript: the findings chapter as written, against a made-up study's data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli, table_counts
from tests.integrity.manuscripts import Para, Piece, comments_of, write_docx
from tests.integrity.study import build_water_study


@pytest.fixture
def water(empty_study: str, tmp_path: Path) -> str:
    return build_water_study(empty_study, tmp_path / "notes")


def check(db: str, path: Path, *extra: str) -> tuple[int, dict]:
    result = run_cli("check-manuscript", str(path), "--json", *extra, db=db)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.json()


def findings_by_paragraph(report: dict) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for f in report["findings"]:
        out.setdefault(f["paragraph"], []).append(f["kind"])
    return out


AGREEING_MD = (
    "# Findings\n\n"
    "Two Experts (A,B) described the tariff freeze [code: Tariff freeze]. According to Expert (B), "
    'leaks "take away almost a third of the supply".\n\n'
    "Experts (C), (D), and (F) spoke of metering. As Expert (A) put it, the utility «keeps losing "
    "money on every cubic metre».\n\n"
    "Expert (A) noted that 'the utility keeps losing money... households in the old districts "
    "still rely on standpipes'.\n\n"
    "Expert (E) observed that «лето стало длиннее».\n"
)


def test_a_manuscript_that_agrees_exits_0(water: str, tmp_path: Path) -> None:
    path = tmp_path / "chapter4.md"
    path.write_text(AGREEING_MD, encoding="utf-8")
    code, report = check(water, path)
    assert report["findings"] == [], report["findings"]
    assert code == 0
    quotes = [q for p in report["paragraphs"] for q in p["quotes"]]
    assert [q["status"] for q in quotes] == ["found", "found", "found", "found"]
    # The quote with an ellipsis is found where Expert A's notes say it, with its offset.
    ellipsis = quotes[2]
    notes = "Tariffs for water have not changed since 2019. The utility keeps losing money"
    assert ellipsis["participant"] == "Expert A" and ellipsis["document"] == "Expert A"
    assert ellipsis["offset"] == notes.index("The utility")
    assert report["citations"] == 5 + 1  # A,B / B / C,D,F / A / A / E


def test_wrong_number_word_and_unknown_letter_are_flagged_with_paragraph_numbers(
    water: str, tmp_path: Path
) -> None:
    path = tmp_path / "chapter4.md"
    path.write_text(
        "# Findings\n\n"
        "Four Experts (C,D,F) saw digital meters as the remedy.\n\n"
        "The plan has no budget.\n\n"
        "Expert (G) argued that reservoirs matter, and Experts (A) and (B) agreed.\n",
        encoding="utf-8",
    )
    code, report = check(water, path)
    assert code == 1
    assert findings_by_paragraph(report) == {2: ["number"], 4: ["participant"]}
    number = report["findings"][0]["message"]
    assert "four (4)" in number and "names 3" in number
    assert "Expert (G) is not a participant" in report["findings"][1]["message"]
    text = run_cli("check-manuscript", str(path), db=water)
    assert text.exit_code == 1
    assert "¶2: number:" in text.stdout and "¶4: participant:" in text.stdout
    assert "paragraph(s) 2, 4" in text.stdout


def test_footnoted_number_word_disagreeing_with_its_footnote(water: str, tmp_path: Path) -> None:
    path = tmp_path / "chapter4.txt"
    # The thesis's own form: superscript marks in the text, footnotes as "¹ Experts (…)" lines.
    path.write_text(
        "Six Experts¹ described the tariff freeze. Two Experts² spoke of leaks.\n\n"
        "¹ Experts (A,B,C,D,E)\n\n"
        "² Experts (A,B)\n(See. Appendix A)\n",
        encoding="utf-8",
    )
    code, report = check(water, path)
    assert code == 1
    assert findings_by_paragraph(report) == {1: ["number"]}
    assert "footnote 1" in report["findings"][0]["message"]


def test_misattributed_quote_names_where_it_was_said(water: str, tmp_path: Path) -> None:
    path = tmp_path / "chapter4.md"
    path.write_text(
        "Metering.\n\n"
        'As Expert (C) put it, "We installed digital meters in two districts last year".\n\n'
        "Expert (F) said the ministry «has a plan, but the plan has a budget».\n",
        encoding="utf-8",
    )
    code, report = check(water, path)
    assert code == 1
    assert findings_by_paragraph(report) == {2: ["quote"], 3: ["quote"]}
    moved, missing = report["findings"]
    assert "found in Expert D's document 'Expert D' at character 0" in moved["message"]
    assert "is in no document" in missing["message"]
    (quote,) = next(p["quotes"] for p in report["paragraphs"] if p["number"] == 2)
    assert quote["status"] == "misattributed" and quote["participant"] == "Expert D"


def test_anchored_claim_missing_a_participant(water: str, tmp_path: Path) -> None:
    path = tmp_path / "chapter4.md"
    path.write_text(
        "Two Experts (C) and (D) called for digital meters [code: Digital meters].\n",
        encoding="utf-8",
    )
    code, report = check(water, path)
    assert code == 1
    (finding,) = report["findings"]
    assert finding["paragraph"] == 1 and finding["kind"] == "claim"
    assert "missing Expert F" in finding["message"]
    assert "Expert D never coded it" in finding["message"]
    claim = report["paragraphs"][0]["claims"][0]
    assert claim["carriers"] == ["Expert C", "Expert F"]


def test_claim_anchored_to_a_merged_code_counts_the_merge(water: str, tmp_path: Path) -> None:
    path = tmp_path / "chapter4.md"
    path.write_text(
        "Three Experts[^1] saw metering as the remedy [code: Smart metering].\n\n[^1]: *Experts (C,D,F)*\n",
        encoding="utf-8",
    )
    code, report = check(water, path)
    assert code == 1  # before the merge only Expert D carries "Smart metering"
    assert "missing" not in report["findings"][0]["message"]
    assert "Expert C, Expert F never coded it" in report["findings"][0]["message"]
    merged = run_cli("codes", "merge", "Smart metering", "--into", "Digital meters", db=water)
    assert merged.exit_code == 0, merged.stderr
    code, report = check(water, path)
    assert report["findings"] == [] and code == 0
    claim = report["paragraphs"][0]["claims"][0]
    assert claim["resolved"] == ["Digital meters"]
    assert claim["cited"] == ["Expert C", "Expert D", "Expert F"]


def test_docx_with_footnotes_and_comments_is_checked_and_annotated(water: str, tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "thesis.docx",
        [
            Para(["4. Findings"], style="Heading 1"),
            Para(
                [
                    "Accordingly, ",
                    Piece("five Experts", comment="Digital meters"),
                    Piece(note="Experts (C,D,F)"),
                    " highlighted metering.",
                ]
            ),
            Para(['According to Expert (B), "Leaks take away almost a third of the supply".']),
            Para(['Expert (A) said "We installed digital meters in two districts".']),
            Para([Piece("Expert (E)", comment="Climate change"), " spoke of longer summers."]),
        ],
    )
    before = table_counts(water)
    out = tmp_path / "thesis-checked.docx"
    result = run_cli("check-manuscript", str(path), "--format", "docx", "-o", str(out), db=water)
    assert result.exit_code == 1, result.stderr
    assert "¶2: number:" in result.stdout and "¶4: quote:" in result.stdout
    assert "¶3" not in result.stdout and "¶5" not in result.stdout
    assert table_counts(water) == before  # checking changes nothing
    comments = comments_of(out)
    # The author's two comments stay; one comment per finding is added on the finding's text.
    ours = [(anchored, text) for anchored, text in comments if text.startswith("qualcode")]
    assert len(comments) == 2 + len(ours)
    kinds = sorted(text.split(":")[0] for _, text in ours)
    assert kinds == ["qualcode (claim)", "qualcode (number)", "qualcode (quote)"]
    quote_note = next(a for a, t in ours if t.startswith("qualcode (quote)"))
    assert quote_note == 'Expert (A) said "We installed digital meters in two districts".'
    number_note = next(a for a, t in ours if t.startswith("qualcode (number)"))
    assert number_note.startswith("five Experts")
    # The annotated copy is itself a manuscript qualcode reads: the same findings again.
    _, again = check(water, out)
    assert findings_by_paragraph(again) == {2: ["claim", "number"], 4: ["quote"]}


def test_bad_input_exits_2_naming_the_file(water: str, tmp_path: Path) -> None:
    broken = tmp_path / "thesis.docx"
    broken.write_bytes(b"PK\x03\x04 not really")
    result = run_cli("check-manuscript", str(broken), db=water)
    assert result.exit_code == 2 and "thesis.docx" in result.stderr
    other = tmp_path / "thesis.pdf"
    other.write_bytes(b"%PDF")
    result = run_cli("check-manuscript", str(other), db=water)
    assert result.exit_code == 2 and "thesis.pdf" in result.stderr
    md = tmp_path / "x.md"
    md.write_text("Expert (A).\n", encoding="utf-8")
    result = run_cli(
        "check-manuscript", str(md), "--format", "docx", "-o", str(tmp_path / "o.docx"), db=water
    )
    assert result.exit_code == 2 and ".docx" in result.stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Expert (A) said\n\n«\xe9t\xe9»".encode("latin-1"))
    result = run_cli("check-manuscript", str(latin), db=water)
    assert result.exit_code == 2 and "latin.txt, line 3" in result.stderr


def test_reviewer_comments_are_not_claims_but_misspelt_codes_are_caught(water: str, tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "draft.docx",
        [
            Para([Piece("Expert (B)", comment="Rewrite this sentence, please"), " spoke of leaks."]),
            Para([Piece("Expert (B)", comment="Ageing pipe"), " spoke of old pipes."]),
            Para([Piece("Expert (A)", comment="code: Tarif freezes"), " spoke of tariffs."]),
        ],
    )
    code, report = check(water, path)
    assert code == 1
    # The first comment is a reviewer's note; the others name codes, misspelt.
    assert findings_by_paragraph(report) == {2: ["claim"], 3: ["claim"]}
    assert "did you mean 'Ageing pipes'?" in report["findings"][0]["message"]
    assert "did you mean 'Tariff freeze'?" in report["findings"][1]["message"]


def test_labels_as_the_study_writes_them_ranges_and_unreadable_brackets(water: str, tmp_path: Path) -> None:
    path = tmp_path / "forms.md"
    path.write_text(
        "Expert A noted that “We installed digital meters in two districts”.\n\n"
        "One expert said “Digital meters are on paper only” (Expert F).\n\n"
        "Six Experts (A–F) were asked.\n\n"
        "Seven Experts (A–F) were asked.\n\n"
        "Expert (f) agreed.\n\n"
        "Two Experts (A/B) disagreed.\n\n"
        "Experts (see Appendix A) were interviewed.\n",
        encoding="utf-8",
    )
    code, report = check(water, path)
    assert code == 1
    assert findings_by_paragraph(report) == {1: ["quote"], 4: ["number"], 6: ["participant"]}
    assert "found in Expert D's document" in report["findings"][0]["message"]
    assert "cannot read the participants in '(A/B)'" in report["findings"][2]["message"]
    (quote,) = next(p["quotes"] for p in report["paragraphs"] if p["number"] == 2)
    assert quote["attributed_to"] == ["Expert F"] and quote["status"] == "found"
    (range_,) = next(p["citations"] for p in report["paragraphs"] if p["number"] == 3)
    assert range_["participants"] == ["Expert A", "Expert B", "Expert C", "Expert D", "Expert E", "Expert F"]
