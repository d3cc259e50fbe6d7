#!/usr/bin/env bash
# Build a virtualenv holding TradeTheHype; `make` and the Dockerfile both call this.
#
#   scripts/install.sh VENV_DIR [--dev] [--no-editable]
#
#   --dev          also install the test and lint tools (the extra "dev")
#   --no-editable  copy the project into the venv instead of linking to this checkout
#
# Environment: PYTHON, the interpreter to build the venv with (default python3, 3.11 or newer);
# TORCH_INDEX_URL, a package index to take torch from (e.g. PyTorch's CPU-only index).
#
# pip runs quietly; the script prints one line as each step starts and one when all is done.
set -euo pipefail

TORCH=torch==2.13.0 # the same pin as pyproject.toml; installed first, see below
CPU_INDEX=https://download.pytorch.org/whl/cpu

step() { echo "install.sh: $*"; }

usage() {
    echo "usage: scripts/install.sh VENV_DIR [--dev] [--no-editable]" >&2
    exit 2
}

venv="" dev=0 editable=1
for arg in "$@"; do
    case "$arg" in
        --dev) dev=1 ;;
        --no-editable) editable=0 ;;
        -*) usage ;;
        *) [[ -z "$venv" ]] || usage; venv="$arg" ;;
    esac
done
[[ -n "$venv" ]] || usage
[[ "$venv" == /* ]] || venv="$PWD/$venv"

python="${PYTHON:-python3}"
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || {
    echo "install.sh: cannot run '$python' (set PYTHON to a Python 3.11 or newer)" >&2
    exit 2
}
IFS=. read -r major minor <<<"$version"
if ((major < 3 || (major == 3 && minor < 11))); then
    echo "install.sh: Python 3.11 or newer is needed, '$python' is $version" \
        "(set PYTHON, e.g. PYTHON=python3.11)" >&2
    exit 2
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS=0
step "creating the virtualenv $venv (Python $version); the whole install takes a few minutes"
"$python" -m venv "$venv"
pip=("$venv/bin/pip" install --quiet)

# torch first and pinned: left to the resolver, pip may pull a CUDA build of several GB.
if [[ -n "${TORCH_INDEX_URL:-}" ]]; then
    where="from $TORCH_INDEX_URL"
    [[ "$TORCH_INDEX_URL" != "$CPU_INDEX" ]] || where="$where (CPU only, ~200 MB)"
    step "[1/2] installing ${TORCH/==/ } $where..."
    "${pip[@]}" --index-url "$TORCH_INDEX_URL" "$TORCH"
else
    step "[1/2] installing ${TORCH/==/ } from PyPI (on Linux possibly a CUDA build of" \
        "several GB; TORCH_INDEX_URL=$CPU_INDEX takes the ~200 MB CPU one)..."
    "${pip[@]}" "$TORCH"
fi

project=. what="the project and its dependencies (transformers, onnxruntime, pandas...: ~1 GB)"
if ((dev)); then project=".[dev]" what="$what with the test and lint tools"; fi
step "[2/2] installing $what..."
if ((editable)); then
    "${pip[@]}" -e "$project"
else
    "${pip[@]}" "$project"
fi
step "done in $SECONDS s: $venv"
