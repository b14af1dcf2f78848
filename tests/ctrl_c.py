"""Ctrl-C at chosen points of a real ``popgis`` process, for the tests of
:mod:`cli.interrupt`: lost in a finaliser (the outside tester's 2 runs in 45) or during
the imports before the command runs. Each runs the command line as its console script
does (:func:`cli.run`) in a fresh interpreter, with the signal sent by the process
itself at that point, so that it always comes there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# argv[1] "module:function": the first call of it drops an object whose finaliser gets
# the Ctrl-C (as SQLAlchemy's pool returning a connection did in the tester's run):
# Python raises it inside the finaliser, which cannot raise it further
_LOST_IN_A_FINALISER = """
import importlib, os, runpy, signal, sys, time

module_name, name = sys.argv[1].split(":")
owner = importlib.import_module(module_name)
*path, attr = name.split(".")
for part in path:
    owner = getattr(owner, part)
original = getattr(owner, attr)


class Finaliser:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # the handler runs (and raises) in here
            pass


def first_call_drops_a_finaliser(*args, **kwargs):
    setattr(owner, attr, original)
    Finaliser()  # gone at once: its finaliser runs here
    return original(*args, **kwargs)


setattr(owner, attr, first_call_drops_a_finaliser)
sys.argv = ["popgis", *sys.argv[2:]]
runpy.run_module("cli", run_name="__main__", alter_sys=True)
"""

# argv[1] a module: Ctrl-C while it is first imported (the command line's own imports,
# before any command runs); then the command line starts as its console script does
_DURING_AN_IMPORT = """
import os, signal, sys, time

TARGET = sys.argv[1]


class CtrlCOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == TARGET:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:  # the handler runs (and raises) in here
                pass
        return None


sys.meta_path.insert(0, CtrlCOnImport())
sys.argv = ["popgis", *sys.argv[2:]]
from cli import run

run()
"""

# argv[1] "module:function" or "module:Class.method": a Ctrl-C as it is first called
# (raised there, in the main thread, as a user's would be between two steps)
_AT_A_CALL = """
import importlib, os, runpy, signal, sys, time

module_name, name = sys.argv[1].split(":")
owner = importlib.import_module(module_name)
*path, attr = name.split(".")
for part in path:
    owner = getattr(owner, part)
original = getattr(owner, attr)


def first_call_is_interrupted(*args, **kwargs):
    setattr(owner, attr, original)
    os.kill(os.getpid(), signal.SIGINT)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:  # the handler runs (and raises) in here
        pass
    return original(*args, **kwargs)


setattr(owner, attr, first_call_is_interrupted)
sys.argv = ["popgis", *sys.argv[2:]]
from cli import run

run()
"""


def _run(script: str, where: str, args: list[str], env: dict | None, timeout: float):
    return subprocess.run(
        [sys.executable, "-c", script, where, *map(str, args)],
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def lost_in_a_finaliser(where: str, args: list, env: dict | None = None, timeout: float = 180):
    """``popgis ARGS`` with a Ctrl-C that comes while a finaliser runs, at the first call
    of ``where`` ("module:function" or "module:Class.method")."""
    return _run(_LOST_IN_A_FINALISER, where, args, env, timeout)


def during_an_import(module: str, args: list, env: dict | None = None, timeout: float = 60):
    """``popgis ARGS`` with a Ctrl-C that comes while ``module`` is first imported."""
    return _run(_DURING_AN_IMPORT, module, args, env, timeout)


def at_a_call(where: str, args: list, env: dict | None = None, timeout: float = 300):
    """``popgis ARGS`` with a Ctrl-C as ``where`` ("module:function" or
    "module:Class.method") is first called."""
    return _run(_AT_A_CALL, where, args, env, timeout)


def stderr_lines(proc, *, drop: str | None = None) -> list[str]:
    """The lines of standard error with text, less the progress bar's (``drop``)."""
    return [x for x in proc.stderr.splitlines() if x.strip() and not (drop and drop in x)]
