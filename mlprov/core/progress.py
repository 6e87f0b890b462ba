"""Progress for long work, on stderr: a live line on a terminal, a line every few seconds elsewhere."""

from __future__ import annotations

import sys
import time

LINE_INTERVAL_S = 5.0


class Progress:
    def __init__(self, label: str, total: int | None, *, quiet: bool = False, stream=None):
        self.label = label
        self.total = total
        self.done = 0
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_draw = 0.0
        self._last_line = time.monotonic()
        self._started = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.quiet:
            return
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= 0.2:
                self._last_draw = now
                self.stream.write(f"\r{self._text()}")
                self.stream.flush()
        elif now - self._last_line >= LINE_INTERVAL_S:
            self._last_line = now
            self.stream.write(self._text() + "\n")

    def close(self) -> None:
        if self.quiet:
            return
        elapsed = time.monotonic() - self._started
        end = f"{self._text()} in {elapsed:.1f}s"
        self.stream.write(f"\r{end}\n" if self._tty else end + "\n")
        self.stream.flush()

    def _text(self) -> str:
        if self.total:
            return f"{self.label}: {self.done:,}/{self.total:,} ({100 * self.done // max(self.total, 1)}%)"
        return f"{self.label}: {self.done:,}"


class Board:
    """Several counts advancing at once (readings in parallel processes) on one progress line: a
    live line on a terminal, a line every few seconds elsewhere; a count's closing line is written
    once when it ends."""

    def __init__(self, *, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = time.monotonic()
        self._shown = ""

    def show(self, counts: list[tuple[str, int, int]]) -> None:
        """The counts under way, each as (label, done, total)."""
        if self.quiet or not counts:
            return
        text = "  " + " · ".join(f"{label}: {done:,}/{total:,} ({100 * done // max(total, 1)}%)"
                                 for label, done, total in counts)
        now = time.monotonic()
        if self._tty:
            self.stream.write(f"\r{text}\x1b[K")
            self.stream.flush()
            self._shown = text
        elif now - self._last >= LINE_INTERVAL_S:
            self._last = now
            self.stream.write(text + "\n")

    def ended(self, label: str, done: int, total: int, seconds: float) -> None:
        """A count's closing line, as `Progress.close` writes it."""
        if self.quiet:
            return
        line = f"  {label}: {done:,}/{total:,} ({100 * done // max(total, 1)}%) in {seconds:.1f}s"
        self.stream.write(f"\r{line}\x1b[K\n" if self._tty else line + "\n")
        self.stream.flush()
