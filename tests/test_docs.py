"""The README stays true: every setting, route and command the code has is documented."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from prefcenter import config
from prefcenter.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_config_table() -> None:
    documented = set(re.findall(r"^\| `(PREFCENTER_[A-Z_]+)` \|", README, re.MULTILINE))
    declared = {s.env for s in config.SETTINGS} | set(config.TEST_SETTINGS)
    assert declared == documented


def test_no_code_reads_an_undeclared_variable() -> None:
    declared = {s.env for s in config.SETTINGS} | set(config.TEST_SETTINGS)
    sources = [*ROOT.glob("prefcenter/**/*.py"), *ROOT.glob("mail/**/*.py"), ROOT / "wsgi.py"]
    sources += [*ROOT.glob("tests/**/*.py"), *ROOT.glob("scripts/*"), ROOT / "Makefile"]
    named = set()
    for path in sources:
        named |= set(re.findall(r"PREFCENTER_[A-Z][A-Z_]*[A-Z]", path.read_text()))
    assert named <= declared


def test_every_route_is_in_the_routes_table(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert f"`{method} {path}`" in README, f"{method} {path} is not in the README"


def test_every_command_is_in_the_command_table() -> None:
    for name in main.commands:
        if name in {"shell", "routes"}:
            continue
        assert f"`prefcenter {name}" in README, f"prefcenter {name} is not in the README"


def test_every_test_the_guarantees_name_exists() -> None:
    section = README.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", section)
    assert len(named) >= 10
    for path, name in named:
        source = (ROOT / path).read_text()
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path}::{name} is gone"
