"""``--help`` in the user's language: Chinese by default, English with --lang en or
POPGIS_LANG=en; every help text of every command has its Chinese entry."""

from __future__ import annotations

import click
from click.testing import CliRunner

from cli.main import main
from gis.catalogue import ZH


def _help_texts(cmd: click.Command, path: str = "popgis"):
    for text in (cmd.help, cmd.short_help):
        if text:
            yield path, text
    for p in cmd.params:
        if getattr(p, "help", None):
            yield f"{path} {p.opts[0]}", p.help
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from _help_texts(sub, f"{path} {name}")


def test_every_help_text_has_its_chinese():
    missing = [f"{where}: {text!r}" for where, text in _help_texts(main) if text not in ZH]
    assert not missing, "\n".join(missing)


def test_help_is_chinese_by_default(monkeypatch):
    monkeypatch.delenv("POPGIS_LANG", raising=False)
    r = CliRunner().invoke(main, ["--help"])
    assert r.exit_code == 0
    assert "显示本帮助并退出" in r.output and "访问日志" in r.output
    assert "Show this message" not in r.output and "The access log" not in r.output
    r = CliRunner().invoke(main, ["load", "--help"])
    assert "只检查，不写入任何数据" in r.output and "check everything" not in r.output


def test_help_in_english_on_request(monkeypatch):
    monkeypatch.delenv("POPGIS_LANG", raising=False)
    r = CliRunner().invoke(main, ["--lang", "en", "--help"])
    assert "Show this message and exit." in r.output and "The access log" in r.output
    r = CliRunner().invoke(main, ["--lang", "en", "export", "atlas", "--help"])
    assert "portrait pages (default landscape)" in r.output and "纵向" not in r.output
    r = CliRunner().invoke(main, ["users", "--help"], env={"POPGIS_LANG": "en"})
    assert "Accounts: each has a role" in r.output
    # --lang lasts for its own run only
    r = CliRunner().invoke(main, ["--help"])
    assert "显示本帮助并退出" in r.output


def test_geocode_help_says_the_dask_engine_cuts_slices(monkeypatch):
    """--engine dask cuts the file into slices in input order (not a task per county)."""
    monkeypatch.delenv("POPGIS_LANG", raising=False)
    r = CliRunner().invoke(main, ["geocode", "--help"])
    assert r.exit_code == 0
    flat = "".join(r.output.split())
    assert "按输入顺序把文件切成若干段行" in flat and "每个县一个任务" not in flat
    r = CliRunner().invoke(main, ["--lang", "en", "geocode", "--help"])
    flat = " ".join(r.output.split())
    assert "cut into slices of rows, in input order" in flat and "per county" not in flat


def test_every_area_option_says_the_codes_it_takes():
    """--area of coverage, place, geocode and export said "12-digit code" though 2, 4,
    6 and 9 digits work (outside tester, s23): no --area (nor areas --under) help
    asks for 12 digits, in either language."""
    wrong = []
    for where, text in _help_texts(main):
        en = text.replace("2, 4, 6, 9 or 12", "").replace("6, 9 or 12", "")
        if where.endswith((" --area", " --under")) and "12-digit" in en:
            wrong.append(f"{where}: {text}")
        zh = ZH[text].replace("2、4、6、9 或 12 位", "").replace("6、9 或 12 位", "")
        if where.endswith((" --area", " --under")) and "12 位" in zh:
            wrong.append(f"{where}: {ZH[text]}")
    assert not wrong, "\n".join(wrong)
    every = (("en", "2, 4, 6, 9 or 12 digits"), ("zh", "2、4、6、9 或 12 位"))
    # place plans a county or an area within one (outside tester, s24)
    county = (("en", "a county or an area within one: 6, 9 or 12 digits"), ("zh", "6、9 或 12 位"))
    for args, forms in (
        (["coverage"], every),
        (["place"], county),
        (["geocode"], every),
        (["export", "table"], every),
    ):
        for lang, digits in forms:
            r = CliRunner().invoke(main, ["--lang", lang, *args, "--help"])
            assert r.exit_code == 0 and digits in " ".join(r.output.split()), (args, r.output)
