"""What every study screen shares: load in a worker, reload when the study changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from qualcode.domain.labels import split_label

if TYPE_CHECKING:
    from qualcode.tui.app import QualcodeApp


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def progress_bar(share: float, width: int = 10) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled) + f" {share * 100:3.0f}%"


def letters(labels: tuple[str, ...], most: int = 12) -> str:
    ids = [split_label(label)[1] for label in labels]
    shown = ",".join(ids[:most])
    return shown + (f" +{len(ids) - most}" if len(ids) > most else "")


class StudyScreen(Screen[None]):
    """A screen that shows study data: loads in a worker, reloads when the study changed."""

    loaded_version = -1

    @property
    def qapp(self) -> QualcodeApp:
        return cast("QualcodeApp", self.app)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded_version not in (-1, self.qapp.data_version):
            self.reload()

    def reload(self) -> None:
        self.loaded_version = self.qapp.data_version
