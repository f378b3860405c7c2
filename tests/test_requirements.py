"""The lock file scripts/start installs agrees with the pins the project chose."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s#;]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return {re.sub(r"[-_.]+", "-", package).lower(): version
            for package, version in PIN.findall(text)}


def test_the_lock_pins_every_direct_requirement_at_its_version():
    chosen, locked = _pins("requirements.txt"), _pins("requirements.lock")
    assert chosen and all(package in locked for package in chosen)
    assert {package: locked[package] for package in chosen} == chosen


def test_the_dev_tools_install_on_top_of_the_lock():
    assert "-r requirements.lock" in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
