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
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__) && !defined(__AARCH64EB__)
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

// One implementation: its name, and whether this CPU can run it (null: any CPU).
struct Path {
  const char* name;
  CrcFn fn;
  bool (*supported)();
};

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// Multiplies a reflected polynomial by x modulo P.
constexpr uint32_t mul_x(uint32_t c) { return (c & 1u) ? (c >> 1) ^ kPoly : c >> 1; }

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
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

inline uint32_t portable_byte(uint32_t c, uint8_t b) { return (c >> 8) ^ kTables.t[0][(c ^ b) & 0xFFu]; }

inline uint32_t portable_word8(uint32_t c, const uint8_t* p) {
  const uint32_t lo = c ^ load_le32(p);
  const uint32_t hi = load_le32(p + 4);
  const auto& t = kTables.t;
  return t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^ t[3][hi & 0xFFu] ^
         t[2][(hi >> 8) & 0xFFu] ^ t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
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

// Measured on AMD Zen 1 (bench/README.md, crc32c): crc32 r64 and pclmulqdq
// compete for one execution resource, each holding it for 2 cycles, and both
// consume 8 bytes per instruction (a 16-byte fold is two pclmulqdq). So no
// mix of crc32 streams and folding beats 4 bytes/cycle there, and crc32 alone
// issues only every 3 cycles. Folding alone reaches that bound and has the
// cheapest setup, so it carries all input of 16 bytes or more:
//  * four 128-bit lanes fold 64-byte strides, with a software prefetch ahead
//    (without it the loop waits on memory when the data is not in cache);
//  * the lanes fold into one, which then absorbs the remaining 16-byte chunks;
//  * crc32 reduces the lane to a 32-bit state and covers the last 0-15 bytes.

// x^n mod P in the reflected domain, by repeated multiplication by x.
// Only used in constant expressions.
constexpr uint32_t x_pow_mod(uint64_t n) {
  uint32_t c = 0x80000000u;  // x^0
  for (uint64_t i = 0; i < n; ++i) c = mul_x(c);
  return c;
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

constexpr FoldConstants fold_constants(uint64_t bits) { return {x_pow_mod(bits + 31), x_pow_mod(bits - 33)}; }

constexpr FoldConstants kFold128 = fold_constants(128);
constexpr FoldConstants kFold256 = fold_constants(256);
constexpr FoldConstants kFold384 = fold_constants(384);
constexpr FoldConstants kFold512 = fold_constants(512);

constexpr size_t kLane = 16;
constexpr size_t kStride = 4 * kLane;
// Far enough ahead to cover DRAM latency at ~10 GB/s; measured best among
// 256 B to 2 KiB on Zen 1.
constexpr size_t kPrefetchDistance = 2048;

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

TRIBUTARY_TARGET_X86 inline __m128i fold_vector(FoldConstants k) {
  return _mm_set_epi64x(static_cast<long long>(k.for_q1), static_cast<long long>(k.for_q0));
}

// lane * x^bits (mod P), with k = fold_vector(fold_constants(bits)).
TRIBUTARY_TARGET_X86 inline __m128i fold(__m128i lane, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(lane, k, 0x00), _mm_clmulepi64_si128(lane, k, 0x11));
}

TRIBUTARY_TARGET_X86 inline __m128i fold_in(__m128i lane, __m128i k, const uint8_t* p) {
  return _mm_xor_si128(fold(lane, k), load128(p));
}

// Four lanes; lane j holds the bytes at positions 16j mod 64 absorbed so far,
// so that (x[0]..x[3] as 64 bytes) == all bytes so far (mod P).
struct Lanes {
  __m128i x[4];
};

TRIBUTARY_TARGET_X86 inline void fold_stride(Lanes& l, __m128i k, const uint8_t* p) {
  l.x[0] = fold_in(l.x[0], k, p);
  l.x[1] = fold_in(l.x[1], k, p + kLane);
  l.x[2] = fold_in(l.x[2], k, p + 2 * kLane);
  l.x[3] = fold_in(l.x[3], k, p + 3 * kLane);
}

// Folds whole 64-byte strides from p (len >= kStride, the first four lanes
// already loaded from p) and returns them as one lane.
TRIBUTARY_TARGET_X86 __m128i fold_strides(__m128i first, const uint8_t*& p, size_t& len) {
  const __m128i k512 = fold_vector(kFold512);
  Lanes l{{first, load128(p + kLane), load128(p + 2 * kLane), load128(p + 3 * kLane)}};
  // Prefetch only lines inside the buffer: at first all lines up to the
  // prefetch distance at once, so their misses overlap, then one per stride.
  for (size_t ahead = kStride; ahead < len && ahead < kPrefetchDistance; ahead += kStride) {
    _mm_prefetch(reinterpret_cast<const char*>(p + ahead), _MM_HINT_T0);
  }
  p += kStride;
  len -= kStride;
  for (; len >= kPrefetchDistance + kStride; p += kStride, len -= kStride) {
    _mm_prefetch(reinterpret_cast<const char*>(p + kPrefetchDistance), _MM_HINT_T0);
    fold_stride(l, k512, p);
  }
  for (; len >= kStride; p += kStride, len -= kStride) fold_stride(l, k512, p);
  __m128i x = _mm_xor_si128(fold(l.x[0], fold_vector(kFold384)), fold(l.x[1], fold_vector(kFold256)));
  return _mm_xor_si128(x, _mm_xor_si128(fold(l.x[2], fold_vector(kFold128)), l.x[3]));
}

// Folds the remaining 16-byte chunks into `x` (a lane congruent to everything
// before p), then reduces it to a raw 32-bit state with crc32; leaves p and len
// at the last 0-15 bytes.
TRIBUTARY_TARGET_X86 uint64_t reduce_lane(__m128i x, const uint8_t*& p, size_t& len) {
  const __m128i k128 = fold_vector(kFold128);
  for (; len >= kLane; p += kLane, len -= kLane) x = fold_in(x, k128, p);
  // crc32_u64(crc32_u64(0, Q0), Q1) is the raw state of the lane's 16 bytes.
  const uint64_t q0 = static_cast<uint64_t>(_mm_cvtsi128_si64(x));
  const uint64_t q1 = static_cast<uint64_t>(_mm_extract_epi64(x, 1));
  return _mm_crc32_u64(_mm_crc32_u64(0, q0), q1);
}

// Raw CRC state of input of 16 bytes or more; leaves p and len at the last
// 0-15 bytes. The incoming state joins the first four message bytes.
TRIBUTARY_TARGET_X86 uint64_t fold_all(uint64_t crc, const uint8_t*& p, size_t& len) {
  __m128i x = _mm_xor_si128(load128(p), _mm_cvtsi32_si128(static_cast<int>(static_cast<uint32_t>(crc))));
  if (len >= kStride) {
    x = fold_strides(x, p, len);
  } else {
    p += kLane;
    len -= kLane;
  }
  return reduce_lane(x, p, len);
}

// The last 0-15 bytes with crc32, and the final inversion.
TRIBUTARY_TARGET_X86 uint32_t finish(uint64_t c, const uint8_t* p, size_t len) {
  if (len >= 8) {
    c = crc_u64(c, p);
    p += 8;
    len -= 8;
  }
  for (; len > 0; ++p, --len) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  return ~static_cast<uint32_t>(c);
}

TRIBUTARY_TARGET_X86 uint32_t sse42_impl(uint32_t crc, const uint8_t* p, size_t len) {
  uint64_t c = static_cast<uint32_t>(~crc);
  if (len >= kLane) c = fold_all(c, p, len);
  return finish(c, p, len);
}

// ---------------------------------------------------------------------------
// x86-64 with AVX-512 and VPCLMULQDQ: the same folding on 512-bit registers,
// each four 128-bit lanes folded at once (vpclmulqdq works lane by lane, so
// the 128-bit constants are broadcast). Four registers fold 256-byte strides,
// so four carry-less multiplies are in flight per step; the registers then
// fold into one, its lanes into one, and the 128-bit path finishes.

#define TRIBUTARY_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.2")))

constexpr size_t kWide = 64;
constexpr size_t kWideStride = 4 * kWide;

constexpr FoldConstants kFold1024 = fold_constants(1024);
constexpr FoldConstants kFold1536 = fold_constants(1536);
constexpr FoldConstants kFold2048 = fold_constants(2048);

TRIBUTARY_TARGET_AVX512 inline __m512i load512(const uint8_t* p) { return _mm512_loadu_si512(p); }

TRIBUTARY_TARGET_AVX512 inline __m512i wide_fold_vector(FoldConstants k) {
  const auto q0 = static_cast<long long>(k.for_q0);
  const auto q1 = static_cast<long long>(k.for_q1);
  return _mm512_set_epi64(q1, q0, q1, q0, q1, q0, q1, q0);
}

// Each lane of x times x^bits (mod P), with k = wide_fold_vector(fold_constants(bits)).
TRIBUTARY_TARGET_AVX512 inline __m512i wide_fold(__m512i x, __m512i k) {
  return _mm512_xor_si512(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11));
}

// wide_fold(x, k) ^ the next 64 bytes, in one three-way XOR (vpternlogq 0x96).
TRIBUTARY_TARGET_AVX512 inline __m512i wide_fold_in(__m512i x, __m512i k, const uint8_t* p) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11),
                                   load512(p), 0x96);
}

// Raw CRC state of input of 256 bytes or more, as fold_all.
TRIBUTARY_TARGET_AVX512 uint64_t wide_fold_all(uint64_t crc, const uint8_t*& p, size_t& len) {
  const __m512i state = _mm512_zextsi128_si512(_mm_cvtsi32_si128(static_cast<int>(static_cast<uint32_t>(crc))));
  __m512i x0 = _mm512_xor_si512(load512(p), state);
  __m512i x1 = load512(p + kWide);
  __m512i x2 = load512(p + 2 * kWide);
  __m512i x3 = load512(p + 3 * kWide);
  p += kWideStride;
  len -= kWideStride;
  const __m512i k2048 = wide_fold_vector(kFold2048);
  for (; len >= kWideStride; p += kWideStride, len -= kWideStride) {
    x0 = wide_fold_in(x0, k2048, p);
    x1 = wide_fold_in(x1, k2048, p + kWide);
    x2 = wide_fold_in(x2, k2048, p + 2 * kWide);
    x3 = wide_fold_in(x3, k2048, p + 3 * kWide);
  }
  // Register i is 64 * (3 - i) bytes behind the last one.
  __m512i x = _mm512_ternarylogic_epi64(wide_fold(x0, wide_fold_vector(kFold1536)),
                                        wide_fold(x1, wide_fold_vector(kFold1024)), x3, 0x96);
  x = _mm512_xor_si512(x, wide_fold(x2, wide_fold_vector(kFold512)));
  const __m512i k512 = wide_fold_vector(kFold512);
  for (; len >= kWide; p += kWide, len -= kWide) x = wide_fold_in(x, k512, p);
  // Lane j of the register is 16 * (3 - j) bytes behind its last lane.
  alignas(kWide) __m128i l[4];
  _mm512_store_si512(l, x);
  __m128i lane = _mm_xor_si128(fold(l[0], fold_vector(kFold384)), fold(l[1], fold_vector(kFold256)));
  lane = _mm_xor_si128(lane, _mm_xor_si128(fold(l[2], fold_vector(kFold128)), l[3]));
  return reduce_lane(lane, p, len);
}

TRIBUTARY_TARGET_AVX512 uint32_t avx512_impl(uint32_t crc, const uint8_t* p, size_t len) {
  if (len < kWideStride) return sse42_impl(crc, p, len);
  const uint64_t c = wide_fold_all(static_cast<uint32_t>(~crc), p, len);  // moves p and len on
  return finish(c, p, len);
}

bool has_sse42() {
  __builtin_cpu_init();  // required when called from a static initialiser
  return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("pclmul");
}

bool has_avx512() {
  return has_sse42() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("vpclmulqdq");
}

// Fastest first. Zen 1 has only the second; Zen 4 and Intel since Ice Lake
// both, where 512-bit folding measured faster (bench/README.md, crc32c).
constexpr Path kHardwarePaths[] = {{"avx512", &avx512_impl, &has_avx512}, {"sse4.2", &sse42_impl, &has_sse42}};

// ---------------------------------------------------------------------------
// aarch64: ARMv8 CRC32 extension (single stream; crc32cx has ~2-3 cycle
// latency, so this runs at several bytes per cycle).

#elif defined(TRIBUTARY_CRC32C_ARM)

#if defined(__clang__)
#define TRIBUTARY_TARGET_ARM __attribute__((target("crc")))
#else
#define TRIBUTARY_TARGET_ARM __attribute__((target("+crc")))
#endif

TRIBUTARY_TARGET_ARM uint32_t armv8_impl(uint32_t crc, const uint8_t* p, size_t len) {
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

bool has_armv8_crc() {
#if defined(__linux__) && defined(HWCAP_CRC32)
  return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#elif defined(__APPLE__) || defined(__ARM_FEATURE_CRC32)
  return true;  // every Apple arm64 CPU / the compile target has CRC32
#else
  return false;
#endif
}

constexpr Path kHardwarePaths[] = {{"armv8", &armv8_impl, &has_armv8_crc}};

// ---------------------------------------------------------------------------
// Anything else: portable only.

#else

constexpr Path kHardwarePaths[] = {{"portable", &portable_impl, nullptr}};

#endif

// ---------------------------------------------------------------------------
// Dispatch.

constexpr Path kPortable{"portable", &portable_impl, nullptr};

bool runnable(const Path& path) { return path.supported == nullptr || path.supported(); }

// The fastest path this CPU runs; probed once.
const Path& best_path() {
  static const Path* const best = [] {
    for (const Path& path : kHardwarePaths) {
      if (runnable(path)) return &path;
    }
    return &kPortable;
  }();
  return *best;
}

uint32_t resolve_and_extend(uint32_t crc, const uint8_t* data, size_t len);

// Constant-initialised, so it is valid even if crc32c_extend is called from
// another translation unit's static initialiser before ours has run: the
// first call then resolves the implementation itself.
std::atomic<CrcFn> g_impl{&resolve_and_extend};

// Replaces the unresolved placeholder with the best implementation, leaving
// any explicit crc32c_select() choice alone. Returns the pointer in use.
CrcFn resolve() {
  CrcFn expected = &resolve_and_extend;
  const CrcFn best = best_path().fn;
  if (g_impl.compare_exchange_strong(expected, best, std::memory_order_relaxed)) {
    return best;
  }
  return expected;  // already resolved: holds the current value
}

uint32_t resolve_and_extend(uint32_t crc, const uint8_t* data, size_t len) { return resolve()(crc, data, len); }

// Selection at static initialisation (CPU feature check happens here).
[[maybe_unused]] const CrcFn g_static_choice = resolve();

// The runnable path named `name`, or null.
const Path* find_path(const char* name) {
  if (std::strcmp(name, kPortable.name) == 0) return &kPortable;
  for (const Path& path : kHardwarePaths) {
    if (std::strcmp(name, path.name) == 0 && runnable(path)) return &path;
  }
  return nullptr;
}

const char* name_of(CrcFn fn) {
  for (const Path& path : kHardwarePaths) {
    if (path.fn == fn) return path.name;
  }
  return kPortable.name;
}

}  // namespace

uint32_t crc32c_extend(uint32_t crc, const uint8_t* data, size_t len) {
  return g_impl.load(std::memory_order_relaxed)(crc, data, len);
}

uint32_t crc32c_portable(uint32_t crc, const uint8_t* data, size_t len) { return portable_impl(crc, data, len); }

size_t crc32c_available(const char** names, size_t capacity) {
  size_t n = 0;
  for (const Path& path : kHardwarePaths) {
    if (path.fn != &portable_impl && runnable(path) && n < capacity) names[n++] = path.name;
  }
  if (n < capacity) names[n++] = kPortable.name;
  return n;
}

bool crc32c_select(const char* name) {
  const Path* path = find_path(name);
  if (path == nullptr) return false;
  g_impl.store(path->fn, std::memory_order_relaxed);
  return true;
}

const char* crc32c_select_best() {
  g_impl.store(best_path().fn, std::memory_order_relaxed);
  return best_path().name;
}

const char* crc32c_implementation() { return name_of(resolve()); }

}  // namespace tributary
