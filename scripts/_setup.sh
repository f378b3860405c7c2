# Shared by scripts/start and scripts/test: system packages, the virtualenv, Python packages.
# shellcheck shell=bash
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV="$ROOT/.venv"

# What WeasyPrint needs to render PDFs (its documented Debian/Ubuntu list), plus Python itself.
RUNTIME_PACKAGES=(python3 python3-venv python3-pip libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
# The tests also drive a real browser and rasterise PDFs.
TEST_PACKAGES=(chromium poppler-utils)

say() { printf '\033[1m%s\033[0m\n' "$*"; }

ensure_system_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local line="apt-get update && apt-get install -y ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    say "Cài gói hệ thống: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    say "Cài gói hệ thống (sudo): ${missing[*]}"
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "Thiếu gói hệ thống: ${missing[*]}. Chạy lệnh sau rồi thử lại:" >&2
    echo "  sudo sh -c '$line'" >&2
    exit 1
  fi
}

ensure_python() {
  local python
  python=$(command -v python3.11 || command -v python3)
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "cho40 cần Python 3.11 trở lên; python3 ở đây là $("$python" --version)." >&2; exit 1; }
  if [ ! -x "$VENV/bin/python" ]; then
    say "Tạo môi trường ảo .venv"
    "$python" -m venv "$VENV"
  fi
}

# Installs a requirements file into .venv unless the same files were installed already.
ensure_requirements() {
  local file=$1 stamp="$VENV/.installed-$1" wanted
  wanted=$(cat requirements.lock "$file" | sha256sum | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && return 0
  say "Cài thư viện Python từ $file"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r "$file"
  echo "$wanted" > "$stamp"
}

export FLASK_APP=app:create_app
