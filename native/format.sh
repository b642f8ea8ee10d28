#!/usr/bin/env bash
# clang-format over native/ (style in .clang-format): `--check` fails on any file it would
# change, without it the files are rewritten. Debian's clang-format package provides it.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v clang-format >/dev/null; then
  echo "native/format.sh: clang-format is not installed (Debian: apt-get install clang-format)" >&2
  exit 1
fi
files=(*.cc *.h test/*.cc test/*.h)
if [ "${1:-}" = --check ]; then
  clang-format --dry-run --Werror "${files[@]}"
else
  clang-format -i "${files[@]}"
fi
