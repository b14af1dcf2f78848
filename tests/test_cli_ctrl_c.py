"""Ctrl-C ends every command with exit 130 and one line, wherever it comes (outside
tester, s24): lost in a finaliser, Python printed "Exception ignored in …" and the
command ran on to the end (exit 0); during the imports of the first quarter second it
printed a traceback. Real processes, the signal sent at the point each time
(tests/ctrl_c.py); each failed before :mod:`cli.interrupt`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from gis import db
from tests.ctrl_c import ROOT, during_an_import, lost_in_a_finaliser, stderr_lines

ZH_LINE = "错误：已中断（Ctrl-C）"
EN_LINE = "error: interrupted (Ctrl-C)"


@pytest.fixture
def env(url_string):
    return {"POPGIS_DATABASE_URL": url_string, "POPGIS_LANG": "zh"}


@pytest.mark.parametrize(
    "module", ["click", "sqlalchemy", "gis.messages", "gis.db", "cli.common", "cli.planning"]
)
def test_ctrl_c_during_the_imports_is_one_line(env, module):
    r = during_an_import(module, ["areas"], env)
    assert r.returncode == 130, r.stderr
    assert stderr_lines(r) == [ZH_LINE], r.stderr
    assert r.stdout == ""


def test_ctrl_c_during_the_imports_speaks_the_language_asked(env):
    r = during_an_import("sqlalchemy", ["--lang", "en", "areas"], env)
    assert (r.returncode, stderr_lines(r)) == (130, [EN_LINE]), r.stderr
    r = during_an_import("sqlalchemy", ["--lang=en", "areas"], env)
    assert (r.returncode, stderr_lines(r)) == (130, [EN_LINE]), r.stderr


def test_ctrl_c_lost_in_a_finaliser_ends_a_geocode(env, tmp_path):
    """The rows are geocoded in this process (write_file pulls them): the Ctrl-C lost at
    its start still ends the run, the part file removed, OUT.csv not written."""
    src = tmp_path / "in.csv"
    rows = "".join(f"{i},江滨社区幸福小区{i % 9 + 1}栋1单元101室\n" for i in range(20_000))
    src.write_text("id,address\n" + rows, encoding="utf-8")
    out = tmp_path / "out.csv"
    r = lost_in_a_finaliser("gis.geocode.csvout:write_file", ["geocode", src, "--out", out], env)
    assert r.returncode == 130, r.stderr
    assert stderr_lines(r, drop="地址匹配") == [f"{ZH_LINE}；未写入 {out}"], r.stderr
    assert "Exception ignored" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_ctrl_c_lost_in_a_finaliser_ends_a_placement(env, tmp_path):
    out = tmp_path / "sites.geojson"
    args = ["place", "--model", "mclp", "--k", "1", "--radius", "800", "--out", out]
    r = lost_in_a_finaliser("gis.analysis.instance:demand_from_db", args, env)
    assert r.returncode == 130, r.stderr
    assert stderr_lines(r) == [ZH_LINE], r.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_that_a_library_turns_into_its_own_error_is_still_ctrl_c(env, tmp_path):
    """CI, stop 24: the Ctrl-C sent again after a finaliser landed in highspy's first
    import, whose pybind11 start-up turns it into "ImportError: initialization failed"
    (it looks for the optional ``highspy_extras`` then); the command printed that
    traceback and exit 1. Here the Ctrl-C comes at that look-up every time."""
    out = tmp_path / "sites.geojson"
    args = ["place", "--model", "mclp", "--k", "1", "--radius", "800", "--out", out]
    r = during_an_import("highspy_extras", args, env)
    assert r.returncode == 130, r.stderr
    assert stderr_lines(r) == [ZH_LINE], r.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_lost_in_a_finaliser_loads_nothing(fresh_db, tmp_path):
    """A load is one transaction: the Ctrl-C lost as the batch starts rolls all of it
    back (no household, no batch row)."""
    from tests.test_cli import _big_households_file, load_base_layers

    url = fresh_db.render_as_string(hide_password=False)
    env = {"POPGIS_DATABASE_URL": url, "POPGIS_LANG": "zh"}
    load_base_layers({**os.environ, **env})
    big = tmp_path / "big.csv"
    _big_households_file(big, 20_000)

    def counts():
        with db.engine(fresh_db).connect() as c:
            return c.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM persons), "
                    "(SELECT count(*) FROM import_batches WHERE kind = 'households')"
                )
            ).one()

    assert counts() == (0, 0, 0)
    r = lost_in_a_finaliser("gis.ingest:start_batch", ["load", "households", big], env)
    assert r.returncode == 130, r.stderr
    assert stderr_lines(r) == [ZH_LINE], r.stderr
    assert counts() == (0, 0, 0)


def test_the_popgis_program_starts_through_the_guard():
    """The console script runs :func:`cli.run` (which guards the imports), as ``python
    -m cli`` does; `cli.main:main` imported everything before any guard."""
    from importlib import metadata

    (script,) = [e for e in metadata.entry_points(group="console_scripts") if e.name == "popgis"]
    assert script.value == "cli:run"
    assert (ROOT / "cli" / "__main__.py").read_text(encoding="utf-8").count("run()") == 1


def test_an_output_file_is_written_whole_or_not_at_all(tmp_path):
    """``coverage --out``, ``place --out`` and the exports write a part file renamed at
    the end: a Ctrl-C in the middle leaves neither a partial OUT nor the part file."""
    from cli.common import write_whole

    out = tmp_path / "r.geojson"

    def cut_short(part):
        part.write_text('{"type": "FeatureColl', encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_whole(out, cut_short)
    assert list(tmp_path.iterdir()) == []
    write_whole(out, lambda part: part.write_text("{}", encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir()] == ["r.geojson"] and out.read_text() == "{}"


def test_ctrl_c_at_any_moment_of_a_load_is_one_line_and_loads_nothing(fresh_db, tmp_path):
    """Ctrl-C from a terminal (the whole process group) at moments spread over a load's
    life, from the imports to the writing: each run ends with exit 130 and one line, no
    traceback nor "Exception ignored", and the load's one transaction rolled back (or,
    if the signal came after the end, the file loaded whole: nothing in between). From
    0.25 s: before, Python itself may still be starting (its site module, about 50 ms
    here, more on a busy machine), where no code of ours runs yet and Python prints a
    traceback of its own (the imports after it: test_ctrl_c_during_the_imports_…)."""
    import signal
    import time

    from tests.test_cli import _big_households_file, load_base_layers

    url = fresh_db.render_as_string(hide_password=False)
    env = {**os.environ, "POPGIS_DATABASE_URL": url, "POPGIS_LANG": "zh"}
    load_base_layers(env)
    big = tmp_path / "big.csv"
    _big_households_file(big, 20_000)

    def persons():
        with db.engine(fresh_db).connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM persons")).scalar()

    stopped = []
    for after in (0.25, 0.4, 0.6, 0.9, 1.3, 1.8, 2.4, 3.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "load", "households", str(big)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, which the signal goes to
        )
        try:
            time.sleep(after)
            os.killpg(proc.pid, signal.SIGINT)
            _out, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        if proc.returncode == 0:  # it had ended: the whole file, and nothing to stop
            assert persons() == 20_000
            continue
        assert (proc.returncode, stderr_lines(proc_stderr(stderr))) == (130, [ZH_LINE]), (
            after,
            stderr,
        )
        assert persons() == 0, after
        stopped.append(after)
    assert len(stopped) >= 3, stopped  # the moments fell within the load, mostly


def proc_stderr(text: str):
    """``text`` as the standard error of a finished process, for :func:`stderr_lines`."""
    return subprocess.CompletedProcess([], 0, "", text)
