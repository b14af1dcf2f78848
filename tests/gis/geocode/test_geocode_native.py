"""The compiled address parser (``make install`` builds it with mypyc, see
:mod:`gis.geocode._native`) gives exactly what its Python source gives: the hand-written
cases of every writing category, the edge cases and a few hundred generated addresses,
read both ways (this process: compiled; a second one with ``POPGIS_PURE_PYTHON`` set:
the ``.py`` files), through ``parse``, ``parse_many`` (``parse-address --file``), the
bulk admin path and the batch normalisation. And a source edited after the build is
what gets imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gis.geocode import _native
from tests.gis.geocode.test_geocode_admin import varied_addresses
from tests.gis.geocode.test_geocode_fast_path import EDGES, hand_written

ROOT = Path(__file__).resolve().parents[3]


def answers(texts: list) -> str:
    """Everything the parser says about ``texts``, as one JSON text."""
    from gis.geocode.admin import resolve_admin
    from gis.geocode.gazetteer import AdminGazetteer
    from gis.geocode.normalise import normalise, normalise_many
    from gis.geocode.parse import parse, parsed_json_lines

    gaz = AdminGazetteer.national()
    one = []
    for t in texts:
        p = parse(t, gaz)
        one.append([p.text, p.comps, sorted(p.admin.items()), p.leftover, p.conflict, p.flags])
        one.append(p.codes())
    out = {
        "normalise": [normalise(t) for t in texts],
        "normalise_many": normalise_many(texts),
        "parse": one,
        "parse_many": parsed_json_lines(texts, gaz),
        "resolve_admin": resolve_admin(texts, gaz),
        "resolve_admin_township": resolve_admin(texts, gaz, depth="township"),
    }
    return json.dumps(out, ensure_ascii=False)


def _in_other_process(texts: list, pure: bool) -> tuple[str, list[str]]:
    """(answers, file names of the parser's modules) from a fresh interpreter."""
    env = dict(os.environ)
    env.pop(_native.PURE_ENV, None)
    if pure:
        env[_native.PURE_ENV] = "1"
    code = (
        "import json, sys\n"
        "from tests.gis.geocode.test_geocode_native import answers\n"
        "texts = json.load(sys.stdin)\n"
        "out = answers(texts)\n"
        "mods = [sys.modules['gis.geocode.' + m].__file__ for m in "
        "('parse', 'admin', 'normalise', 'gazetteer')]\n"
        "print(json.dumps([out, mods]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    out, mods = json.loads(run.stdout.strip().splitlines()[-1])
    return out, [Path(m).name for m in mods]


def test_make_install_built_the_parser_and_it_is_the_one_imported():
    import gis.geocode.parse  # noqa: F401

    assert _native.up_to_date(), "the compiled parser is absent or stale: run make install"
    assert _native.in_use()


def test_compiled_and_pure_python_give_the_same_answers(national):
    texts = EDGES + hand_written() + varied_addresses(national, 400, seed=21) + [None, 12]
    assert len(hand_written()) == 51
    compiled, mods = _in_other_process(texts, pure=False)
    pure, pure_mods = _in_other_process(texts, pure=True)
    assert not any(m.endswith(".py") for m in mods)
    assert pure_mods == ["parse.py", "admin.py", "normalise.py", "gazetteer.py"]
    assert compiled == pure
    # (and this process, the tests' own, reads the same)
    assert answers(texts) == compiled


def test_a_source_edited_after_the_build_is_the_one_imported(tmp_path, monkeypatch):
    # a stamp naming other sources than those on disk (one was edited since the build)
    stamp = tmp_path / "native.stamp"
    stamp.write_text(json.dumps({"sources": "0" * 64, "mypy": "x"}))
    monkeypatch.setattr(_native, "STAMP", stamp)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delenv(_native.PURE_ENV, raising=False)
    assert not _native.up_to_date()
    assert _native.choose() is False
    spec = sys.meta_path[0].find_spec("gis.geocode.parse")
    assert spec is not None and spec.origin == str(ROOT / "gis" / "geocode" / "parse.py")
    assert sys.meta_path[0].find_spec("gis.geocode.match") is None  # (not compiled)
    # the stamp of the sources as they are
    stamp.write_text(json.dumps({"sources": _native.digest(), "mypy": "x"}))
    assert _native.up_to_date()


def test_what_the_gazetteer_builds_on_first_use_is_built_once(conn):
    """Compiled, a ``functools.cached_property`` is computed on every access (the local
    index of a province's 90 counties took a second each time): the gazetteer keeps it
    in a field instead, and no compiled module uses one."""
    from gis.geocode.gazetteer import AdminGazetteer

    assert _native.in_use()
    gaz = AdminGazetteer.load(conn)
    assert gaz.local_counties and gaz.local_index is gaz.local_index
    for name in _native.MODULES:
        source = (ROOT / "gis" / "geocode" / f"{name}.py").read_text(encoding="utf-8")
        assert "@functools.cached_property" not in source, name
