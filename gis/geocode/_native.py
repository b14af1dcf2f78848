"""The address parser's hot modules compiled to C with mypyc, and when they are used.

``make install`` runs this file (``python gis/geocode/_native.py``): it compiles
:data:`MODULES` (the parser, the admin-name reading, the normalisation and the name
index) into extension modules next to their sources, with a stamp that names the
sources they were built from. Python prefers an extension module to the ``.py`` of the
same name, so the built modules are what ``import gis.geocode.parse`` gives; about 1.35×
less CPU per address for ``parse-address --file`` (bench/geocode_real.py ``--stages``).

The ``.py`` files stay the source: :func:`choose` (run by ``gis/geocode/__init__.py``
before anything of the package is imported) makes Python read them instead when

* the stamp does not match the sources (one was edited after the build), or the build
  is absent (no compiler: nothing else is needed);
* ``POPGIS_PURE_PYTHON`` is set (tests compare both ways; also for debugging).

The four are used together or not at all: compiled modules call each other directly.
``make clean`` removes what the build makes (``build/mypyc``, the ``.so`` files and the
stamp); so does ``git clean -X``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: the modules compiled (gis.geocode.<name>), in the order mypyc is given them
MODULES = ("parse", "admin", "normalise", "gazetteer")
#: what the last build was made from (see :func:`digest`)
STAMP = HERE / "native.stamp"
#: the shared library of the group (the modules' code; each module's .so is a stub)
GROUP = "gis.geocode.native"
PURE_ENV = "POPGIS_PURE_PYTHON"


def digest() -> str:
    """SHA-256 of the sources of :data:`MODULES` (what a build is valid for)."""
    h = hashlib.sha256()
    for name in MODULES:
        h.update((HERE / f"{name}.py").read_bytes())
    return h.hexdigest()


def built_files() -> list[Path]:
    """The extension modules a build puts next to the sources (present or not)."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    return [HERE / f"{name}{suffix}" for name in (*MODULES, "native__mypyc")]


def up_to_date() -> bool:
    """The built modules are all there and were made from the sources as they are."""
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return False
    return stamp.get("sources") == digest() and all(p.exists() for p in built_files())


class _Sources:
    """Finds the ``.py`` of each of :data:`MODULES` (ahead of the built module)."""

    def find_spec(self, fullname, path=None, target=None):
        pkg, _, name = fullname.rpartition(".")
        if pkg == __package__ and name in MODULES:
            return importlib.util.spec_from_file_location(fullname, HERE / f"{name}.py")
        return None


def choose() -> bool:
    """Make the compiled modules the ones imported only when they match their sources
    and ``POPGIS_PURE_PYTHON`` is not set; returns whether they are used."""
    if not os.environ.get(PURE_ENV) and up_to_date():
        return True
    if not any(isinstance(f, _Sources) for f in sys.meta_path):
        sys.meta_path.insert(0, _Sources())
    return False


def in_use() -> bool:
    """Whether the imported parser is the compiled one."""
    mod = sys.modules.get(f"{__package__}.parse")
    return mod is not None and not str(getattr(mod, "__file__", "")).endswith(".py")


def build(force: bool = False) -> bool:
    """Compile :data:`MODULES` unless the build is up to date with the same mypy;
    returns whether it compiled. The new files replace the old ones by rename (a
    process that has the old ones loaded keeps them)."""
    import mypy.version
    from mypyc.build import mypycify
    from setuptools import setup

    root = HERE.parents[1]
    want = {"sources": digest(), "mypy": mypy.version.__version__}
    try:
        have = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        have = {}
    if not force and have == want and all(p.exists() for p in built_files()):
        return False
    out = root / "build" / "mypyc"
    os.chdir(root)  # mypy reads its settings (setup.cfg) and the paths from here
    STAMP.unlink(missing_ok=True)
    setup(
        name="popgis-native",
        script_args=[
            "--quiet",
            "build_ext",
            f"--build-lib={out / 'lib'}",
            f"--build-temp={out / 'temp'}",
        ],
        ext_modules=mypycify(
            [
                # (notes about untyped functions are not errors)
                "--disable-error-code=annotation-unchecked",
                f"--cache-dir={out / 'mypy_cache'}",
                *[f"gis/geocode/{name}.py" for name in MODULES],
            ],
            opt_level="3",
            group_name=GROUP,
            target_dir=str(out / "c"),
        ),
    )
    for path in built_files():
        new = out / "lib" / path.relative_to(root)
        os.replace(new, path)
    STAMP.write_text(json.dumps(want) + "\n")
    return True


if __name__ == "__main__":
    import time

    sys.path[:1] = []  # (this folder: its modules are not top-level ones)

    t = time.perf_counter()
    done = build(force="--force" in sys.argv)
    print(
        f"gis.geocode compiled with mypyc in {time.perf_counter() - t:.0f} s"
        if done
        else "gis.geocode: compiled modules up to date"
    )
