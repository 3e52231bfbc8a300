#!/usr/bin/env bash
# Render the HTML warehouse report and screenshot it with headless Chromium (a check that it draws offline).
#
#   scripts/screenshot_report.sh [WAREHOUSE_DIR] [OUT_PNG]
#
# With no WAREHOUSE_DIR, a throwaway warehouse is built from data/samples first. Needs /usr/bin/chromium
# (Debian: apt-get install -y chromium). Prints the report path and the PNG path.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-}"
if [[ -z "$py" ]]; then
  if [[ -x "$repo/.venv/bin/python" ]]; then py="$repo/.venv/bin/python"; else py="python3"; fi
fi
chromium="${CHROMIUM:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || { echo "error: $chromium not found (apt-get install -y chromium)" >&2; exit 2; }

warehouse="${1:-}"
out="${2:-$PWD/akhbar-report.png}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
if [[ -z "$warehouse" ]]; then
  warehouse="$scratch/warehouse"
  (cd "$repo" && "$py" -c 'import sys; from akhbar import etl; from akhbar.config import Settings
etl.run(Settings(warehouse=sys.argv[1], workers=1), [sys.argv[2]])' "$warehouse" "$repo/data/samples") >/dev/null
fi

report="$(cd "$repo" && "$py" -c 'import sys; from akhbar.report import write_html_report
print(write_html_report(sys.argv[1]).resolve())' "$warehouse")"

# No network, no profile, no GPU: the page must render from the file alone.
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$scratch/profile" --hide-scrollbars --screenshot="$out" --window-size=1280,1800 \
  "file://$report" >"$scratch/chromium.log" 2>&1 || { cat "$scratch/chromium.log" >&2; exit 1; }
[[ -s "$out" ]] || { echo "error: no screenshot written" >&2; cat "$scratch/chromium.log" >&2; exit 1; }
if [[ "$warehouse" == "$scratch/warehouse" ]]; then
  echo "report: (built from data/samples in a temporary warehouse, now removed)"
else
  echo "report: $report"
fi
echo "screenshot: $out"
