// CRC32C (Castagnoli; reflected polynomial 0x82F63B78).
//
// Kafka RecordBatch v2 stores a CRC32C in its header that covers the bytes
// from the `attributes` field to the end of the batch; this component
// computes (and lets callers verify) that checksum.
//
// Dispatch: at static initialisation the CPU is probed once and a function
// pointer is set to the fastest implementation it runs:
//   "avx512"   x86-64 with AVX-512 (F, VL) and VPCLMULQDQ: four 512-bit
//              registers fold 256-byte strides; inputs under 256 bytes take
//              the sse4.2 path,
//   "sse4.2"   x86-64 with SSE4.2 + PCLMULQDQ (four-lane PCLMULQDQ folding
//              over 64-byte strides, crc32 for the final reduction and the
//              last 0-15 bytes),
//   "armv8"    aarch64 with the CRC32 extension,
//   "portable" slice-by-8 tables, any CPU.
// crc32c_extend() calls through that pointer; crc32c_select() picks another
// path the CPU runs by name (for tests and the benchmark), crc32c_select_best()
// goes back. All functions are thread-safe and never throw.
#ifndef TRIBUTARY_NATIVE_CRC32C_H_
#define TRIBUTARY_NATIVE_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace tributary {

// Standard CRC32C: crc32c_extend(0, "123456789", 9) == 0xE3069283.
// `crc` is a previous result to continue from (0 to start), so
// crc32c_extend(crc32c_extend(0, a, n), b, m) == CRC32C of a followed by b.
uint32_t crc32c_extend(uint32_t crc, const uint8_t* data, size_t len);    // selected implementation
uint32_t crc32c_portable(uint32_t crc, const uint8_t* data, size_t len);  // slice-by-8, any CPU

// The names of the implementations this CPU runs, fastest first ("portable"
// last); writes at most `capacity` and returns how many it wrote.
size_t crc32c_available(const char** names, size_t capacity);

// Selects the implementation named `name` for crc32c_extend; false (and no
// change) when there is none by that name or this CPU cannot run it.
bool crc32c_select(const char* name);

// Selects the fastest implementation again; returns its name.
const char* crc32c_select_best();

// Name of the implementation currently in use.
const char* crc32c_implementation();

}  // namespace tributary

#endif  // TRIBUTARY_NATIVE_CRC32C_H_
