"""Orphaned processes (issue 27, part 5): a pollday command killed with SIGKILL takes every
process it started with it.

The finding: ``pollday simulate`` killed by the OOM killer left its two workers computing
six minutes later. Each test starts a command, waits until its workers are busy (CPU time
spent, read from /proc), records the whole process tree, kills the command with SIGKILL and
polls until no process of that tree is alive. Linux only (/proc, ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; prctl"),
]

POLLDAY = str(Path(sys.executable).parent / "pollday")
ROOT = Path(__file__).resolve().parents[2]
BIG = str(ROOT / "scenarios" / "azerbaijan-2024.toml")
BUSY_DEADLINE_S = 240.0  # until the workers compute (imports on a loaded 2-core machine)
# After the kill, until no process of the tree is alive: the kernel kills the workers at
# once (measured: 0.02-0.03 s); the embedded service's uvicorn workers get SIGTERM and up to
# 10 s to finish (service/orphans.py), so `run` is given more.
GONE_DEADLINE_S = 5.0
SERVICE_GONE_DEADLINE_S = 20.0
BUSY_CPU_S = 1.5  # a worker that spent this much CPU is past its imports and computing
TICKS = os.sysconf("SC_CLK_TCK")

Proc = tuple[int, int]  # (pid, start time in ticks): a pid reused later is another process


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (field 3, the state, first)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def _tree(pid: int) -> list[int]:
    """``pid``'s descendants (children, grandchildren ...), not ``pid`` itself."""
    found, todo = [], _children(pid)
    while todo:
        kid = todo.pop()
        found.append(kid)
        todo += _children(kid)
    return found


def _identity(pid: int) -> Proc | None:
    fields = _stat(pid)
    return None if fields is None else (pid, int(fields[19]))


def _alive(proc: Proc) -> bool:
    fields = _stat(proc[0])
    return fields is not None and fields[0] not in ("Z", "X") and int(fields[19]) == proc[1]


def _cpu_s(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return b""


def _busy_spawned(tree: list[int], workers: int) -> bool:
    """``workers`` spawned pool or Dask workers (not multiprocessing's resource tracker) have
    each spent enough CPU to be past their imports and computing."""
    busy = [p for p in tree if b"spawn_main" in _cmdline(p) and _cpu_s(p) >= BUSY_CPU_S]
    return len(busy) >= workers


class _Command:
    """A pollday command in a session of its own, every process it started recorded, so
    that whatever the test finds alive it can still end."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True, cwd=ROOT)
        self.tree: list[Proc] = []

    def kill_when(self, ready: Callable[[list[int]], bool]) -> list[Proc]:
        """Wait until ``ready(descendants)``, SIGKILL the command; return the process tree
        as it was just before."""
        deadline = time.monotonic() + BUSY_DEADLINE_S
        while not ready(tree := _tree(self.proc.pid)):
            assert self.proc.poll() is None, (
                f"the command ended (exit {self.proc.returncode}) before it was ready: "
                f"{self.proc.stderr.read().decode()[-500:] if self.proc.stderr else ''}")
            assert time.monotonic() < deadline, f"not ready in time: {tree}"
            time.sleep(0.2)
        found = [*tree, *_tree(self.proc.pid)]
        self.tree = sorted({p for p in map(_identity, found) if p is not None})
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return self.tree

    def end(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for proc in self.tree:
            if _alive(proc):
                with suppress(ProcessLookupError):
                    os.kill(proc[0], signal.SIGKILL)
        self.proc.wait()


@contextmanager
def _started(args: list[str]) -> Iterator[_Command]:
    command = _Command(args)
    try:
        yield command
    finally:
        command.end()


def _alive_after_kill(procs: list[Proc], within_s: float = GONE_DEADLINE_S) -> list[str]:
    """The command lines of the processes of ``procs`` still alive once ``within_s`` has
    passed (none: at once)."""
    deadline = time.monotonic() + within_s
    while (alive := [p for p in procs if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return [f"{pid}: {_cmdline(pid).decode(errors='replace')[:120]}" for pid, _ in alive]


def test_simulate_workers_end_with_a_killed_parent(tmp_path: Path) -> None:
    with _started([POLLDAY, "simulate", BIG, "--workers", "2", "--quiet", "--no-schedule",
                   "--out", str(tmp_path / "run")]) as command:
        tree = command.kill_when(lambda t: _busy_spawned(t, 2))
        assert _alive_after_kill(tree) == []


def test_sizing_workers_end_with_a_killed_parent(tmp_path: Path) -> None:
    with _started([POLLDAY, "size", BIG, "--workers", "2", "--quiet",
                   "--out", str(tmp_path / "size")]) as command:
        tree = command.kill_when(lambda t: _busy_spawned(t, 2))
        assert _alive_after_kill(tree) == []


def test_local_dask_workers_end_with_a_killed_parent(tmp_path: Path) -> None:
    pytest.importorskip("distributed")  # the test extra installs it: CI runs this
    with _started([POLLDAY, "simulate", BIG, "--cluster", "local:2", "--quiet",
                   "--no-schedule", "--out", str(tmp_path / "run")]) as command:
        tree = command.kill_when(lambda t: _busy_spawned(t, 2))
        assert _alive_after_kill(tree) == []


def _replaying(tree: list[int]) -> bool:
    """The embedded service and its two uvicorn workers run, and two Locust workers (forked
    by their master, so the same command line) are sending."""
    locust = [p for p in tree if b"-m locust" in _cmdline(p)]
    workers = [p for p in locust if any(p in _children(m) for m in locust)]
    service = [p for p in tree if b"-m service" in _cmdline(p)]
    serving = [p for s in service for p in _children(s) if b"spawn_main" in _cmdline(p)]
    return (len(serving) >= 2 and len(workers) >= 2
            and all(_cpu_s(p) >= 0.3 for p in workers))


def test_run_service_and_locust_end_with_a_killed_parent(tmp_path: Path) -> None:
    # A replay four times slower than the scenario's, so the kill lands while it runs.
    with _started([POLLDAY, "run", str(ROOT / "scenarios" / "smoke.toml"), "--workers", "2",
                   "--sim-workers", "1", "--compress", "600", "--service-arg=--workers=2",
                   "--quiet", "--out", str(tmp_path / "run")]) as command:
        tree = command.kill_when(_replaying)
        assert len(tree) >= 6  # the service and its 2 workers, the Locust master and its 2
        assert _alive_after_kill(tree, SERVICE_GONE_DEADLINE_S) == []


def test_register_workers_end_with_a_killed_parent(tmp_path: Path) -> None:
    with _started([POLLDAY, "register", BIG, "--workers", "2", "--quiet",
                   "--out", str(tmp_path / "register.ndjson")]) as command:
        tree = command.kill_when(lambda t: _busy_spawned(t, 2))
        assert _alive_after_kill(tree) == []


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_a_worker_whose_parent_died_before_it_asked_ends_at_once() -> None:
    # The parent it was told about is not its parent any more: killed before the prctl.
    gone = _python("from simulation.execution.orphans import die_with_parent\n"
                   "die_with_parent(0)\nprint('ran on')")
    assert gone.returncode == -signal.SIGKILL and gone.stdout == ""
    kept = _python("import os\nfrom simulation.execution.orphans import die_with_parent\n"
                   "die_with_parent(os.getppid())\nprint('ran on')")
    assert kept.returncode == 0 and kept.stdout == "ran on\n"


def test_only_the_forks_of_the_process_itself_are_tied_to_it() -> None:
    # A Locust worker that forks in turn must not see its child killed for having another
    # parent than the master.
    code = """
import os
from simulation.execution.orphans import forks_die_with_this_process
forks_die_with_this_process()
child = os.fork()
if child == 0:
    grandchild = os.fork()
    if grandchild == 0:
        os._exit(7)
    os._exit(os.waitstatus_to_exitcode(os.waitpid(grandchild, 0)[1]))
print(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
"""
    assert _python(code).stdout == "7\n"
