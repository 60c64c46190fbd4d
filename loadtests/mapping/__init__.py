"""A target's dialect written as data: a mapping file instead of a Python adapter.

``--adapter targets/mysvc.toml`` (or ``adapter = "targets/mysvc.toml"`` in a scenario's
``[loadtest]``) names a TOML file that describes each request kind (method, path, headers,
JSON body, what each status means); docs/adapters.md is its reference. The file is read and
checked in full before anything runs (:func:`load_mapping`); :func:`mapped_adapter_class`
makes the :class:`~loadtests.adapter.Adapter` subclass the replay uses. ``voters =
"voters.csv"`` maps the simulated voters onto ids the target already holds
(:mod:`loadtests.mapping.voters`).

This package never imports locust.
"""

from loadtests.mapping.adapter import MappedAdapter, json_pointer, mapped_adapter_class
from loadtests.mapping.loading import MappingError, TargetMapping, load_mapping
from loadtests.mapping.model import MappingFile
from loadtests.mapping.voters import OwnVoters, OwnVotersError, read_own_voters

__all__ = [
    "MappedAdapter",
    "MappingError",
    "MappingFile",
    "OwnVoters",
    "OwnVotersError",
    "TargetMapping",
    "json_pointer",
    "load_mapping",
    "mapped_adapter_class",
    "read_own_voters",
]
