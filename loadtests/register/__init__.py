"""A scenario's synthetic voter register: who the voters are (:mod:`~loadtests.register.
synthetic`: ids, names, templates, the same for the same seed) and the register file a target
imports (:mod:`~loadtests.register.files`)."""

from loadtests.register.synthetic import (
    DEFAULT_WEBCAM_SHARE,
    MAX_VOTERS_PER_STATION,
    NamePools,
    build_name_pools,
    header_lines,
    rescan,
    voter_id,
    voter_lines,
)

__all__ = ["DEFAULT_WEBCAM_SHARE", "MAX_VOTERS_PER_STATION", "NamePools", "build_name_pools",
           "header_lines", "rescan", "voter_id", "voter_lines"]
