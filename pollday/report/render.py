"""Render sections into one self-contained HTML page (jinja2, autoescaped, no JavaScript)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from pollday.report.run_folder import RunFolder
from pollday.report.section import Section
from pollday.version import __version__

_TEMPLATES = Path(__file__).with_name("templates")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # every template is HTML, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["n"] = lambda v, digits=0: f"{float(v):,.{digits}f}"
    env.filters["pct"] = lambda v, digits=1: f"{100 * float(v):.{digits}f} %"
    return env


def render_page(folder: RunFolder, sections: list[Section]) -> str:
    title = "pollday report"
    if folder.simulation is not None:
        title = f"{folder.simulation.summary['scenario']} — pollday report"
    elif folder.sizing is not None:
        title = f"{folder.sizing.summary['scenario']} — pollday sizing report"
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title,
        sections=sections,
        folder_name=folder.path.resolve().name,
        files=sorted(
            p.name
            for p in folder.path.iterdir()
            if p.is_file() and p.name != "report.html" and not p.name.startswith(".")
        ),
        version=__version__,
        generated=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    )
