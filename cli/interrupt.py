"""Ctrl-C for every command: exit 130 with one line, never lost, never a traceback.

Python's own SIGINT handler raises :class:`KeyboardInterrupt` wherever the main thread
is at that instant, and two places lose or garble it:

- a finaliser: a ``__del__``, a weakref callback (SQLAlchemy's pool returning a
  connection no one closed), a garbage-collector callback. Python cannot raise out of
  those: it prints "Exception ignored in …" and the command runs on to the end (the
  outside tester's ``coverage --engine dask``, 2 runs in 45);
- the imports before a command runs (its first quarter second), where nothing of the
  command's catches it: Python prints a traceback.

:func:`install`, the first thing :func:`cli.run` does, sets a handler that raises
``KeyboardInterrupt`` as Python's does and remembers that a Ctrl-C came, and an
unraisable hook that recognises one lost in a finaliser: it prints nothing and has the
signal sent again a moment later from a helper thread, when the finaliser has returned,
so that it is raised where the command handles it (the command closes what it opened,
a load's one transaction is rolled back, nothing half written is kept). A command that
still returns normally after a Ctrl-C (one swallowed by a library) ends with 130 as
well (:func:`came`, checked by :class:`cli.main.PopgisGroup`). The signal module's
documentation describes the risk ("Note on Signal Handlers and Exceptions").

Standard library only, imported before anything else: a Ctrl-C during the imports is
caught in :func:`cli.run` and said by :func:`end`.
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
import time
from typing import NoReturn

#: the exit code of a command ended by Ctrl-C (128 + SIGINT, as the shell reports it)
INTERRUPTED = 130

#: how long after a Ctrl-C lost in a finaliser it is sent again: the finaliser (and the
#: garbage collection that ran it) has returned by then, or it is lost and sent again
RESEND_SECONDS = 0.02

_state = {"came": False, "installed": False}


def came() -> bool:
    """Whether a Ctrl-C came since :func:`install` (raised, or lost in a finaliser)."""
    return _state["came"]


def _on_sigint(_signum, _frame) -> None:
    _state["came"] = True
    raise KeyboardInterrupt


def _send_again() -> None:
    time.sleep(RESEND_SECONDS)
    os.kill(os.getpid(), signal.SIGINT)


def _unraisable(unraisable) -> None:
    """``sys.unraisablehook``: a KeyboardInterrupt that a finaliser swallowed is sent
    again (silently); anything else is printed as Python prints it."""
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        try:
            # the low-level thread start: inside a garbage collection, threading's own
            # locks may be held by the code it interrupted
            _thread.start_new_thread(_send_again, ())
        except RuntimeError:  # the interpreter is ending: nothing is left to stop
            pass
        return
    sys.__unraisablehook__(unraisable)


def install() -> None:
    """Ctrl-C raised as ``KeyboardInterrupt`` and never lost in a finaliser (above), for
    this process (the command line's own: it changes process-wide settings)."""
    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers are set in the main thread only
    signal.signal(signal.SIGINT, _on_sigint)
    sys.unraisablehook = _unraisable
    _state["installed"] = True


def calm() -> None:
    """The command has ended (its exit code is set): a Ctrl-C from now on, one sent again
    included, is ignored, neither raised into the interpreter's shutdown as a traceback
    nor (as Python restores the default action of a signal handled by a Python function
    when it shuts down) ending the process by the signal, its work done."""
    if _state["installed"]:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _lang(argv: list[str]) -> str | None:
    """``--lang`` of the command line, read by hand: click has not parsed it yet."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def end() -> NoReturn:
    """End the command at once for a Ctrl-C that came before the command ran (during the
    imports): exit 130 with the one line every command gives, in the user's language."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while saying it
    try:
        from gis.messages import _, speaking

        with speaking(_lang(sys.argv[1:])):
            line = _("error: {message}", message=_("interrupted (Ctrl-C)"))
    except Exception:  # noqa: BLE001  (whatever the cut-short imports left: say it anyway)
        line = "error: interrupted (Ctrl-C)"
    print(line, file=sys.stderr, flush=True)
    sys.exit(INTERRUPTED)
