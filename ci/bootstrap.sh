# Sourced by ./pipeline and ./run-tests: make sure uv exists and .venv matches uv.lock.
# Prints progress to stderr; sets PIPELINE_ROOT and PIPELINE_PYTHON.
# shellcheck shell=bash
PIPELINE_UV_VERSION="0.13.9"
PIPELINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

pipeline_uv() {
    if command -v uv >/dev/null 2>&1; then
        command -v uv
        return
    fi
    local boot="$PIPELINE_ROOT/.pipeline/bootstrap"
    if [ ! -x "$boot/bin/uv" ]; then
        local py
        py="$(command -v python3 || true)"
        if [ -z "$py" ] || ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "error: Python >= 3.11 is required (python3 on PATH: ${py:-none}); install it and rerun" >&2
            exit 2
        fi
        echo "pipeline: installing uv $PIPELINE_UV_VERSION into .pipeline/bootstrap (first run)" >&2
        "$py" -m venv "$boot" >&2
        "$boot/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$PIPELINE_UV_VERSION" >&2
    fi
    echo "$boot/bin/uv"
}

pipeline_sync_venv() {
    local uv stamp digest
    uv="$(pipeline_uv)"
    export PATH="$(dirname "$uv"):$PATH"
    if [ ! -f "$PIPELINE_ROOT/uv.lock" ]; then
        echo "error: uv.lock is missing in $PIPELINE_ROOT: run 'uv lock' and commit it" >&2
        exit 2
    fi
    stamp="$PIPELINE_ROOT/.venv/.pipeline-lock-digest"
    digest="$(cat "$PIPELINE_ROOT/uv.lock" "$PIPELINE_ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    if [ ! -x "$PIPELINE_ROOT/.venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
        echo "pipeline: syncing .venv from uv.lock" >&2
        "$uv" sync --frozen --quiet --project "$PIPELINE_ROOT" >&2
        echo "$digest" >"$stamp"
    fi
    PIPELINE_PYTHON="$PIPELINE_ROOT/.venv/bin/python"
}
