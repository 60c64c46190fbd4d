"""Worker processes started with spawn, usable from a plain script without a main guard.

Spawn starts each worker as a fresh interpreter that imports the parent's ``__main__`` (by
path, or by name under ``python -m``) so that functions defined there can be unpickled.
pollday's workers run only library functions, but the import also runs a plain script's
top level again: without an ``if __name__ == "__main__":`` guard the script calls
``simulate`` again inside the worker and the pool dies (``BrokenProcessPool``). While
pollday starts its workers, :func:`workers_without_main` hides the main module from spawn's
preparation data, so workers never import it. The one thing lost: objects whose classes
are defined in the user's script cannot be sent to pollday's workers.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()  # two pools started at once must not restore each other's state
_MISSING = object()


@contextmanager
def workers_without_main() -> Iterator[None]:
    """Start spawn workers inside this block: they will not import ``__main__``."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _LOCK:
        saved = {name: getattr(main, name, _MISSING) for name in ("__file__", "__spec__")}
        try:
            if saved["__file__"] is not _MISSING:
                del main.__file__
            main.__spec__ = None
            yield
        finally:
            for name, value in saved.items():
                if value is _MISSING:
                    if hasattr(main, name) and name == "__file__":
                        delattr(main, name)
                else:
                    setattr(main, name, value)
