"""Charts as PNG or SVG files, drawn with matplotlib (imported only here, only when asked).

matplotlib is an optional extra (``pip install 'qualcode[charts]'``): it is large, and only the
two chart options need it. DejaVu Sans, matplotlib's own font, has Cyrillic and the Kazakh
letters, so labels in any of the study's languages are drawn as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qualcode.domain.errors import QualcodeError
from qualcode.io.output import replacing

CHART_SUFFIXES = (".png", ".svg")


def _pyplot(path: Path) -> Any:
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise QualcodeError("a chart is written as .png or .svg", source=str(path))
    try:
        import matplotlib
    except ImportError as exc:
        raise QualcodeError("charts need matplotlib: pip install 'qualcode[charts]'") from exc
    matplotlib.use("Agg")  # no screen: draw to files only
    # SVG text stays text (searchable, copyable, and in the researcher's own script).
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "qualcode"  # the same study draws the same file
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, path: Path) -> None:
    fmt = path.suffix.lower().lstrip(".")
    with replacing(path) as tmp:
        # The metadata date is dropped so that the same study draws the same file.
        fig.savefig(
            tmp, format=fmt, dpi=150, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None
        )
    plt.close(fig)


def write_word_chart(path: Path, words: Sequence[str], counts: Sequence[int], *, title: str) -> None:
    """A horizontal bar chart of word frequencies, the commonest at the top."""
    plt = _pyplot(path)
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(words) + 1)))
    ax.barh(list(reversed(words)), list(reversed(counts)), color="#4C72B0")
    ax.set_xlabel("occurrences")
    ax.set_title(title)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    _save(plt, fig, path)


def write_saturation_chart(
    path: Path, interviews: Sequence[str], new: Sequence[int], cumulative: Sequence[int], *, title: str
) -> None:
    """New codes per interview (bars) and the cumulative number of codes (line), in order."""
    plt = _pyplot(path)
    fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(interviews) + 2), 4))
    x = list(range(1, len(interviews) + 1))
    ax.bar(x, new, color="#A1C9F4", label="new codes")
    ax.plot(x, cumulative, color="#C44E52", marker="o", label="codes so far")
    ax.set_xticks(x, list(interviews), rotation=45, ha="right")
    ax.set_ylabel("codes")
    ax.set_xlabel("interview, in order")
    ax.set_title(title)
    ax.legend(frameon=False)
    ax.yaxis.get_major_locator().set_params(integer=True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    _save(plt, fig, path)
