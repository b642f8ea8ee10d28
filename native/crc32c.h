// CRC32C (Castagnoli; reflected polynomial 0x82F63B78).
//
// Kafka RecordBatch v2 stores a CRC32C in its header that covers the bytes
// from the `attributes` field to the end of the batch; this component
// computes (and lets callers verify) that checksum.
//
// Dispatch: at static initialisation the CPU is probed once and a function
// pointer is set to the fastest available implementation:
//   "sse4.2"   x86-64 with SSE4.2 + PCLMULQDQ (four-lane PCLMULQDQ folding
//              over 64-byte strides, crc32 for the final reduction and the
//              last 0-15 bytes),
//   "armv8"    aarch64 with the CRC32 extension,
//   "portable" slice-by-8 tables, any CPU.
// crc32c_extend() calls through that pointer; crc32c_select() can force the
// portable fallback (e.g. for testing) or go back to the best choice.
// All functions are thread-safe and never throw.
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

// True when the CPU has the hardware path
// (x86: SSE4.2 + PCLMULQDQ; aarch64: CRC32 extension).
bool crc32c_hardware_available();

// Selects the implementation used by crc32c_extend. force_portable = true
// forces the table fallback; false picks the hardware path when available.
// Returns the name now in use: "sse4.2", "armv8" or "portable".
const char* crc32c_select(bool force_portable);

// Name of the implementation currently in use.
const char* crc32c_implementation();

}  // namespace tributary

#endif  // TRIBUTARY_NATIVE_CRC32C_H_
