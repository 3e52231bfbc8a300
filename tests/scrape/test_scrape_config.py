"""Sources config: the packaged default, validation, and the command-line shortcut."""

from __future__ import annotations

from pathlib import Path

import pytest

from akhbar.scrape.config import config_from_args, load_config
from akhbar.scrape.guard import check_url

AGENCIES = {
    "mehr",
    "khabaronline",
    "hamshahri",
    "tabnak",
    "entekhab",
    "asriran",
    "zoomit",
    "digiato",
    "varzesh3",
    "khabarvarzeshi",
}


def test_default_config_has_the_ten_agencies() -> None:
    config = load_config()
    assert {s.name for s in config.sources} == AGENCIES
    for source in config.sources:
        assert source.feeds and all(check_url(u)[0] for u in source.feeds)
        assert source.agency and source.allowed_domains
        assert all(any(d in f for d in source.allowed_domains) for f in source.feeds)
        assert source.min_interval_seconds >= 1.0
    by_name = {s.name: s for s in config.sources}
    assert by_name["mehr"].feeds == ("https://www.mehrnews.com/rss",)
    assert by_name["digiato"].feeds == ("https://digiato.com/feed",)
    assert config.http.user_agent.startswith("akhbar/")


def test_unknown_keys_and_bad_urls_are_rejected(tmp_path: Path) -> None:
    bad_key = tmp_path / "a.toml"
    bad_key.write_text('[[sources]]\nname = "x"\nfeedz = ["https://x.ir/rss"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="feedz"):
        load_config(bad_key)
    bad_url = tmp_path / "b.toml"
    bad_url.write_text('[[sources]]\nname = "x"\nfeeds = ["file:///etc/passwd"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="http/https"):
        load_config(bad_url)
    dup = tmp_path / "c.toml"
    dup.write_text('[[sources]]\nname = "x"\n[[sources]]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unique"):
        load_config(dup)


def test_hints_and_settings_load(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[http]\nmax_bytes = 1000\n[scrape]\nworkers = 2\nallow_hosts = ["127.0.0.1"]\n'
        '[[sources]]\nname = "x"\nfeeds = ["http://127.0.0.1:1/rss"]\nfetch_pages = false\n'
        "[sources.hints]\nbody_xpath = \"//div[@class='body']\"\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.http.max_bytes == 1000 and config.workers == 2 and config.allow_hosts == {"127.0.0.1"}
    assert config.sources[0].hints.body_xpath == "//div[@class='body']"
    assert config.sources[0].fetch_pages is False


def test_config_from_args_groups_by_host_and_keeps_known_agencies() -> None:
    config = config_from_args(
        ["https://www.mehrnews.com/rss", "http://127.0.0.1:8000/feed"],
        ["http://127.0.0.1:8000/sitemap.xml"],
        ["127.0.0.1"],
    )
    by_name = {s.name: s for s in config.sources}
    assert set(by_name) == {"mehr", "127.0.0.1"}
    assert by_name["mehr"].agency == "خبرگزاری مهر"
    assert by_name["127.0.0.1"].feeds == ("http://127.0.0.1:8000/feed",)
    assert by_name["127.0.0.1"].sitemaps == ("http://127.0.0.1:8000/sitemap.xml",)
    assert by_name["127.0.0.1"].allowed_domains == ("127.0.0.1",)
    assert config.allow_hosts == {"127.0.0.1"}
    with pytest.raises(ValueError):
        config_from_args(["ftp://x.ir/rss"], [], [])
