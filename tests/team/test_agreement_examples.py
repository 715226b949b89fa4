"""Agreement statistics equal published worked examples (each source cited where it is used)."""

from __future__ import annotations

import pytest

from qualcode.domain.agreement import (
    cohen_kappa,
    krippendorff_alpha_nominal,
    paragraph_spans,
    percent_agreement,
    sentence_spans,
)

N = None


def _pairs_from_table(yes_yes: int, yes_no: int, no_yes: int, no_no: int) -> list[tuple[str, str]]:
    return (
        [("yes", "yes")] * yes_yes
        + [("yes", "no")] * yes_no
        + [("no", "yes")] * no_yes
        + [("no", "no")] * no_no
    )


def test_cohen_kappa_grant_proposals_example() -> None:
    # Wikipedia, "Cohen's kappa", section "Simple example": 50 grant proposals read by readers A
    # and B; both Yes 20, A Yes/B No 5, A No/B Yes 10, both No 15. Published: po = 0.70,
    # pe = 0.50 (A says Yes 50%, B 60%: 0.5*0.6 + 0.5*0.4), kappa = 0.40.
    pairs = _pairs_from_table(20, 5, 10, 15)
    assert percent_agreement(pairs) == pytest.approx(0.70)
    assert cohen_kappa(pairs) == pytest.approx(0.40)


def test_cohen_kappa_is_undefined_when_chance_agreement_is_certain() -> None:
    # Both coders always say the same single value: pe = 1, kappa = 0/0.
    assert cohen_kappa([("x", "x")] * 5) is None
    assert cohen_kappa([]) is None


# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability", Annenberg School for
# Communication, University of Pennsylvania, section C ("Nominal data, any number of observers,
# missing data"): 4 observers x 12 units, values 1-5, blanks missing. Published: alpha = 0.743.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    "C": [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
}

# Wikipedia, "Krippendorff's alpha", section "A computational example": 3 coders x 15 units,
# values 1-4, '*' missing. Published: alpha (nominal) = 0.691 (and 0.811 interval, not ours).
WIKIPEDIA_3_CODERS = {
    "A": [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
    "B": [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
    "C": [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],
}


def _units(by_coder: dict[str, list[int | None]]) -> list[list[int | None]]:
    return [list(values) for values in zip(*by_coder.values(), strict=True)]


def test_krippendorff_alpha_four_observers_with_missing_values() -> None:
    assert round(krippendorff_alpha_nominal(_units(KRIPPENDORFF_2011)) or 0, 3) == 0.743


def test_krippendorff_alpha_three_coders_with_missing_values() -> None:
    assert round(krippendorff_alpha_nominal(_units(WIKIPEDIA_3_CODERS)) or 0, 3) == 0.691


def test_krippendorff_alpha_three_observers_of_the_2011_example_by_hand() -> None:
    # Observers A, B and D of Krippendorff (2011) above, worked by hand with that paper's
    # coincidence-matrix method. Units 11 and 12 keep one value each and drop out; units 1-9 have
    # 3 values, unit 10 has 2 (5, 5): n = 29 pairable values. Only unit 6 (1, 2, 4) disagrees:
    # 6 ordered pairs weighted 1/(3-1), so n*Do = 3. Value totals: 1 -> 7, 2 -> 10, 3 -> 6,
    # 4 -> 4, 5 -> 2; n*De = (29^2 - (49 + 100 + 36 + 16 + 4)) / 28 = 636/28.
    # alpha = 1 - 3 * 28 / 636 = 46/53 = 0.8679...
    units = _units({k: KRIPPENDORFF_2011[k] for k in ("A", "B", "D")})
    assert krippendorff_alpha_nominal(units) == pytest.approx(46 / 53)


def test_units_with_a_single_value_do_not_count() -> None:
    assert krippendorff_alpha_nominal([[1, N], [N, 2]]) is None
    assert percent_agreement([[1, N], [2, 2], [3, 4]]) == 0.5


def test_sentences_and_paragraphs_of_mixed_language_text() -> None:
    text = "Көші-қон саясаты. Второе предложение!  «Третье?» No end\n\n  Last paragraph… done  \n"
    assert [text[a:b] for a, b in paragraph_spans(text)] == [
        "Көші-қон саясаты. Второе предложение!  «Третье?» No end",
        "Last paragraph… done",
    ]
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Көші-қон саясаты.",
        "Второе предложение!",
        "«Третье?»",
        "No end",
        "Last paragraph…",
        "done",
    ]


def test_weighted_units_equal_the_units_repeated() -> None:
    units: list[list[int | None]] = [[1, 1, N], [1, 2, 2], [N, 3, 3], [2, 2, 2]]
    weights = [3, 1, 0, 5]
    repeated = [u for u, w in zip(units, weights, strict=True) for _ in range(w)]
    assert krippendorff_alpha_nominal(units, weights) == pytest.approx(krippendorff_alpha_nominal(repeated))
    assert percent_agreement(units, weights) == pytest.approx(percent_agreement(repeated))
    pairs = [(1, 1), (1, 2), (2, 2)]
    assert cohen_kappa(pairs, [4, 1, 2]) == pytest.approx(cohen_kappa([(1, 1)] * 4 + [(1, 2)] + [(2, 2)] * 2))
