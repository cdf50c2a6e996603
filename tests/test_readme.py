"""The README's quick start stays true: exactly two set-up commands, the second is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_two_commands_install_demo_and_test():
    cmds = _quick_start_commands()
    assert len(cmds) == 2, cmds
    install, test = cmds
    assert "pip install" in install and 'tracker demo' in install and ".[dev]" in install
    assert "pytest" in test


def test_ci_runs_the_readme_test_command():
    _, test = _quick_start_commands()
    ci = (REPO / ".ci" / "run").read_text()
    assert test in ci


def test_docs_linked_from_readme_exist():
    text = (REPO / "README.md").read_text()
    for link in re.findall(r"\]\((docs/[^)]+)\)", text):
        assert (REPO / link).exists(), link
