#!/usr/bin/env bash
# Builds librdkafka 2.0.2's test suite once, from Debian's source package (bookworm's, the
# librdkafka of Debian's kcat), into LIBRDKAFKA_CACHE (default /var/cache/tributary), and
# prints the tests/ directory. A later call with the build in place only prints it.
# Needs the bookworm deb-src entry and the build dependencies .ci/run installs (dpkg-dev,
# rapidjson-dev, zlib1g-dev, libzstd-dev, g++, make, python3).
set -euo pipefail

cache=${LIBRDKAFKA_CACHE:-/var/cache/tributary}
src=$cache/librdkafka-2.0.2
if [ -x "$src/tests/test-runner" ]; then
  echo "$src/tests"
  exit 0
fi

mkdir -p "$cache"
if [ ! -d "$src" ]; then
  # --only-source: the source package named librdkafka, not a binary's source by that name.
  (cd "$cache" && apt-get source --only-source -qq "librdkafka=2.0.2-1") >&2
fi
cd "$src"
# No SASL/GSSAPI, no OIDC (curl), no TLS: the suite runs against one plaintext broker.
./configure --disable-gssapi --disable-curl --disable-ssl >&2
make -j2 -C src >&2
make -j2 -C src-cpp >&2
make -j2 -C tests build >&2
echo "$src/tests"
