// Tests for native/crc32c.{h,cc}. Plain main(): returns non-zero on failure.
#include "../crc32c.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

namespace {

using tributary::crc32c_extend;
using tributary::crc32c_portable;

int g_failures = 0;
long g_checks = 0;

void check(bool ok, const char* what, size_t a = 0, size_t b = 0) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    if (g_failures <= 20) {
      std::fprintf(stderr, "FAIL: %s (%zu, %zu)\n", what, a, b);
    }
  }
}

bool same_name(const char* a, const char* b) { return std::strcmp(a, b) == 0; }

// splitmix64: deterministic pseudo-random numbers.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
};

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  Rng rng{seed};
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng.next() >> 56);
  return v;
}

// Bit-at-a-time reference, straight from the definition.
uint32_t crc32c_bitwise(uint32_t crc, const uint8_t* p, size_t len) {
  uint32_t c = ~crc;
  for (size_t i = 0; i < len; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

uint32_t crc_str(uint32_t (*fn)(uint32_t, const uint8_t*, size_t), const char* s) {
  return fn(0, reinterpret_cast<const uint8_t*>(s), std::strlen(s));
}

// The hardware path, reached through the dispatcher.
uint32_t hw(uint32_t crc, const uint8_t* p, size_t len) { return crc32c_extend(crc, p, len); }

void test_known_vectors() {
  check(crc_str(crc32c_portable, "123456789") == 0xE3069283u, "portable 123456789");
  check(crc_str(crc32c_bitwise, "123456789") == 0xE3069283u, "bitwise 123456789");
  check(crc_str(hw, "123456789") == 0xE3069283u, "selected 123456789");

  // RFC 3720 (iSCSI) B.4 vectors.
  uint8_t zeros[32] = {}, ones[32], up[32], down[32];
  for (int i = 0; i < 32; ++i) {
    ones[i] = 0xFF;
    up[i] = static_cast<uint8_t>(i);
    down[i] = static_cast<uint8_t>(31 - i);
  }
  for (auto fn : {&crc32c_portable, &hw}) {
    check(fn(0, zeros, 32) == 0x8A9136AAu, "rfc3720 zeros");
    check(fn(0, ones, 32) == 0x62A8AB43u, "rfc3720 ones");
    check(fn(0, up, 32) == 0x46DD794Eu, "rfc3720 ascending");
    check(fn(0, down, 32) == 0x113FDB5Cu, "rfc3720 descending");
  }
}

void test_empty() {
  const uint8_t byte = 0x5A;
  for (auto fn : {&crc32c_portable, &hw}) {
    check(fn(0, nullptr, 0) == 0u, "empty from 0");
    check(fn(0, &byte, 0) == 0u, "empty non-null");
    check(fn(0xDEADBEEFu, nullptr, 0) == 0xDEADBEEFu, "empty keeps crc");
  }
}

// Portable against the bit-at-a-time definition (independent check of the
// tables), short lengths at every alignment.
void test_portable_vs_bitwise() {
  const std::vector<uint8_t> buf = random_bytes(600, 1);
  for (size_t off = 0; off < 16; ++off) {
    for (size_t len = 0; len + off <= 520; ++len) {
      const uint8_t* p = buf.data() + off;
      check(crc32c_portable(0, p, len) == crc32c_bitwise(0, p, len), "portable vs bitwise", off, len);
    }
  }
}

// Lengths where the hardware path changes what it does: 16-byte lanes,
// 64-byte strides, and the prefetch distance (2048 bytes) plus a stride,
// +-0/1/7/8/9/15/16 bytes, then powers of two and a few odd sizes up to
// several MiB, plus random lengths.
std::vector<size_t> large_lengths(Rng& rng) {
  std::vector<size_t> lens;
  for (size_t base : {size_t{2048}, size_t{2112}, size_t{4096}, size_t{65536}, size_t{1} << 20, size_t{4} << 20}) {
    for (size_t delta : {0, 1, 7, 8, 9, 15, 16, 63, 64, 65}) {
      lens.push_back(base + delta);
      lens.push_back(base - delta);
    }
  }
  for (size_t len : {size_t{100000}, size_t{2500000}, (size_t{3} << 20) + 777}) {
    lens.push_back(len);
  }
  for (int i = 0; i < 300; ++i) lens.push_back(1025 + rng.below(65536));
  for (int i = 0; i < 16; ++i) lens.push_back(65537 + rng.below(size_t{5} << 20));
  return lens;
}

// The selected implementation against the bit-at-a-time definition, every
// length 0..1024 and the lengths above, at 16 offsets (lengths over 64 KiB at
// four of them, to keep the sanitizer build fast), from a random seed. For
// each offset the reference is extended through the sorted lengths, so the
// buffer is walked once.
void test_against_bitwise(const char* name, const std::vector<uint8_t>& buf, std::vector<size_t> lens) {
  for (size_t len = 0; len <= 1024; ++len) lens.push_back(len);
  std::sort(lens.begin(), lens.end());
  Rng rng{6};
  for (size_t off = 0; off < 16; ++off) {
    const uint8_t* p = buf.data() + off;
    const uint32_t seed = static_cast<uint32_t>(rng.next());
    uint32_t ref = seed;
    size_t done = 0;
    for (size_t len : lens) {
      if (len > 65536 && off % 5 != 0) break;
      ref = crc32c_bitwise(ref, p + done, len - done);
      done = len;
      check(crc32c_extend(seed, p, len) == ref, name, off, len);
    }
  }
}

void test_pieces(uint32_t (*fn)(uint32_t, const uint8_t*, size_t), const char* what);

// The implementations this CPU runs, fastest first ("portable" last).
std::vector<const char*> available() {
  const char* names[8];
  return std::vector<const char*>(names, names + tributary::crc32c_available(names, std::size(names)));
}

void test_every_implementation() {
  Rng rng{5};
  const std::vector<size_t> lens = large_lengths(rng);
  const size_t max_len = *std::max_element(lens.begin(), lens.end());
  const std::vector<uint8_t> buf = random_bytes(max_len + 16, 2);
  for (const char* name : available()) {
    check(tributary::crc32c_select(name), name);
    test_against_bitwise(name, buf, lens);
    test_pieces(&hw, name);
  }
  tributary::crc32c_select_best();
}

// Extending piece by piece equals one call over the whole buffer.
void test_pieces(uint32_t (*fn)(uint32_t, const uint8_t*, size_t), const char* what) {
  const std::vector<uint8_t> buf = random_bytes(300000, 3);
  Rng rng{4};
  for (int round = 0; round < 200; ++round) {
    const size_t off = rng.below(16);
    const size_t len = rng.below(round < 100 ? 5000 : buf.size() - 16);
    const uint8_t* p = buf.data() + off;
    const uint32_t whole = fn(0, p, len);
    uint32_t crc = 0;
    size_t pos = 0;
    while (pos < len) {
      size_t step = rng.below(4) == 0 ? rng.below(len - pos + 1) : rng.below(64);
      if (step > len - pos) step = len - pos;
      crc = fn(crc, p + pos, step);
      pos += step;
    }
    check(crc == whole, what, off, len);
  }
}

// What each CPU is expected to run by default: the fastest path it has.
const char* expected_default() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  const bool sse42 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
  if (sse42 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("vpclmulqdq")) {
    return "avx512";
  }
  return sse42 ? "sse4.2" : "portable";
#else
  return available().front();
#endif
}

void test_selection(const char* default_name) {
  check(same_name(default_name, expected_default()), "default selection");
  check(same_name(available().front(), default_name), "fastest listed first");
  check(same_name(available().back(), "portable"), "portable listed last");

  check(tributary::crc32c_select("portable"), "select portable");
  check(same_name(tributary::crc32c_implementation(), "portable"), "implementation after select portable");
  check(crc_str(crc32c_extend, "123456789") == 0xE3069283u, "forced portable vector");

  check(!tributary::crc32c_select("no-such-path"), "select of an unknown path fails");
  check(same_name(tributary::crc32c_implementation(), "portable"), "a failed select changes nothing");
#if defined(__x86_64__)
  // A path this CPU lacks is refused as an unknown one.
  if (!same_name(expected_default(), "avx512")) check(!tributary::crc32c_select("avx512"), "select avx512 w/o CPU");
#endif

  check(same_name(tributary::crc32c_select_best(), default_name), "select_best");
  check(same_name(tributary::crc32c_implementation(), default_name), "implementation after select_best");
}

}  // namespace

int main() {
  // Must be read before any crc32c_select call: the static-init default.
  const char* default_name = tributary::crc32c_implementation();

  test_known_vectors();
  test_empty();
  test_portable_vs_bitwise();
  test_every_implementation();
  test_pieces(&crc32c_portable, "pieces (portable)");
  test_selection(default_name);

  std::string paths;
  for (const char* name : available()) paths += std::string(paths.empty() ? "" : ",") + name;
  std::printf("crc32c_test: %s, default=%s, paths tested=%s, %ld checks, %d failures\n",
              g_failures == 0 ? "PASS" : "FAIL", default_name, paths.c_str(), g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
