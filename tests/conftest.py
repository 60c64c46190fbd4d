"""Suite-wide hooks."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--dist loadgroup`` under pytest 9: keep tests marked ``xdist_group(name)`` on one
    worker.

    pytest-xdist (3.8) groups a test by appending ``@name`` to its node id in each worker,
    but it writes ``item._nodeid``, which pytest 9 no longer reads (the id lives in
    ``item._id``): the suffix was lost and the groups were spread over the workers like any
    other test. This adds the suffix where xdist's did not take; with an xdist or pytest
    that does it again, every id already ends in its group and nothing changes here.
    """
    if not getattr(config.option, "loadgroup", False) or not hasattr(config, "workerinput"):
        return  # not an xdist worker of --dist loadgroup (e.g. -n0: one process, no groups)
    for item in items:
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                 for m in item.iter_markers("xdist_group")}
        if not names:
            continue
        suffix = "@" + "_".join(sorted(names))
        if item.nodeid.endswith(suffix) or not hasattr(item, "_id"):
            continue
        item._id = type(item._id).parse(item.nodeid + suffix)
