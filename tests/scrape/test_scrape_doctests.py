"""Run the doctests of the scrape modules (their examples are part of the documentation)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["guard", "urls", "robots", "http", "pages", "sitemaps"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(f"akhbar.scrape.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
