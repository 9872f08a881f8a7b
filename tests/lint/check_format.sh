#!/usr/bin/env bash
# Every C++ source is formatted with clang-format (Google base, 100 columns; .clang-format).
set -euo pipefail
cd "$(dirname "$0")/../.."
files=$(git ls-files '*.cc' '*.h' 2>/dev/null || find . -name '*.cc' -o -name '*.h' | grep -v '^./build')
clang-format-14 --dry-run --Werror $files
echo "format ok"
