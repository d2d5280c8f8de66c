#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks, then the project into .venv.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1; then
  langs=$(tesseract --list-langs 2>/dev/null || true)
  for l in rus kaz eng osd chi_sim; do
    grep -qx "$l" <<<"$langs" || need_apt+=("tesseract-ocr-${l//_/-}")
  done
else
  need_apt+=(tesseract-ocr-rus tesseract-ocr-kaz tesseract-ocr-eng tesseract-ocr-osd tesseract-ocr-chi-sim)
fi
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
# A CJK font for the `foreign` fixture family's Chinese invoices (fpdf2 falls back to it for glyphs DejaVu lacks).
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
# Debian's Chromium for the browser tests (Playwright drives it; no browser is downloaded).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.docproc-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the project into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
# The workspace's interface catalogues (api/web/locale/<lang>/LC_MESSAGES/messages.po) compiled to .mo;
# the app compiles a missing or stale one in memory, so a failure here only costs start-up time.
.venv/bin/pybabel --quiet compile -d api/web/locale -D messages || echo "setup: interface catalogues not compiled"
echo "setup: ok ($(tesseract --version 2>/dev/null | head -1); langs: $(tesseract --list-langs 2>/dev/null | tail -n +2 | tr '\n' ' '))"
