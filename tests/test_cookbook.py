"""docs/COOKBOOK.md is the real output of scripts/cookbook.py on the bundled samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_search import load_cookbook


@pytest.fixture(scope="session")
def samples_wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return load_cookbook().build_once(tmp_path_factory.getbasetemp() / "samples-warehouse")


def test_committed_cookbook_matches_a_fresh_run(samples_wh: Path) -> None:
    cookbook = load_cookbook()
    committed = cookbook.OUT.read_text(encoding="utf-8") if cookbook.OUT.exists() else ""
    fresh = cookbook.render(samples_wh)
    assert fresh == committed, "docs/COOKBOOK.md is stale: run python scripts/cookbook.py"


def test_cookbook_has_at_least_ten_recipes_with_output(samples_wh: Path) -> None:
    cookbook = load_cookbook()
    text = cookbook.render(samples_wh)
    assert len(cookbook.RECIPES) >= 10
    assert text.count("\n## ") == len(cookbook.RECIPES)
    # Most recipes show real rows; the rejects recipe shows the three planted bad records.
    assert text.count("|---|") >= len(cookbook.RECIPES) - 2
    for reason in ("malformed_json", "not_persian", "empty_body"):
        assert f"| {reason} |" in text
