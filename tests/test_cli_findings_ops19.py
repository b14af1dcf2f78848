"""The outside tester's findings (s24, round 2) on the command line: an --out naming a
folder ended in a traceback (IsADirectoryError on the hidden part file), …. Each failed
before its fix."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from gis import db
from tests.ctrl_c import ROOT

# every command that writes a file it is given, the option naming it and the example
# file name its refusal of a folder suggests
OUT_COMMANDS = [
    (["export", "map", "--layer", "migrants"], "--out", "map.png"),
    (["export", "atlas"], "--out", "atlas.pdf"),
    (["export", "table", "--area", "330782001001", "--format", "xlsx"], "--out", "table.xlsx"),
    (["export", "layer"], "--out", "layer.gpkg"),
    (["place", "--model", "mclp", "--k", "1", "--radius", "800"], "--out", "sites.geojson"),
    (["coverage", "--kinds", "clinic", "--radius", "800"], "--out", "coverage.json"),
    (["geocode", "{tmp}/in.csv"], "--out", "geocoded.csv"),
    (["gazetteer", "export"], "--out", "addresses.csv"),
    (["db", "check"], "--csv", "problems.csv"),
]
IDS = [" ".join(c[:2]) if c[0] in ("export", "db") else c[0] for c, _, _ in OUT_COMMANDS]


def _run(command: list[str], option: str, out: str, tmp_path):
    (tmp_path / "in.csv").write_text("id,address\n1,江滨社区\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    return CliRunner().invoke(main, ["--lang", "en", *args, option, out])


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("slash", ["", "/"])
@pytest.mark.parametrize(("command", "option", "example"), OUT_COMMANDS, ids=IDS)
def test_an_out_naming_a_folder_is_refused_in_one_line(tmp_path, command, option, example, slash):
    folder = tmp_path / "x"
    folder.mkdir()
    r = _run(command, option, f"{folder}{slash}", tmp_path)
    assert r.exit_code == 2, r.output
    assert r.output == (
        f"error: {option} {folder}{slash} is a folder; give a file in it, e.g. "
        f"{option} {folder / example}\n"
    )
    assert _files(folder) == [] and _files(tmp_path) == ["in.csv", "x"]


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (["export", "table", "--format", "csv", "--out", "{dir}"], "table.csv"),
        (["export", "table", "--out", "{dir}", "--format", "csv"], "table.csv"),
        (["export", "map", "--layer", "migrants", "--out", "{dir}", "--format", "pdf"], "map.pdf"),
        (["export", "layer", "--format", "geojson", "--out", "{dir}"], "layer.geojson"),
        (["export", "table", "--out", "{dir}"], "table.xlsx"),
    ],
)
def test_an_out_folder_refusal_suggests_a_file_of_the_format_asked(tmp_path, command, example):
    """Outside tester s24: `export table --format csv --out /tmp/` suggested table.xlsx;
    --format is read first wherever it is written."""
    args = [a.replace("{dir}", f"{tmp_path}/") for a in command]
    r = CliRunner().invoke(main, ["--lang", "en", *args])
    assert r.exit_code == 2, r.output
    assert r.output.endswith(f"e.g. --out {tmp_path / example}\n"), r.output


@pytest.mark.parametrize(("command", "option", "example"), OUT_COMMANDS, ids=IDS)
def test_an_out_ending_in_a_slash_is_a_folder_even_when_missing(tmp_path, command, option, example):
    r = _run(command, option, f"{tmp_path}/new/", tmp_path)
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"error: {option} {tmp_path}/new/ is a folder; give a file in it")
    assert _files(tmp_path) == ["in.csv"]  # no file "new" written in its place


@pytest.mark.parametrize(("command", "option", "example"), OUT_COMMANDS, ids=IDS)
def test_an_out_in_a_missing_folder_is_refused(tmp_path, command, option, example):
    r = _run(command, option, f"{tmp_path}/no/such/{example}", tmp_path)
    assert r.exit_code == 2, r.output
    assert r.output == (
        f"error: the folder {tmp_path}/no/such does not exist; create it first (mkdir -p "
        f"{tmp_path}/no/such) or give {option} a file in an existing folder\n"
    )


def _as_nobody(run):
    """``run()``'s output and exit code in a forked child as user nobody: root may
    write in any folder, whatever its mode (the tests run as root here)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, send the result, end without cleanup
        try:
            os.close(read)
            if os.getuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            r = run()
            output = r.output + (repr(r.exception) if r.exit_code not in (0, 2) else "")
            os.write(write, json.dumps([r.exit_code, output]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.fixture
def open_tmp():
    """A folder anyone may enter (pytest's tmp_path lies in root's own folder)."""
    folder = Path(tempfile.mkdtemp(prefix="popgis-ops19-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize(("command", "option", "example"), OUT_COMMANDS, ids=IDS)
def test_an_out_in_a_folder_without_write_permission_is_refused(open_tmp, command, option, example):
    locked = open_tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    (open_tmp / "in.csv").write_text("id,address\n1,江滨社区\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(open_tmp)) for a in command]
    code, output = _as_nobody(
        lambda: CliRunner().invoke(main, ["--lang", "en", *args, option, f"{locked}/{example}"])
    )
    assert code == 2, output
    assert output == (
        f"error: cannot write in the folder {locked} (no permission); give {option} a file "
        "in a folder you may write in\n"
    )
    assert _files(locked) == []


ADDRESS = "稠城街道江滨社区5号"


def test_parse_address_without_a_database_stops_naming_the_fix(monkeypatch):
    """It parsed with the national list alone (no village codes, 江滨社区 read as a
    compound) and exited 0: as every command, it now stops within about 3 s saying
    what to fix (the README's promise; nothing documents an offline parse-address)."""
    monkeypatch.setenv("POPGIS_DATABASE_URL", "postgresql://u:p@127.0.0.1:1/x")
    started = time.monotonic()
    r = CliRunner().invoke(main, ["--lang", "en", "parse-address", ADDRESS])
    assert time.monotonic() - started < 5
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error: cannot reach the database at postgresql+psycopg://u:***@")
    assert "Fix: start that server or check POPGIS_DATABASE_URL" in r.output
    assert r.output.count("\n") == 1 and "{" not in r.output


def test_parse_address_with_the_database_gives_the_loaded_village(db_url):
    r = CliRunner().invoke(main, ["--lang", "en", "parse-address", ADDRESS])
    assert r.exit_code == 0, r.output
    parsed = json.loads(r.output)
    assert parsed["village"] == "江滨社区" and parsed["compound"] is None, parsed
    assert parsed["codes"]["village"] == "330782001001", parsed


def test_parse_address_reads_standard_input_for_a_dash(url_string):
    """`--file -` was refused ("File '-' does not exist"): the Unix habit of a pipe now
    reads standard input, with the file's checks (encoding) and line alignment."""
    run = functools.partial(
        subprocess.run,
        [sys.executable, "-m", "cli", "--lang", "en", "parse-address", "--file", "-"],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "POPGIS_DATABASE_URL": url_string},
        timeout=120,
    )
    r = run(input=f"{ADDRESS}\n\n{ADDRESS}\n".encode("gb18030"))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [x["codes"]["village"] for x in lines] == ["330782001001", None, "330782001001"]
    assert "empty" in lines[1]["flags"]
    r = run(input="\ufeff".encode("utf-16-le") + ADDRESS.encode("utf-16-le"))
    assert r.returncode == 2
    assert (
        r.stderr.decode() == "error: stdin is saved as UTF-16 ('Unicode text'); save it as UTF-8\n"
    )


# Ctrl-C from the terminal (to the whole process group: the pool workers too) when the
# demo is about to load the kind argv[1]; then the command line runs as its console
# script does
_CTRL_C_BEFORE_A_KIND = """
import os, runpy, signal, sys, time

import loaders.demo_province as province

KIND = sys.argv[1]
original = province.get_loader


def get_loader(kind):
    if kind == KIND:
        os.killpg(0, signal.SIGINT)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the handler runs (and raises) in here
            pass
    return original(kind)


province.get_loader = get_loader
sys.argv = ["popgis", *sys.argv[2:]]
runpy.run_module("cli", run_name="__main__", alter_sys=True)
"""
DEMO = ["demo", "--province", "330000", "--counties", "330727", "--scale", "0.001"]


def _demo(env, *before_kind: str):
    script = ["-c", _CTRL_C_BEFORE_A_KIND, *before_kind] if before_kind else ["-m", "cli"]
    return subprocess.run(
        [sys.executable, *script, "--lang", "en", *DEMO],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # its own process group, which the signal goes to
    )


def _counts(url) -> dict:
    tables = ["households", "persons", "events", "service_points", "roads", "buildings"]
    tables += ["service_teams"]
    with db.engine(url).connect() as c:
        counts = {t: c.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        counts["accounts"] = sorted(
            c.execute(sa.text("SELECT name FROM app_users ORDER BY name")).scalars()
        )
    return counts


@pytest.mark.parametrize(
    ("kind", "loaded"),
    [
        ("households", "admin, buildings, teams"),
        ("events", "admin, buildings, teams, households, service-points"),
    ],
)
def test_a_demo_cut_short_says_what_was_loaded_and_the_same_command_completes_it(
    fresh_db, tmp_path, kind, loaded
):
    """Ctrl-C kept a half demo (buildings without households, or households without
    their events, the province's areas and accounts) with a bare "interrupted", and once
    a pool worker's "Process ForkPoolWorker-3:"; a rerun kept a county whose households
    were in as it was. Now the one line says what was loaded and that the same command
    completes it, which it does."""
    from loaders.demo_province import province_accounts

    url = fresh_db.render_as_string(hide_password=False)
    env = {**os.environ, "POPGIS_DATABASE_URL": url, "POPGIS_VAR_DIR": str(tmp_path)}
    cut = _demo(env, kind)
    assert cut.returncode == 130, cut.stderr
    # the roads load beside, in a process of their own: done before the Ctrl-C, or not
    roads = ", roads" if _counts(fresh_db)["roads"] else ""
    assert cut.stderr.splitlines() == [
        f"error: interrupted (Ctrl-C) while loading counties 330727: loaded so far: "
        f"{loaded}{roads}; run the same command again to complete the load"
    ], cut.stderr
    assert _counts(fresh_db)["accounts"] == []  # the accounts come last
    again = _demo(env)
    assert again.returncode == 0, again.stderr
    assert "not loaded again" not in again.stdout, again.stdout
    (folder,) = (tmp_path / "demo").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    want = manifest["counties"]["330727"]["counts"]
    assert _counts(fresh_db) == {
        **{t: want[t] for t in ("households", "persons", "events", "service_points", "roads")},
        "buildings": want["buildings"],
        "service_teams": want["teams"],
        "accounts": sorted(name for name, _role, _area in province_accounts(manifest)),
    }
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    third = _demo(env)  # whole now: kept as it is
    assert third.returncode == 0 and "not loaded again: 330727" in third.stdout, third.stdout


# Ctrl-C from the terminal once the generator has made its first county (its files
# written, the other county's being made by the second worker)
_CTRL_C_AFTER_A_COUNTY = """
import os, runpy, signal, sys, time

import loaders.demo.province as province

original = province._made


def made(*args, **kwargs):
    os.killpg(0, signal.SIGINT)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the handler runs (and raises) in here
        pass
    return original(*args, **kwargs)


province._made = made
sys.argv = ["popgis", *sys.argv[1:]]
runpy.run_module("cli", run_name="__main__", alter_sys=True)
"""
GENERATE = ["generate", "--province", "330000", "--counties", "330727,330783", "--scale", "0.001"]


def _generate(out, *, cut: bool):
    script = ["-c", _CTRL_C_AFTER_A_COUNTY] if cut else ["-m", "cli"]
    return subprocess.run(
        [sys.executable, *script, "--lang", "en", GENERATE[0], str(out), *GENERATE[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,  # its own process group, which the signal goes to
    )


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_generate_cut_short_leaves_out_as_it_was(tmp_path, existing):
    """Ctrl-C left county folders empty or with only admin.geojson and an empty
    ``.ids-…`` folder: a later run or load took them as made. Now OUT is as it was
    (missing, or with what it held) and nothing hidden is left beside it."""
    out = tmp_path / "out"
    if existing:
        out.mkdir()
        (out / "keep.txt").write_text("mine", encoding="utf-8")
    cut = _generate(out, cut=True)
    assert (cut.returncode, cut.stderr.splitlines()) == (
        130,
        ["error: interrupted (Ctrl-C)"],
    ), cut.stderr
    assert _files(tmp_path) == (["out"] if existing else [])
    if existing:
        assert _files(out) == ["keep.txt"]
    whole = _generate(out, cut=False)
    assert whole.returncode == 0, whole.stderr
    assert _files(tmp_path) == ["out"]
    made = ["330727", "330783", "manifest.json"]
    assert _files(out) == sorted(["keep.txt", *made] if existing else made)
    assert "admin.geojson" in _files(out / "330783") and "events.csv" in _files(out / "330727")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_load_help_lists_every_kind_that_loads(lang):
    """``landcover`` loads but the help left it out."""
    from loaders.registry import kinds

    r = CliRunner().invoke(main, ["--lang", lang, "load", "--help"])
    assert r.exit_code == 0, r.output
    text = "".join(r.output.split())  # click wraps the help where it likes
    assert [k for k in kinds() if k not in text] == []


def test_users_list_columns_line_up_with_chinese_text(db_url):
    """The columns were padded by characters, so a Chinese role or area name (two
    columns on a terminal each) pushed the rest of its row out of line."""
    from gis.messages import display_width

    r = CliRunner().invoke(main, ["--lang", "zh", "users", "list"])
    assert r.exit_code == 0, r.output
    header, rule, *rows = r.output.splitlines()
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    assert len(starts) == 5, header  # name, role, area code, area, active
    by_name = {}
    for row in rows:
        # each column starts where its rule starts, counted in display columns
        cells = row.split()
        at = [display_width(row[: row.index(c)]) for c in cells[:4]]
        assert at == starts[:4], (row, at, starts)
        by_name[cells[0]] = cells
    assert by_name["village_a"][1:4] == ["村（社区）工作人员", "330782001001", "江滨社区居委会"]
    assert by_name["county_u"][1] == "县级工作人员" and by_name["county_u"][-1] == "是"


def test_generate_killed_leaves_nothing_a_later_run_keeps(tmp_path):
    """Outside tester s24: `generate` killed with SIGKILL (it cannot clean up) left its
    hidden folder beside OUT for good, gigabytes at full scale. The next run removes the
    folders of runs whose process is gone, and keeps one of a run still going."""
    import signal

    out = tmp_path / "out"
    live = tmp_path / f".out.part-{os.getpid()}"  # a run still going (this process)
    live.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "--lang", "en", GENERATE[0], str(out), *GENERATE[1:]],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    hidden = tmp_path / f".out.part-{proc.pid}"
    deadline = time.monotonic() + 120
    while not any(hidden.glob("*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(hidden.glob("*")), "the run was killed before it wrote anything"
    whole = _generate(out, cut=False)
    assert whole.returncode == 0, whole.stderr
    assert _files(tmp_path) == sorted(["out", live.name])
