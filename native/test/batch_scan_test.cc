#include "batch_scan.h"

#include "batches.h"
#include "check.h"

using namespace tributary;
using tributary_test::Append;
using tributary_test::MakeBatch;

namespace {

std::vector<uint8_t> ThreeBatches() {
  std::vector<uint8_t> log;
  Append(&log, MakeBatch(0, 3, 100, 1000));
  Append(&log, MakeBatch(3, 2, 50, 900));
  Append(&log, MakeBatch(5, 1, 10, 2000));
  return log;
}

void ScansValidBatches() {
  std::vector<uint8_t> log = ThreeBatches();
  ScanResult r = ScanBatches(log.data(), log.size(), 0, ScanOptions());
  CHECK(r.stop_code.empty());
  CHECK(r.batches.size() == 3);
  CHECK(r.end == log.size());
  CHECK(r.batches[1].position == kBatchHeaderSize + 100);
  CHECK(r.batches[1].base_offset == 3 && r.batches[1].last_offset == 4);
  CHECK(r.batches[2].max_timestamp == 2000);
  CHECK(r.batches[0].crc_ok && r.batches[2].record_count == 1);
}

void StopsAtTornTail() {
  std::vector<uint8_t> log = ThreeBatches();
  for (size_t cut : {size_t{1}, size_t{20}, size_t{60}}) {
    ScanResult r = ScanBatches(log.data(), log.size() - cut, 0, ScanOptions());
    CHECK(r.stop_code == "ERR_TRUNCATED");
    CHECK(r.batches.size() == 2);
    CHECK(r.end == log.size() - (kBatchHeaderSize + 10));
  }
}

void StopsAtCorruption() {
  std::vector<uint8_t> log = ThreeBatches();
  log[kBatchHeaderSize + 100 + 70] ^= 0x10;  // payload of the second batch
  ScanResult r = ScanBatches(log.data(), log.size(), 0, ScanOptions());
  CHECK(r.stop_code == "ERR_CORRUPT_BATCH" && r.batches.size() == 1);
  ScanOptions go_on;
  go_on.stop_at_crc_error = false;
  r = ScanBatches(log.data(), log.size(), 0, go_on);
  CHECK(r.batches.size() == 3 && !r.batches[1].crc_ok && r.batches[2].crc_ok);

  std::vector<uint8_t> magic = ThreeBatches();
  magic[kMagicOffset] = 1;
  r = ScanBatches(magic.data(), magic.size(), 0, ScanOptions());
  CHECK(r.stop_code == "ERR_CORRUPT_BATCH" && r.batches.empty() && r.end == 0);

  std::vector<uint8_t> zeros = ThreeBatches();
  zeros.resize(zeros.size() + 4096, 0);
  r = ScanBatches(zeros.data(), zeros.size(), 0, ScanOptions());
  CHECK(r.stop_code == "ERR_CORRUPT_BATCH" && r.batches.size() == 3);

  std::vector<uint8_t> huge = ThreeBatches();
  WriteU32BE(&huge[kBatchLengthOffset], 0x7fffffff);
  r = ScanBatches(huge.data(), huge.size(), 0, ScanOptions());
  CHECK(r.stop_code == "ERR_TRUNCATED" && r.batches.empty());
}

void ChecksOffsets() {
  std::vector<uint8_t> log;
  Append(&log, MakeBatch(10, 3, 0, 1));
  Append(&log, MakeBatch(12, 1, 0, 1));  // overlaps the first
  ScanOptions options;
  options.check_offsets = true;
  options.next_offset = 10;
  ScanResult r = ScanBatches(log.data(), log.size(), 0, options);
  CHECK(r.stop_code == "ERR_CORRUPT_BATCH" && r.batches.size() == 1);
  options.next_offset = 11;
  r = ScanBatches(log.data(), log.size(), 0, options);
  CHECK(r.batches.empty());
  // A gap, as compaction leaves, is not damage (Kafka's recovery accepts it).
  std::vector<uint8_t> gap;
  Append(&gap, MakeBatch(10, 3, 0, 1));
  Append(&gap, MakeBatch(14, 1, 0, 1));  // skips offset 13
  options.next_offset = 10;
  r = ScanBatches(gap.data(), gap.size(), 0, options);
  CHECK(r.stop_code.empty() && r.batches.size() == 2);
}

void SkipsAndLimits() {
  std::vector<uint8_t> log = ThreeBatches();
  ScanOptions find;
  find.skip_below = 4;
  find.max_batches = 1;
  ScanResult r = ScanBatches(log.data(), log.size(), 0, find);
  CHECK(r.batches.size() == 1 && r.batches[0].base_offset == 3);
  ScanOptions limit;
  limit.max_bytes = kBatchHeaderSize + 100 + 1;
  r = ScanBatches(log.data(), log.size(), 0, limit);
  CHECK(r.batches.size() == 1 && r.end == kBatchHeaderSize + 100);
  limit.max_bytes = 1;  // the first batch always fits
  r = ScanBatches(log.data(), log.size(), 0, limit);
  CHECK(r.batches.size() == 1);
}

}  // namespace

int main() {
  ScansValidBatches();
  StopsAtTornTail();
  StopsAtCorruption();
  ChecksOffsets();
  SkipsAndLimits();
  return tributary_test::Finish("batch_scan_test");
}
