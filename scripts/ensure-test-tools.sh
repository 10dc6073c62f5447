#!/usr/bin/env bash
# Installs what the browser, PDF and HTML-validity tests need, from Debian's packages and the npm registry:
# chromium + chromium-driver (Playwright drives Debian's browser; never `playwright install`), Java for the
# Nu HTML Checker, poppler-utils (PDF to PNG), DejaVu fonts (Danish letters in PDFs), Symbola (emoji in PDFs), and vnu-jar (package.json).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf ] || need+=(fonts-symbola)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "Installing Debian packages for the tests: ${need[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
