"""Processes pollday starts end when the process that started them dies, however it dies.

Issue 27: a ``pollday simulate`` killed by the OOM killer (SIGKILL, no cleanup) left its
worker processes computing for minutes with nobody to read their results. Each process
pollday starts therefore asks the kernel for a signal when its parent dies
(``PR_SET_PDEATHSIG``, Linux; elsewhere nothing is done): the pool workers from their
initializer (:func:`die_with_parent`), an executed command between its fork and its exec
(:func:`die_with_parent_hook`, a ``Popen`` ``preexec_fn``; the setting survives the exec),
a forked child right after the fork (:func:`forks_die_with_this_process`, Locust's workers).

The signal is SIGKILL: once the parent is gone nobody reads what a child would write, and a
SIGTERM handler (Locust's, uvicorn's) could take its time or wait for peers that are gone.

Two kernel details shape the calls:

* The setting is made in the child, so a parent killed before that moment would be missed.
  The child is told its parent's pid (never ``os.getppid()`` at that moment, which may
  already be init's) and, after the ``prctl``, checks it still has that parent.
* The signal comes when the *thread* that started the child ends, not the process. pollday
  starts its pools and subprocesses from the thread that then uses them until they are
  closed (the main thread on the command line), never from a thread that ends first.

Dask's local workers need none of this: their nanny starts each through
``distributed.process.AsyncProcess``, whose child exits as soon as a pipe from the parent
closes, which the kernel does when the parent dies (docs/scale.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["die_with_parent", "die_with_parent_hook", "forks_die_with_this_process"]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _prctl() -> Callable[..., Any] | None:
    """libc's ``prctl`` on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(OSError, AttributeError):
        prctl: Callable[..., Any] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    return None


def _arm(prctl: Callable[..., Any] | None, parent_pid: int, sig: int) -> None:
    if prctl is None:
        return
    prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    # The parent may have died before the prctl: then nothing will ever signal us.
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), sig)
        os._exit(1)  # a signal this process ignores must not let it run on


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> None:
    """Arrange for this process to get ``sig`` when ``parent_pid``, the process that started
    it, dies; end now if it already has. A pool initializer: call it first in the child."""
    _arm(_prctl(), parent_pid, sig)


def die_with_parent_hook(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess.Popen``: the command it runs gets ``sig`` when this
    process dies.

    Built here, in the parent: between fork and exec the child should do as little as it
    can (another thread may have held a lock at the fork), so libc is looked up beforehand
    and the child only calls it.
    """
    prctl, parent_pid = _prctl(), os.getpid()
    return lambda: _arm(prctl, parent_pid, sig)


def forks_die_with_this_process(sig: int = signal.SIGKILL) -> None:
    """Children this process forks from now on (``os.fork`` from its main thread) get
    ``sig`` when it dies.

    Only this process's forks: the hooks are inherited by the children, whose own forks
    are none of our business. Only from the main thread: the signal would come when the
    forking thread ended.
    """
    if not hasattr(os, "register_at_fork"):  # Windows: no fork
        return
    me, forking = os.getpid(), [False]

    def before() -> None:
        forking[0] = os.getpid() == me and threading.current_thread() is threading.main_thread()

    def after_in_child() -> None:
        if forking[0]:
            forking[0] = False  # this child's own forks are not ours
            die_with_parent(me, sig)

    os.register_at_fork(before=before, after_in_child=after_in_child)
