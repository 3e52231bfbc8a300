"""Agency and attribution: registry, URL/file/field lookup, lead patterns, the seed article."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from akhbar.extract.agency import (
    attribution,
    detect_agency,
    lookup,
    outlet_for_file,
    outlet_for_url,
    registry,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
SEED_LEAD = "به گزارش مشرق به نقل از اداره کل تبلیغات دفاعی وزارت دفاع، پس از انجام مراسم استقبال رسمی سردار حسین دهقان"


def test_seed_lead() -> None:
    assert detect_agency(None, None, SEED_LEAD) == ("مشرق", "اداره کل تبلیغات دفاعی وزارت دفاع")


@pytest.mark.shared
def test_seed_file() -> None:
    path = SHARED / "seed-mashregh" / "000_1f1dd5fe7a1e3056.txt"
    if not path.exists():
        pytest.skip(f"shared seed article {path} not present")
    first = path.read_text("utf-8").split("\n")[0]
    assert detect_agency(None, None, first, origin_name=path.name) == (
        "مشرق",
        "اداره کل تبلیغات دفاعی وزارت دفاع",
    )


def test_registry_has_the_most_read_outlets() -> None:
    names = {o.name for o in registry() if o.kind != "foreign"}
    assert len(names) >= 40
    for en in [
        "IRNA",
        "ISNA",
        "Fars",
        "Tasnim",
        "Mehr",
        "Mashregh",
        "YJC",
        "ILNA",
        "Borna",
        "Khabar Online",
        "Hamshahri",
        "Tabnak",
        "Asriran",
        "Entekhab",
        "Varzesh3",
        "Radio Farda",
        "BBC Persian",
        "Iran International",
        "Euronews",
        "Shana",
        "Zoomit",
        "Digiato",
        "Khabarvarzeshi",
    ]:
        assert any(en.lower() in o.name_en.lower() for o in registry()), en
    assert all(o.domains for o in registry())


LEADS = [
    ("خبرگزاری فارس: مدیرکل حفاظت محیط زیست استان قزوین گفت", ("فارس", None)),
    ("خبرگزاري فارس :\nرئيس گروه بازرسان تسليحاتي سازمان ملل", ("فارس", None)),  # Arabic letters
    ("به گزارش خبرگزاری مهر، جلسه شورا برگزار شد", ("مهر", None)),
    ("به گزارش خبرنگار ورزشی خبرگزاری فارس، ملی\u200cپوشان کشتی", ("فارس", None)),
    (
        "به گزارش خبرگزاری فارس از قزوین به نقل از روابط عمومی اداره کل حفاظت محیط زیست استان قزوین، علی",
        ("فارس", "روابط عمومی اداره کل حفاظت محیط زیست استان قزوین"),
    ),
    ('به گزارش "ورزش سه" و به نقل از تسنیم، استقلال', ("ورزش سه", "تسنیم")),
    ("به گزارش خبرگزاری خبرآنلاین و براساس گزارش زومیت، دهان ماهی\u200cها", ("خبرآنلاین", "زومیت")),
    ("برنا - گروه ورزشی: استقلال فقط ۵ روز دیگر فرصت دارد", ("برنا", None)),
    ("فارس پلاس؛ روایت روز - نزدیک به دو ماه است", ("فارس", None)),
    ("به گزارش همشهری\u200cآنلاین، واژه سرمربی", ("همشهری آنلاین", None)),
    ("به گزارش فارس به نقل از خبرگزاری فرانسه، نخست\u200cوزیر", ("فارس", "فرانس\u200cپرس")),
    ("رویترز گزارش داد که قیمت نفت افزایش یافت", (None, "رویترز")),
    ("مهاجم سپاهان در مورد گلی که زد به ورزش سه گفت: خدا را شکر", ("ورزش سه", None)),
    ("حمزه زرینی در گفت\u200cوگو با خبرنگار ورزشی خبرگزاری فارس، اظهار داشت", ("فارس", None)),
    ("مدیرکل گفت: کاهش ۲۰ درصدی مصرف. منبع: ایسنا", (None, "ایسنا")),
    # place names and quotes are not outlets
    (
        "به گزارش روابط عمومی اداره کل منابع طبیعی استان فارس، ...",
        (None, "روابط عمومی اداره کل منابع طبیعی استان فارس"),
    ),
    ("فرمانده پلیس راهور شرق استان تهران گفت: هم اکنون", (None, None)),
    ("سخنگوی دولت امروز در جمع خبرنگاران گفت: جلسه برگزار شد", (None, None)),
]


@pytest.mark.parametrize(("lead", "expected"), LEADS)
def test_lead_patterns(lead: str, expected: tuple[str | None, str | None]) -> None:
    assert detect_agency(None, None, lead) == expected


def test_publisher_from_url_and_relay_from_lead() -> None:
    # A Varzesh3 page whose dateline credits Fars: published by Varzesh3, relayed from Fars.
    assert detect_agency("https://www.varzesh3.com/news/1392980", None, "به گزارش فارس، ...") == (
        "ورزش سه",
        "فارس",
    )
    assert detect_agency("https://www.farsnews.ir/news/8707060255", None, "به گزارش خبرگزاری فارس، ...") == (
        "فارس",
        None,
    )


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.tasnimnews.com/fa/news/1404/06/14/3392524/x", "تسنیم"),
        ("https://borna.news/fa/news/2253824/x", "برنا"),
        ("https://www.hamshahrionline.ir/news/973008/x", "همشهری آنلاین"),
        ("http://hamshahrionline.ir/details/359598/Society/socialnews", "همشهری آنلاین"),
        ("https://www.bbc.com/persian/articles/c1", "بی\u200cبی\u200cسی فارسی"),
        ("https://parsi.euronews.com/2023/08/03/x", "یورونیوز فارسی"),
        ("https://m.isna.ir/news/1402/x", "ایسنا"),
        ("https://digiato.com/artificial-intelligence/x", "دیجیاتو"),
    ],
)
def test_url_hosts(url: str, name: str) -> None:
    outlet = outlet_for_url(url)
    assert outlet is not None and outlet.name == name


def test_bbc_needs_persian_path() -> None:
    assert outlet_for_url("https://www.bbc.com/news/world") is None


@pytest.mark.parametrize(
    ("origin", "name"),
    [
        ("news_tasnim_20_LLM_Tagged.csv", "تسنیم"),
        ("news_hamshahri_online_20_LLM_Tagged.csv", "همشهری آنلاین"),
        ("news_khabaronline_20_LLM_Tagged.csv", "خبرآنلاین"),
        ("news_borna_20_LLM_Tagged.csv", "برنا"),
        ("fars-news-1.json.gz", "فارس"),
        ("varzesh3-2.json.gz", "ورزش سه"),
        ("radiofarda.json", "رادیو فردا"),
    ],
)
def test_file_names(origin: str, name: str) -> None:
    outlet = outlet_for_file(origin)
    assert outlet is not None and outlet.name == name
    assert detect_agency(None, None, None, origin_name=origin) == (name, None)


def test_unrelated_file_name() -> None:
    assert outlet_for_file("000_1f1dd5fe7a1e3056.txt") is None


def test_agency_field_wins() -> None:
    assert lookup("Shana").name == "شانا"
    assert lookup("خبرگزاري فارس").name == "فارس"
    assert detect_agency("https://www.varzesh3.com/news/1", "Mehr", None) == ("مهر", None)
    # An outlet the registry does not know is kept as given (folded).
    assert detect_agency(None, "پایگاه خبری نمونه", None) == ("پایگاه خبری نمونه", None)


def test_attribution_ignores_quotes_deep_in_text() -> None:
    lead = "به گزارش ایرنا، " + "جلسه " * 60 + "به نقل از وزیر گفته شد"
    assert attribution(lead) is None


@pytest.mark.shared
def test_headlinegen_agencies() -> None:
    folder = SHARED / "headlinegen-4agency-sample"
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} not present")
    expected = {
        "borna": "برنا",
        "hamshahri_online": "همشهری آنلاین",
        "khabaronline": "خبرآنلاین",
        "tasnim": "تسنیم",
    }
    for path in sorted(folder.glob("*.csv")):
        key = path.stem.removeprefix("news_").removesuffix("_20_LLM_Tagged")
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                agency, _ = detect_agency(row["url"], None, row["text"][:300], origin_name=path.name)
                assert agency == expected[key]
                lead_only, _ = detect_agency(None, None, row["text"][:300], origin_name=path.name)
                assert lead_only == expected[key]


def test_outlet_for_url_equals_a_scan_of_the_registry() -> None:
    """The domain index gives what checking every registered domain in order gives."""
    from urllib.parse import unquote, urlsplit

    from akhbar.extract.agency import outlet_for_url, registry

    def scan(url: str) -> object:
        parts = urlsplit(url if "//" in url else "//" + url)
        host, path = (parts.hostname or "").lower(), unquote(parts.path or "").lower().lstrip("/")
        best = None
        for outlet in registry():
            for domain in outlet.domains:
                d_host, _, d_path = domain.lower().partition("/")
                if (host == d_host or host.endswith("." + d_host)) and (not d_path or path.startswith(d_path)):
                    if best is None or len(domain) > best[0]:
                        best = (len(domain), outlet)
        return best[1] if best else None

    urls = ["", "no-dots", "https://example.com/a", "https://EN.Farsnews.IR/news/1"]
    for outlet in registry():
        for d in outlet.domains:
            host = d.split("/")[0]
            urls += [f"https://{d}/x", f"http://www.{d}", d, f"https://sub.{host}/fa/news/1", f"https://x{d}", f"https://{host}/other"]
    assert len(urls) > 100
    for url in urls:
        assert outlet_for_url(url) is scan(url), url
