"""Workers die with their parent.

``pollday serve --workers N`` runs uvicorn's supervisor in the parent and the workers as its
children. If the parent is killed with SIGKILL it cannot stop them, and they kept answering on
the old port; a restarted service then ran beside them on the same database. Each worker
therefore asks the kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``, Linux), and
also watches its parent id from a thread (other systems, and the moment between the fork and
the ``prctl`` call when the parent may already be gone). SIGTERM makes uvicorn shut down
gracefully; SIGKILL follows if that takes longer than ``GRACE_S``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_INTERVAL_S = 0.5
GRACE_S = 10.0


def die_with_parent(parent: int) -> None:
    """Arrange for this process to end when ``parent`` (the pid that started it) does.

    The caller names the parent rather than asking ``os.getppid()``: a worker still importing
    when its parent is killed would otherwise take its new parent (init) for the real one and
    never notice.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    thread = threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True)
    thread.start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:  # false at once if the parent died before we got here
        time.sleep(WATCH_INTERVAL_S)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_S)
    os.kill(os.getpid(), signal.SIGKILL)
