"""A folder of generated files written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def written_whole(out: Path) -> Iterator[Path]:
    """Yield a hidden folder beside ``out`` (``.NAME.part-PID``) to generate into; once
    the block ends, its files and folders take their place in ``out`` (made if needed;
    one of the same name already there is replaced, anything else in ``out`` is left
    alone). A Ctrl-C or an error in the block removes the hidden folder: ``out`` never
    holds a half-made county (an empty folder, one with only admin.geojson) that a later
    run would take as made, nor the generator's scratch folders."""
    out = Path(out)
    part = out.parent / f".{out.name}.part-{os.getpid()}"
    shutil.rmtree(part, ignore_errors=True)  # this process's own, from an earlier call
    _remove_abandoned(out)
    part.mkdir(parents=True)
    try:
        yield part
        out.mkdir(parents=True, exist_ok=True)
        # the manifest last: generate_files takes a folder with one as made
        for child in sorted(part.iterdir(), key=lambda p: p.name == "manifest.json"):
            target = out / child.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(child, target)
    finally:
        shutil.rmtree(part, ignore_errors=True)


def _remove_abandoned(out: Path) -> None:
    """Remove the hidden folders of earlier runs for ``out`` whose process is gone (killed
    with SIGKILL or by a power cut, it could not remove its own): a full-scale county
    leaves gigabytes there. A folder of a process still running is another run's, kept."""
    for old in out.parent.glob(f".{out.name}.part-*"):
        pid = old.name.rsplit("-", 1)[1]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
