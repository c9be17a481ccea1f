# Sourced by scripts/run, scripts/test and scripts/bench: creates or updates the local virtualenv (.venv)
# and installs the project (editable) with the given extras. Re-installs only when pyproject.toml changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"

pick_python() {
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [[ -n "$candidate" ]] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "error: Python >= 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
    return 1
}

if [[ ! -x "$VENV/bin/python" ]]; then
    "$(pick_python)" -m venv "$VENV"
fi
# the editable install records which packages exist, so a new package means a new install
hash="$( (cat pyproject.toml; ls -1 ./*/__init__.py) | sha256sum | cut -c1-16)"
stamp="$VENV/.installed-$hash-${EXTRAS:-none}"
if [[ ! -f "$stamp" ]]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
    if [[ -n "$EXTRAS" ]]; then spec=".[${EXTRAS}]"; else spec="."; fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec"
    # stamps of an older pyproject are stale; those of other extras stay valid (pip never removes an extra's
    # packages), so ./scripts/run and ./scripts/test do not reinstall each time one follows the other
    find "$VENV" -maxdepth 1 -name '.installed-*' ! -name ".installed-$hash-*" -delete
    touch "$stamp"
fi
PY="$VENV/bin/python"
export PY
