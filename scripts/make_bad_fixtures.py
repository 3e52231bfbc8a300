"""Write the bad-input fixtures that are big, binary or special files (kept out of git) into a folder.

The small text fixtures live in ``tests/fixtures/bad/``; this script adds the rest next to them at test
time: binary and undecodable files, non-UTF-8 encodings, a truncated gzip, a gzip bomb, a 50 MB line,
NUL bytes, a symlink loop and a named pipe.

Usage: ``python scripts/make_bad_fixtures.py OUT_DIR [--huge-mb 50] [--bomb-mb 64]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import zlib
from pathlib import Path

# Persian sentences for the valid records that share a file with bad ones (they must still load).
SENTENCES = [
    "وزیر امور خارجه کشورمان در نشست خبری امروز گفت که گفت\u200cوگوها با همسایگان ادامه دارد",
    "بانک مرکزی اعلام کرد که نرخ تورم در ماه گذشته نسبت به ماه قبل کاهش یافته است",
    "تیم ملی فوتبال ایران برای دیدار دوستانه هفته آینده به اردوی آماده\u200cسازی رفت",
    "سازمان هواشناسی از بارش باران و وزش باد شدید در استان\u200cهای شمالی خبر داد",
    "رئیس دانشگاه تهران از آغاز ثبت\u200cنام دانشجویان جدید در هفته آینده خبر داد",
    "شهرداری تهران برای کاهش ترافیک خیابان\u200cهای مرکزی طرح تازه\u200cای را اجرا می\u200cکند",
]


def persian_body(n: int) -> str:
    """Return a distinct Persian article body for record ``n``."""
    rnd = random.Random(n)
    picked = rnd.sample(SENTENCES, 3)
    return f"گزارش شماره {n}: " + ". ".join(picked) + "."


def good_record(n: int) -> dict[str, str]:
    """Return a valid JSON news record."""
    return {"id": f"good-{n}", "title": f"خبر شماره {n}", "body": persian_body(n)}


def _jsonl(records: list[dict[str, str]]) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode("utf-8")


def write_generated(out: Path, *, huge_mb: int = 50, bomb_mb: int = 64) -> dict[str, str]:
    """Create the generated fixtures in ``out``; return {file name: what it is}."""
    out.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}

    # A PNG header and random bytes under a .txt name (NUL bytes included, as in any real binary file).
    rnd = random.Random(9)
    (out / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rnd.randrange(256) for _ in range(4000)))
    made["binary.txt"] = "binary data named .txt"

    # High bytes with no NUL and no word structure: no encoding is plausible.
    (out / "undecodable.txt").write_bytes(bytes(rnd.randrange(128, 256) for _ in range(3000)))
    made["undecodable.txt"] = "bytes no encoding decodes"

    # Windows-1256 has no Persian ی/ک: such files carry the Arabic letters.
    win = persian_body(101).replace("ی", "ي").replace("ک", "ك")
    (out / "windows1256.txt").write_bytes(win.encode("cp1256"))
    made["windows1256.txt"] = "Windows-1256 Persian (converted)"
    (out / "utf16.txt").write_bytes(persian_body(102).encode("utf-16"))
    made["utf16.txt"] = "UTF-16 with BOM (converted)"
    (out / "utf8bom.txt").write_bytes(b"\xef\xbb\xbf" + persian_body(103).encode("utf-8"))
    made["utf8bom.txt"] = "UTF-8 with BOM (converted)"

    # NUL bytes inside otherwise good Persian text.
    (out / "nul_bytes.txt").write_bytes(persian_body(104).encode("utf-8").replace(b" ", b" \x00", 3))
    made["nul_bytes.txt"] = "NUL bytes in text"

    # 200 records gzipped, cut in the middle: the records before the cut load.
    full = gzip.compress(_jsonl([good_record(1000 + i) for i in range(200)]), mtime=0)
    (out / "truncated.jsonl.gz").write_bytes(full[: len(full) // 2])
    made["truncated.jsonl.gz"] = "truncated gzip"

    # Gzip bomb: ~bomb_mb MB of blank lines from ~1/1000 of that on disk; the reader stops at max_file_bytes.
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    line = (b" " * 1023) + b"\n"
    block = line * 1024  # 1 MB
    with open(out / "bomb.jsonl.gz", "wb") as fh:
        for _ in range(bomb_mb):
            fh.write(comp.compress(block))
        fh.write(comp.flush())
    made["bomb.jsonl.gz"] = f"gzip bomb ({bomb_mb} MB expanded)"

    # One 50 MB line (a record whose body is 50 MB), then a valid record that must still load.
    with open(out / "huge_line.jsonl", "wb") as fh:
        fh.write(b'{"id": "huge", "body": "')
        chunk = ("خبر " * 2500).encode("utf-8")  # 20 KB
        for _ in range(huge_mb * 1024 * 1024 // len(chunk)):
            fh.write(chunk)
        fh.write(b'"}\n')
        fh.write(_jsonl([good_record(105)]))
    made["huge_line.jsonl"] = f"a {huge_mb} MB single line"

    # A symlink to itself (ELOOP on open) and a folder symlink pointing back up (must not be followed).
    for name, target in (("symlink_loop.txt", "symlink_loop.txt"), ("loop_dir", ".")):
        link = out / name
        if link.is_symlink():
            link.unlink()
        os.symlink(target, link)
    made["symlink_loop.txt"] = "symlink loop"
    made["loop_dir"] = "folder symlink loop (ignored)"

    # A named pipe: opening it would block forever; it is rejected as not a regular file.
    fifo = out / "named_pipe.txt"
    if not fifo.exists():
        os.mkfifo(fifo)
    made["named_pipe.txt"] = "FIFO (unreadable)"
    return made


def main() -> None:
    """Write the generated fixtures into the folder given on the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--huge-mb", type=int, default=50)
    ap.add_argument("--bomb-mb", type=int, default=64)
    args = ap.parse_args()
    for name, what in write_generated(args.out, huge_mb=args.huge_mb, bomb_mb=args.bomb_mb).items():
        print(f"{name}: {what}")


if __name__ == "__main__":
    main()
