// CRC32C (Castagnoli) with runtime dispatch. See crc32c.h.
//
// Conventions used throughout: the polynomial is handled in the bit-reflected
// domain, where bit i of a 32-bit value is the coefficient of x^(31-i). So
// x^0 is 0x80000000, multiplying by x is a right shift, and the polynomial P
// (minus its x^32 term) is 0x82F63B78. A "raw" CRC state is the register
// between the initial and final inversion; it is linear in the data, which is
// what lets independently computed streams be merged.
#include "crc32c.h"

#include <atomic>
#include <cstring>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define TRIBUTARY_CRC32C_X86 1
#include <immintrin.h>
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__) && \
    !defined(__AARCH64EB__)
#define TRIBUTARY_CRC32C_ARM 1
#include <arm_acle.h>
#if defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif
#endif

namespace tributary {
namespace {

using CrcFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// Multiplies a reflected polynomial by x modulo P.
constexpr uint32_t mul_x(uint32_t c) {
  return (c & 1u) ? (c >> 1) ^ kPoly : c >> 1;
}

// ---------------------------------------------------------------------------
// Portable slice-by-8.
//
// table[0][n] is the raw CRC of the single byte n; table[k][n] is the raw CRC
// of byte n followed by k zero bytes. Built at compile time.

struct SliceTables {
  uint32_t t[8][256];
};

constexpr SliceTables make_slice_tables() {
  SliceTables tables{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int bit = 0; bit < 8; ++bit) c = mul_x(c);
    tables.t[0][n] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (int n = 0; n < 256; ++n) {
      const uint32_t prev = tables.t[k - 1][n];
      tables.t[k][n] = (prev >> 8) ^ tables.t[0][prev & 0xFFu];
    }
  }
  return tables;
}

constexpr SliceTables kTables = make_slice_tables();

// Little-endian load from bytes: endian-independent and alignment-free;
// compilers turn it into a single load on little-endian targets.
inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

inline uint32_t portable_byte(uint32_t c, uint8_t b) {
  return (c >> 8) ^ kTables.t[0][(c ^ b) & 0xFFu];
}

inline uint32_t portable_word8(uint32_t c, const uint8_t* p) {
  const uint32_t lo = c ^ load_le32(p);
  const uint32_t hi = load_le32(p + 4);
  const auto& t = kTables.t;
  return t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^
         t[4][lo >> 24] ^ t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^
         t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
}

uint32_t portable_impl(uint32_t crc, const uint8_t* p, size_t len) {
  uint32_t c = ~crc;
  for (; len >= 8; p += 8, len -= 8) c = portable_word8(c, p);
  for (; len > 0; ++p, --len) c = portable_byte(c, *p);
  return ~c;
}

// ---------------------------------------------------------------------------
// x86-64: SSE4.2 crc32 + PCLMULQDQ.

#if defined(TRIBUTARY_CRC32C_X86)

#define TRIBUTARY_TARGET_X86 __attribute__((target("sse4.2,pclmul")))

// Strategy, by input size:
//  * hybrid blocks (14 KiB, then 448 bytes): PCLMULQDQ folds the first part
//    of the block through four 128-bit lanes while, in the same loop, three
//    interleaved crc32 streams cover the rest. Where crc32 and pclmulqdq
//    issue on different ports (Intel) the two overlap; where crc32 r64
//    issues only every third cycle (AMD Zen 1, ~2.7 bytes/cycle at best)
//    the folding carries most of the load;
//  * blocks of three interleaved crc32 streams of 64 bytes (crc32 has
//    3-cycle latency and, on most cores, 1-cycle throughput);
//  * tail: single stream, 8 bytes then 1 byte at a time.
// Partial results are merged by shifting raw states forward with a
// carry-less multiply (see shift_constant and fold_constants).

// x^n mod P in the reflected domain, by repeated multiplication by x.
// Only used in constant expressions.
constexpr uint32_t x_pow_mod(uint64_t n) {
  uint32_t c = 0x80000000u;  // x^0
  for (uint64_t i = 0; i < n; ++i) c = mul_x(c);
  return c;
}

// Constant K for shifting a raw state c over `bytes` zero bytes:
//   c * x^(8*bytes) mod P == crc32_u64(0, clmul(c, K)).
// clmul of two reflected 32-bit values is their product times x in the
// reflected 64-bit convention, and crc32_u64(0, v) is v * x^32 mod P, so
// K = x^(8*bytes - 33). Evaluated at compile time (constant initialisation,
// so valid before any dynamic initialiser runs).
constexpr uint32_t shift_constant(size_t bytes) {
  return x_pow_mod(8 * static_cast<uint64_t>(bytes) - 33);
}

// Folding a 128-bit lane forward by `bits`. A lane holds 16 message bytes;
// bit k stands for x^(127-k), so its low qword Q0 holds the high-degree half:
// lane = Q0 * x^64 + Q1. A 32-bit constant k, zero-extended, reads as
// k * x^32 in the 64-bit reflected convention, so clmul(Q, k) = Q * k * x^33:
//   lane * x^bits == clmul(Q0, x^(bits+31)) ^ clmul(Q1, x^(bits-33))  (mod P)
// and the result (degree <= 127) fits in one lane again.
struct FoldConstants {
  uint32_t for_q0;
  uint32_t for_q1;
};

constexpr FoldConstants fold_constants(uint64_t bits) {
  return {x_pow_mod(bits + 31), x_pow_mod(bits - 33)};
}

constexpr FoldConstants kFold128 = fold_constants(128);
constexpr FoldConstants kFold256 = fold_constants(256);
constexpr FoldConstants kFold384 = fold_constants(384);
constexpr FoldConstants kFold512 = fold_constants(512);

// Hybrid block sizes in steps of 112 bytes (64 folded + 3 x 16 by crc32):
// 128 steps = 14 KiB blocks for bulk data, 4 steps = 448 bytes for the rest.
constexpr size_t kBigSteps = 128;
constexpr size_t kSmallSteps = 4;

// Bytes per stream in the pure crc32 three-stream blocks (192 bytes).
constexpr size_t kShortStream = 64;
constexpr uint32_t kShortShift1 = shift_constant(kShortStream);
constexpr uint32_t kShortShift2 = shift_constant(2 * kShortStream);

TRIBUTARY_TARGET_X86 inline uint64_t crc_u64(uint64_t c, const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return _mm_crc32_u64(c, v);
}

TRIBUTARY_TARGET_X86 inline __m128i load128(const uint8_t* p) {
  __m128i v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Carry-less product of two 32-bit values (63-bit result).
TRIBUTARY_TARGET_X86 inline uint64_t clmul32(uint64_t a, uint32_t b) {
  const __m128i va =
      _mm_cvtsi32_si128(static_cast<int>(static_cast<uint32_t>(a)));
  const __m128i vb = _mm_cvtsi32_si128(static_cast<int>(b));
  return static_cast<uint64_t>(
      _mm_cvtsi128_si64(_mm_clmulepi64_si128(va, vb, 0x00)));
}

TRIBUTARY_TARGET_X86 inline __m128i fold_vector(FoldConstants k) {
  return _mm_set_epi64x(static_cast<long long>(k.for_q1),
                        static_cast<long long>(k.for_q0));
}

// lane * x^bits (mod P), with k = fold_vector(fold_constants(bits)).
TRIBUTARY_TARGET_X86 inline __m128i fold(__m128i lane, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(lane, k, 0x00),
                       _mm_clmulepi64_si128(lane, k, 0x11));
}

// Raw CRC state (from 0) of the 64 bytes that four consecutive lanes stand
// for: x0*x^384 + x1*x^256 + x2*x^128 + x3, then crc32 over the result.
TRIBUTARY_TARGET_X86 inline uint64_t reduce_lanes(__m128i x0, __m128i x1,
                                                  __m128i x2, __m128i x3) {
  __m128i x = _mm_xor_si128(fold(x0, fold_vector(kFold384)),
                            fold(x1, fold_vector(kFold256)));
  x = _mm_xor_si128(x, _mm_xor_si128(fold(x2, fold_vector(kFold128)), x3));
  const uint64_t q0 = static_cast<uint64_t>(_mm_cvtsi128_si64(x));
  const uint64_t q1 = static_cast<uint64_t>(_mm_extract_epi64(x, 1));
  return _mm_crc32_u64(_mm_crc32_u64(0, q0), q1);
}

// Merges the raw states of three adjacent streams of L bytes each:
// a * x^(16L) + b * x^(8L) + c.
TRIBUTARY_TARGET_X86 inline uint64_t merge3(uint64_t a, uint64_t b, uint64_t c,
                                            uint32_t shift1, uint32_t shift2) {
  return _mm_crc32_u64(0, clmul32(a, shift2) ^ clmul32(b, shift1)) ^ c;
}

// Consumes whole blocks of 3*L bytes as three interleaved crc32 streams.
template <size_t L>
TRIBUTARY_TARGET_X86 uint64_t three_stream_blocks(uint64_t crc,
                                                  const uint8_t*& p,
                                                  size_t& len, uint32_t shift1,
                                                  uint32_t shift2) {
  static_assert(L % 8 == 0 && L >= 8, "stream length must be whole words");
  while (len >= 3 * L) {
    uint64_t a = crc, b = 0, c = 0;
    for (size_t i = 0; i < L; i += 8) {
      a = crc_u64(a, p + i);
      b = crc_u64(b, p + L + i);
      c = crc_u64(c, p + 2 * L + i);
    }
    crc = merge3(a, b, c, shift1, shift2);
    p += 3 * L;
    len -= 3 * L;
  }
  return crc;
}

// Layout of a hybrid block with N steps: 64*N bytes folded by four lanes,
// then three crc32 streams of 16*N bytes each.
template <size_t N>
struct Hybrid {
  static_assert(N >= 2, "at least one folding step");
  static constexpr size_t kVector = 64 * N;
  static constexpr size_t kStream = 16 * N;
  static constexpr size_t kBytes = kVector + 3 * kStream;
  static constexpr uint32_t kShiftVector = shift_constant(3 * kStream);
  static constexpr uint32_t kShiftA = shift_constant(2 * kStream);
  static constexpr uint32_t kShiftB = shift_constant(kStream);
};

TRIBUTARY_TARGET_X86 inline uint64_t stream16(uint64_t c, const uint8_t* p) {
  return crc_u64(crc_u64(c, p), p + 8);
}

TRIBUTARY_TARGET_X86 inline __m128i fold_in(__m128i lane, __m128i k,
                                            const uint8_t* p) {
  return _mm_xor_si128(fold(lane, k), load128(p));
}

// Consumes whole hybrid blocks of Hybrid<N>::kBytes. Lane j always stands
// for the polynomial of the bytes it has absorbed at positions 16j mod 64,
// so that (lane0..lane3 as 64 bytes) == vector bytes so far (mod P).
template <size_t N>
TRIBUTARY_TARGET_X86 uint64_t hybrid_blocks(uint64_t crc, const uint8_t*& p,
                                            size_t& len) {
  using H = Hybrid<N>;
  const __m128i k512 = fold_vector(kFold512);
  while (len >= H::kBytes) {
    const uint8_t* s0 = p + H::kVector;
    const uint8_t* s1 = s0 + H::kStream;
    const uint8_t* s2 = s1 + H::kStream;
    // The incoming state joins the first four message bytes.
    const __m128i init =
        _mm_cvtsi32_si128(static_cast<int>(static_cast<uint32_t>(crc)));
    __m128i x0 = _mm_xor_si128(load128(p), init);
    __m128i x1 = load128(p + 16);
    __m128i x2 = load128(p + 32);
    __m128i x3 = load128(p + 48);
    uint64_t a = stream16(0, s0), b = stream16(0, s1), c = stream16(0, s2);
    for (size_t i = 1; i < N; ++i) {
      const uint8_t* v = p + 64 * i;
      x0 = fold_in(x0, k512, v);
      x1 = fold_in(x1, k512, v + 16);
      x2 = fold_in(x2, k512, v + 32);
      x3 = fold_in(x3, k512, v + 48);
      a = stream16(a, s0 + 16 * i);
      b = stream16(b, s1 + 16 * i);
      c = stream16(c, s2 + 16 * i);
    }
    const uint64_t vec = reduce_lanes(x0, x1, x2, x3);
    const uint64_t shifted = clmul32(vec, H::kShiftVector) ^
                             clmul32(a, H::kShiftA) ^ clmul32(b, H::kShiftB);
    crc = _mm_crc32_u64(0, shifted) ^ c;
    p += H::kBytes;
    len -= H::kBytes;
  }
  return crc;
}

TRIBUTARY_TARGET_X86 uint32_t sse42_impl(uint32_t crc, const uint8_t* p,
                                         size_t len) {
  uint64_t c = static_cast<uint32_t>(~crc);
  // Bring p to an 8-byte boundary so word loads do not straddle cache
  // lines needlessly (loads go through memcpy, so any alignment is legal).
  for (; len > 0 && (reinterpret_cast<uintptr_t>(p) & 7u) != 0; ++p, --len) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  }
  c = hybrid_blocks<kBigSteps>(c, p, len);
  c = hybrid_blocks<kSmallSteps>(c, p, len);
  c = three_stream_blocks<kShortStream>(c, p, len, kShortShift1, kShortShift2);
  for (; len >= 8; p += 8, len -= 8) c = crc_u64(c, p);
  for (; len > 0; ++p, --len) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  return ~static_cast<uint32_t>(c);
}

constexpr CrcFn kHardwareFn = &sse42_impl;
constexpr const char* kHardwareName = "sse4.2";

bool detect_hardware() {
  __builtin_cpu_init();  // required when called from a static initialiser
  return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
}

// ---------------------------------------------------------------------------
// aarch64: ARMv8 CRC32 extension (single stream; crc32cx has ~2-3 cycle
// latency, so this runs at several bytes per cycle).

#elif defined(TRIBUTARY_CRC32C_ARM)

#if defined(__clang__)
#define TRIBUTARY_TARGET_ARM __attribute__((target("crc")))
#else
#define TRIBUTARY_TARGET_ARM __attribute__((target("+crc")))
#endif

TRIBUTARY_TARGET_ARM uint32_t armv8_impl(uint32_t crc, const uint8_t* p,
                                         size_t len) {
  uint32_t c = ~crc;
  for (; len > 0 && (reinterpret_cast<uintptr_t>(p) & 7u) != 0; ++p, --len) {
    c = __crc32cb(c, *p);
  }
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t v;  // little-endian target: bytes are in stream order
    std::memcpy(&v, p, sizeof v);
    c = __crc32cd(c, v);
  }
  for (; len > 0; ++p, --len) c = __crc32cb(c, *p);
  return ~c;
}

constexpr CrcFn kHardwareFn = &armv8_impl;
constexpr const char* kHardwareName = "armv8";

bool detect_hardware() {
#if defined(__linux__) && defined(HWCAP_CRC32)
  return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#elif defined(__APPLE__) || defined(__ARM_FEATURE_CRC32)
  return true;  // every Apple arm64 CPU / the compile target has CRC32
#else
  return false;
#endif
}

// ---------------------------------------------------------------------------
// Anything else: portable only.

#else

constexpr CrcFn kHardwareFn = &portable_impl;
constexpr const char* kHardwareName = "portable";

bool detect_hardware() { return false; }

#endif

// ---------------------------------------------------------------------------
// Dispatch.

bool hardware_available() {
  static const bool available = detect_hardware();  // probed once
  return available;
}

CrcFn best_fn() { return hardware_available() ? kHardwareFn : &portable_impl; }

uint32_t resolve_and_extend(uint32_t crc, const uint8_t* data, size_t len);

// Constant-initialised, so it is valid even if crc32c_extend is called from
// another translation unit's static initialiser before ours has run: the
// first call then resolves the implementation itself.
std::atomic<CrcFn> g_impl{&resolve_and_extend};

// Replaces the unresolved placeholder with the best implementation, leaving
// any explicit crc32c_select() choice alone. Returns the pointer in use.
CrcFn resolve() {
  CrcFn expected = &resolve_and_extend;
  const CrcFn best = best_fn();
  if (g_impl.compare_exchange_strong(expected, best,
                                     std::memory_order_relaxed)) {
    return best;
  }
  return expected;  // already resolved: holds the current value
}

uint32_t resolve_and_extend(uint32_t crc, const uint8_t* data, size_t len) {
  return resolve()(crc, data, len);
}

// Selection at static initialisation (CPU feature check happens here).
[[maybe_unused]] const CrcFn g_static_choice = resolve();

const char* name_of(CrcFn fn) {
  return fn == &portable_impl ? "portable" : kHardwareName;
}

}  // namespace

uint32_t crc32c_extend(uint32_t crc, const uint8_t* data, size_t len) {
  return g_impl.load(std::memory_order_relaxed)(crc, data, len);
}

uint32_t crc32c_portable(uint32_t crc, const uint8_t* data, size_t len) {
  return portable_impl(crc, data, len);
}

bool crc32c_hardware_available() { return hardware_available(); }

const char* crc32c_select(bool force_portable) {
  const CrcFn fn = force_portable ? &portable_impl : best_fn();
  g_impl.store(fn, std::memory_order_relaxed);
  return name_of(fn);
}

const char* crc32c_implementation() { return name_of(resolve()); }

}  // namespace tributary
