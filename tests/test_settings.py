"""Every setting is documented in the README's configuration table."""

from pathlib import Path

from gis.settings import SETTINGS


def test_every_setting_is_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [s.name for s in SETTINGS if f"| `{s.name}` |" not in table]
    assert missing == []


def test_readme_quick_start_has_exactly_the_two_commands():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
