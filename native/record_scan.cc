#include "record_scan.h"

#include <climits>

namespace tributary {
namespace {

// A cursor over one record; every read fails (returns false) rather than pass `end`.
class RecordReader {
 public:
  RecordReader(const uint8_t* p, const uint8_t* end) : p_(p), end_(end) {}

  const uint8_t* position() const { return p_; }

  // Zig-zag varint of at most `max_bytes` bytes (5 for a varint, 10 for a varlong).
  bool Varlong(int max_bytes, int64_t* out) {
    if (p_ != end_ && *p_ < 0x80) {  // most fields of most records: one byte
      const uint8_t byte = *p_++;
      *out = static_cast<int64_t>(byte >> 1) ^ -static_cast<int64_t>(byte & 1);
      return true;
    }
    return VarlongSlow(max_bytes, out);
  }

  bool VarlongSlow(int max_bytes, int64_t* out) {
    uint64_t raw = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (p_ == end_) return false;
      const uint8_t byte = *p_++;
      raw |= uint64_t{byte & 0x7Fu} << (7 * i);
      if ((byte & 0x80u) == 0) {
        *out = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
        return true;
      }
    }
    return false;
  }

  bool Varint(int32_t* out) {
    int64_t v = 0;
    if (!Varlong(5, &v) || v < INT32_MIN || v > INT32_MAX) return false;
    *out = static_cast<int32_t>(v);
    return true;
  }

  bool Skip(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }

  // A length-prefixed field: length >= min_length (-1 allows null), then its bytes.
  bool Bytes(int32_t min_length, bool* null = nullptr) {
    int32_t length = 0;
    if (!Varint(&length) || length < min_length) return false;
    if (null != nullptr) *null = length < 0;
    return length < 0 || Skip(static_cast<size_t>(length));
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Reads one record body (after its length) ending exactly at the reader's end.
const char* ReadRecordBody(RecordReader* r, int32_t expected_offset_delta, int64_t* timestamp_delta, bool* null_key) {
  int32_t offset_delta = 0, header_count = 0;
  if (!r->Skip(1)) return "record ends inside its attributes";
  if (!r->Varlong(10, timestamp_delta)) return "bad timestampDelta varlong";
  if (!r->Varint(&offset_delta)) return "bad offsetDelta varint";
  if (offset_delta != expected_offset_delta) return "offsetDelta out of sequence";
  if (!r->Bytes(-1, null_key)) return "bad key length";
  if (!r->Bytes(-1)) return "bad value length";
  if (!r->Varint(&header_count) || header_count < 0) return "bad header count";
  for (int32_t h = 0; h < header_count; ++h) {
    if (!r->Bytes(0)) return "bad header key length";
    if (!r->Bytes(-1)) return "bad header value length";
  }
  return nullptr;
}

bool Fail(RecordsSummary* out, const uint8_t* data, const uint8_t* at, const std::string& what) {
  out->error = what;
  out->error_position = static_cast<size_t>(at - data);
  return false;
}

bool FailRecord(RecordsSummary* out, const uint8_t* data, const uint8_t* at, int32_t index, const char* what) {
  return Fail(out, data, at, "record " + std::to_string(index) + ": " + what);
}

}  // namespace

bool ScanRecords(const uint8_t* data, size_t length, int32_t record_count, RecordsSummary* out) {
  const uint8_t* const end = data + length;
  RecordReader cursor(data, end);
  if (record_count < 0) return Fail(out, data, data, "negative record count");
  for (int32_t i = 0; i < record_count; ++i) {
    const uint8_t* start = cursor.position();
    int32_t size = 0;
    if (!cursor.Varint(&size))
      return FailRecord(out, data, start, i, "bad length varint, or fewer records than recordCount");
    const uint8_t* body = cursor.position();
    if (size < 0 || !cursor.Skip(static_cast<size_t>(size))) {
      return FailRecord(out, data, start, i, "length runs past the end of the batch");
    }
    RecordReader record(body, cursor.position());
    int64_t timestamp_delta = 0;
    bool null_key = false;
    const char* problem = ReadRecordBody(&record, i, &timestamp_delta, &null_key);
    if (problem == nullptr && record.position() != cursor.position()) problem = "fields do not fill the record length";
    if (problem != nullptr) return FailRecord(out, data, start, i, problem);
    if (timestamp_delta > out->max_timestamp_delta) {
      out->max_timestamp_delta = timestamp_delta;
      out->offset_delta_of_max = i;
    }
    if (timestamp_delta < out->min_timestamp_delta) out->min_timestamp_delta = timestamp_delta;
    out->null_keys += null_key ? 1 : 0;
  }
  if (cursor.position() != end) {
    return Fail(out, data, cursor.position(),
                std::to_string(end - cursor.position()) + " bytes left after the last of " +
                    std::to_string(record_count) + " records");
  }
  return true;
}

}  // namespace tributary
