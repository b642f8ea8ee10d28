// record_scan: well-formed records pass with the right max timestamp; every kind of
// malformed record is refused; random mutations never read out of bounds (ASan).
#include "record_scan.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"

using tributary::RecordsSummary;
using tributary::ScanRecords;

namespace {

void PutVarlong(std::vector<uint8_t>* out, int64_t v) {
  uint64_t zz = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (zz >= 0x80) {
    out->push_back(static_cast<uint8_t>(zz | 0x80));
    zz >>= 7;
  }
  out->push_back(static_cast<uint8_t>(zz));
}

void PutBytes(std::vector<uint8_t>* out, const char* s) {
  if (s == nullptr) return PutVarlong(out, -1);
  PutVarlong(out, static_cast<int64_t>(std::strlen(s)));
  out->insert(out->end(), s, s + std::strlen(s));
}

struct RecordSpec {
  int64_t timestamp_delta;
  int32_t offset_delta;
  const char* key;
  const char* value;
  int header_count;
};

std::vector<uint8_t> Record(const RecordSpec& r) {
  std::vector<uint8_t> body{0};
  PutVarlong(&body, r.timestamp_delta);
  PutVarlong(&body, r.offset_delta);
  PutBytes(&body, r.key);
  PutBytes(&body, r.value);
  PutVarlong(&body, r.header_count);
  for (int h = 0; h < r.header_count; ++h) {
    PutBytes(&body, "h");
    PutBytes(&body, h % 2 == 0 ? "v" : nullptr);
  }
  std::vector<uint8_t> out;
  PutVarlong(&out, static_cast<int64_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::vector<uint8_t> Records(const std::vector<RecordSpec>& specs) {
  std::vector<uint8_t> out;
  for (const RecordSpec& r : specs) {
    std::vector<uint8_t> one = Record(r);
    out.insert(out.end(), one.begin(), one.end());
  }
  return out;
}

bool Scan(const std::vector<uint8_t>& bytes, int32_t count, RecordsSummary* summary) {
  return ScanRecords(bytes.data(), bytes.size(), count, summary);
}

std::string ErrorOf(const std::vector<uint8_t>& bytes, int32_t count) {
  RecordsSummary summary;
  return Scan(bytes, count, &summary) ? "" : summary.error;
}

bool Mentions(const std::string& error, const char* part) { return error.find(part) != std::string::npos; }

void TestWellFormed() {
  const std::vector<RecordSpec> specs = {
      {5, 0, "k", "v", 0}, {-3, 1, nullptr, "value", 2}, {5, 2, "", nullptr, 1}, {1, 3, "a", "b", 0}};
  RecordsSummary summary;
  CHECK(Scan(Records(specs), 4, &summary));
  CHECK(summary.max_timestamp_delta == 5);
  CHECK(summary.offset_delta_of_max == 0);
  CHECK(summary.min_timestamp_delta == -3);
  CHECK(summary.null_keys == 1);
  RecordsSummary empty;
  CHECK(ScanRecords(nullptr, 0, 0, &empty));
  CHECK(empty.max_timestamp_delta == INT64_MIN);
}

void TestMalformed() {
  const std::vector<uint8_t> two = Records({{0, 0, "k", "v", 1}, {0, 1, "k", "v", 0}});
  CHECK(Mentions(ErrorOf(two, 3), "fewer records"));
  CHECK(Mentions(ErrorOf(two, 1), "bytes left after the last of 1 records"));
  CHECK(Mentions(ErrorOf(Records({{0, 1, "k", "v", 0}}), 1), "offsetDelta out of sequence"));
  CHECK(Mentions(ErrorOf(Records({{0, 0, "k", "v", -1}}), 1), "bad header count"));
  for (size_t cut = 0; cut < two.size(); ++cut) {
    std::vector<uint8_t> truncated(two.begin(), two.begin() + static_cast<long>(cut));
    CHECK(!ErrorOf(truncated, 2).empty());
  }
  std::vector<uint8_t> bad_key = Records({{0, 0, "k", "v", 0}});
  bad_key[4] = 3;  // key length -2 (zig-zag 3): only -1 may be negative
  CHECK(Mentions(ErrorOf(bad_key, 1), "bad key length"));
  std::vector<uint8_t> long_record = Records({{0, 0, "k", "v", 0}});
  long_record[0] += 2;  // the length claims one more byte than the fields take
  long_record.push_back(0);
  CHECK(Mentions(ErrorOf(long_record, 1), "fields do not fill the record length"));
  const std::vector<uint8_t> overlong_varint = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
  CHECK(Mentions(ErrorOf(overlong_varint, 1), "bad length varint"));
  RecordsSummary summary;
  CHECK(!ScanRecords(two.data(), two.size(), -1, &summary));
}

void TestRandomMutations() {
  const std::vector<uint8_t> valid =
      Records({{7, 0, "key", "value", 3}, {9, 1, nullptr, "x", 0}, {2, 2, "k", nullptr, 1}});
  std::mt19937 random(20261125);
  int refused = 0;
  for (int round = 0; round < 200000; ++round) {
    std::vector<uint8_t> bytes = valid;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) bytes[random() % bytes.size()] ^= static_cast<uint8_t>(1u << (random() % 8));
    bytes.resize(random() % 8 == 0 ? random() % bytes.size() : bytes.size());
    RecordsSummary summary;
    // Copy into an exactly sized heap block so ASan sees any read past the end.
    std::vector<uint8_t> exact(bytes);
    if (!ScanRecords(exact.data(), exact.size(), 3, &summary)) {
      refused++;
      CHECK(summary.error_position <= exact.size());
    }
  }
  CHECK(refused > 100000);
}

}  // namespace

int main() {
  TestWellFormed();
  TestMalformed();
  TestRandomMutations();
  return tributary_test::Finish("record_scan_test");
}
