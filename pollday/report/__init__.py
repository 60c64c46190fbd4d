"""``report.html``: a run folder as one self-contained page that people read.

Usage::

    from pollday.report import write_report, ReportError
    path = write_report(Path("runs/az"))  # writes runs/az/report.html

The page holds a section for each kind of data found in the folder (see
:mod:`pollday.report.sections`); images are embedded PNGs, there is no JavaScript and
nothing is fetched from the network.
"""

from __future__ import annotations

import os
from pathlib import Path

from pollday.report.errors import ReportError
from pollday.report.render import render_page
from pollday.report.run_folder import read_run_folder
from pollday.report.sections import Section, build_sections

REPORT = "report.html"

__all__ = ["REPORT", "ReportError", "Section", "render_report", "write_report"]


def render_report(run_dir: Path) -> str:
    """The HTML of ``run_dir``'s report; raises ReportError if it is not a run folder."""
    folder = read_run_folder(Path(run_dir))
    return render_page(folder, build_sections(folder))


def write_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` (atomically) and return its path.

    Raises :class:`ReportError`, naming what is missing or broken, if ``run_dir`` is not a
    run folder; the message is meant for the user as is (no traceback needed).
    """
    run_dir = Path(run_dir)
    html = render_report(run_dir)
    path = run_dir / REPORT
    partial = path.with_name(f".{REPORT}.{os.getpid()}.tmp")
    try:
        partial.write_text(html, encoding="utf-8")
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ReportError(f"{path}: cannot be written ({error.strerror or error})") from None
    return path
