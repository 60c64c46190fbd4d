"""The base of every typed run output (``summary.json``, ``loadtest.json``, ``capacity.json``,
``sizing.json``, the audit): a pydantic model with a ``format`` version.

Convention: ``format`` is an integer, the version of that file's layout; it goes up by one
when a field is removed or changes meaning (adding a field does not change it), and readers
accept older versions. Each file's JSON Schema is published in ``docs/schemas/`` (see
``docs/outputs.md``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

Number = int | float  # counts are int for one replication, a mean (float) for several


class Part(BaseModel):
    """A section of an output file: unknown keys are an error (the writer and the schema
    must agree)."""

    model_config = ConfigDict(extra="forbid")


class Output(Part):
    FORMAT: ClassVar[int] = 1
    FILE: ClassVar[str] = ""

    format: int = Field(default=1, description="version of this file's layout (an integer)")

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Self:
        """The model of freshly computed ``data`` (any ``format`` in it is replaced)."""
        return cls.model_validate({**data, "format": cls.FORMAT})

    def as_json(self) -> dict[str, Any]:
        """The file's content: the fields that were given (optional ones left out when absent),
        ``format`` first."""
        out = self.model_dump(exclude_unset=True, by_alias=True)
        return {"format": out.pop("format", self.FORMAT), **out}

    def write(self, path: Path, *, indent: int = 2) -> None:
        text = json.dumps(self.as_json(), indent=indent, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Self:
        return cls.model_validate_json(path.read_bytes())
