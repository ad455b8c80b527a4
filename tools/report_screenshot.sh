#!/usr/bin/env bash
# Renders a run's report.html in headless Chromium (Debian: apt-get install chromium) into a PNG,
# to look at the page as a reader sees it: tools/report_screenshot.sh runs/NAME [out.png]
set -euo pipefail
run=${1:?usage: tools/report_screenshot.sh RUN_FOLDER [OUT.png]}
out=${2:-$run/report-screenshot.png}
html=$(cd "$run" && pwd)/report.html
[ -f "$html" ] || { echo "report_screenshot: $html: no report.html (run evaluate --out or experiment first)" >&2; exit 2; }
command -v chromium >/dev/null || { echo "report_screenshot: chromium not installed (apt-get install chromium)" >&2; exit 2; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,6000 --screenshot="$out" "file://$html" 2>/dev/null
echo "$out"
