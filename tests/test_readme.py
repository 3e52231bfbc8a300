"""The README's promises match the code: commands, reject reasons, CI."""

from __future__ import annotations

from akhbar import reasons
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_two_commands_and_ci_runs_the_test_command() -> None:
    assert "make run" in README and "make test" in README
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_reject_reason_is_documented() -> None:
    for code, meaning in reasons.ALL.items():
        assert f"| `{code}` | {meaning} |" in README, code


def test_no_placeholders_left() -> None:
    assert "PLACEHOLDER" not in README
