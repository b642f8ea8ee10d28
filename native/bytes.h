// Big-endian field access, as every Kafka on-disk and wire format uses.
#pragma once

#include <cstdint>
#include <cstring>

namespace tributary {

inline uint32_t ReadU32BE(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

inline uint64_t ReadU64BE(const uint8_t* p) { return (uint64_t{ReadU32BE(p)} << 32) | ReadU32BE(p + 4); }

inline int64_t ReadI64BE(const uint8_t* p) { return static_cast<int64_t>(ReadU64BE(p)); }
inline int32_t ReadI32BE(const uint8_t* p) { return static_cast<int32_t>(ReadU32BE(p)); }
inline int16_t ReadI16BE(const uint8_t* p) { return static_cast<int16_t>((uint16_t{p[0]} << 8) | uint16_t{p[1]}); }

inline void WriteU32BE(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

inline void WriteU64BE(uint8_t* p, uint64_t v) {
  WriteU32BE(p, static_cast<uint32_t>(v >> 32));
  WriteU32BE(p + 4, static_cast<uint32_t>(v));
}

}  // namespace tributary
