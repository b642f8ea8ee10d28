#!/usr/bin/env bash
# Builds the native core with ASan + UBSan through CMake and runs its C++ tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Debug -DTRIBUTARY_SANITIZE=ON >/dev/null
cmake --build build-native -j "$(nproc)"
cd build-native
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure
