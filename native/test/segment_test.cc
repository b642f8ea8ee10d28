#include "segment.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "batch_scan.h"
#include "batches.h"
#include "bytes.h"
#include "check.h"

using namespace tributary;
using tributary_test::Append;
using tributary_test::MakeBatch;
using tributary_test::Resign;

namespace {

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
}

void AppendsAndRewritesBaseOffsets(const std::string& dir) {
  std::string path = dir + "/00000000000000000000.log";
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(path, 1 << 20, true, &segment));
  std::vector<uint8_t> batches;
  Append(&batches, MakeBatch(0, 3, 40, 5));
  Append(&batches, MakeBatch(0, 2, 40, 6));  // producers send base offset 0
  CHECK_OK(segment->AppendBatches(batches.data(), batches.size(), 100));
  CHECK(segment->size() == batches.size());
  CHECK(FileSize(path) == batches.size());
  ScanOptions options;
  options.check_offsets = true;
  options.next_offset = 100;
  ScanResult r = ScanBatches(segment->data(), segment->size(), 0, options);
  CHECK(r.stop_code.empty() && r.batches.size() == 2);
  CHECK(r.batches[0].base_offset == 100 && r.batches[1].base_offset == 103);
  CHECK(std::memcmp(segment->data() + 8, batches.data() + 8, r.batches[0].size - 8) == 0);
  CHECK_OK(segment->Flush());
  CHECK_OK(segment->Close());
  CHECK(FileSize(path) == batches.size());

  CHECK_OK(Segment::Open(path, 1 << 20, false, &segment));
  CHECK(segment->size() == batches.size());
  CHECK_OK(segment->Close());
}

void RefusesWhatDoesNotFit(const std::string& dir) {
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(dir + "/small.log", 4096, true, &segment));
  std::vector<uint8_t> big = MakeBatch(0, 1, 5000, 1);
  Status s = segment->AppendBatches(big.data(), big.size(), 0);
  CHECK(s.code == "ERR_SEGMENT_FULL" && segment->size() == 0);
  std::vector<uint8_t> torn = MakeBatch(0, 1, 100, 1);
  torn.pop_back();
  s = segment->AppendBatches(torn.data(), torn.size(), 0);
  CHECK(s.code == "ERR_TRUNCATED" && segment->size() == 0);
  CHECK_OK(segment->Close());
  std::unique_ptr<Segment> missing;
  s = Segment::Open(dir + "/absent.log", 4096, false, &missing);
  CHECK(s.code == "ENOENT" && s.path == dir + "/absent.log");
}

void MappingOutlivesDelete(const std::string& dir) {
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(dir + "/gone.log", 1 << 16, true, &segment));
  std::vector<uint8_t> batch = MakeBatch(0, 1, 1000, 1);
  CHECK_OK(segment->AppendBatches(batch.data(), batch.size(), 0));
  std::shared_ptr<Mapping> view = segment->mapping();  // as a Buffer view holds it
  CHECK_OK(segment->Delete());
  CHECK(access((dir + "/gone.log").c_str(), F_OK) != 0);
  CHECK(std::memcmp(view->data() + 8, batch.data() + 8, batch.size() - 8) == 0);
}

void TruncationUnderLiveViewsMovesTheFile(const std::string& dir) {
  std::string path = dir + "/t.log";
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(path, 1 << 16, true, &segment));
  std::vector<uint8_t> first = MakeBatch(0, 1, 3000, 1);
  std::vector<uint8_t> second = MakeBatch(1, 1, 3000, 2);
  uint64_t keep = first.size();
  CHECK_OK(segment->AppendBatches(first.data(), first.size(), 0));
  CHECK_OK(segment->AppendBatches(second.data(), second.size(), 1));

  std::shared_ptr<Mapping> mapping = segment->mapping();
  mapping->AddView(keep / 2);  // a view below the cut: truncated in place
  CHECK_OK(segment->TruncateTo(keep));
  CHECK(segment->mapping() == mapping && FileSize(path) == keep);
  mapping->DropView();

  CHECK_OK(segment->AppendBatches(second.data(), second.size(), 1));
  mapping->AddView(keep + second.size());  // a view past the cut: the file is replaced
  CHECK_OK(segment->TruncateTo(keep));
  CHECK(segment->mapping() != mapping);
  CHECK(FileSize(path) == keep && segment->size() == keep);
  // The old view still reads the whole second batch: its file was never shrunk.
  CHECK(std::memcmp(mapping->data() + keep + 8, second.data() + 8, second.size() - 8) == 0);
  mapping->DropView();
  CHECK_OK(segment->TruncateTo(0));
  CHECK(FileSize(path) == 0);
  CHECK_OK(segment->Close());
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::vector<uint8_t> bytes(FileSize(path));
  FILE* f = std::fopen(path.c_str(), "rb");
  CHECK(f != nullptr && std::fread(bytes.data(), 1, bytes.size(), f) == bytes.size());
  if (f != nullptr) std::fclose(f);
  return bytes;
}

// A bad CRC anywhere in [attributes, end) of any batch refuses the whole append, and
// the file is byte for byte what it was; the next good append lands right after.
void VerifiedAppendRefusesBadCrcs(const std::string& path, BatchVerifier* crc) {
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(path, 8 << 20, true, &segment));
  std::vector<uint8_t> good = MakeBatch(0, 4, 300000, 1);
  CHECK_OK(segment->AppendBatches(good.data(), good.size(), 0, crc));
  std::vector<uint8_t> before = ReadFile(path);
  for (size_t flip : {kAttributesOffset, kBatchHeaderSize, good.size() / 2, good.size() - 1}) {
    for (int bad_batch : {0, 1, 2}) {
      std::vector<std::vector<uint8_t>> parts = {MakeBatch(0, 2, 200000, 2), MakeBatch(0, 3, 1000, 3),
                                                 MakeBatch(0, 1, 300000, 4)};
      std::vector<uint8_t>& bad = parts[bad_batch];
      bad[std::min(flip, bad.size() - 1)] ^= 0x20;
      std::vector<uint8_t> batches;
      for (const auto& part : parts) Append(&batches, part);
      Status s = segment->AppendBatches(batches.data(), batches.size(), 4, crc);
      CHECK(s.code == "ERR_CORRUPT_BATCH");
      CHECK(s.message.find("CRC32C mismatch") != std::string::npos);
      CHECK(segment->size() == good.size() && ReadFile(path) == before);
    }
  }
  std::vector<uint8_t> next = MakeBatch(0, 2, 70000, 5);
  CHECK_OK(segment->AppendBatches(next.data(), next.size(), 4, crc));
  CHECK(segment->size() == good.size() + next.size() && FileSize(path) == segment->size());
  ScanResult r = ScanBatches(segment->data(), segment->size(), 0, ScanOptions());
  CHECK(r.stop_code.empty() && r.batches.size() == 2 && r.batches[1].base_offset == 4);
  CHECK_OK(segment->Close());
}

// A CRC-valid uncompressed batch whose records are malformed, or whose header
// maxTimestamp disagrees with its records, is refused as an invalid record, on the worker
// (large) and inline (small); a compressed batch's records are the caller's to check.
void VerifiedAppendRefusesBadRecords(const std::string& path, BatchVerifier* verifier) {
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(path, 8 << 20, true, &segment));
  for (size_t payload : {size_t{2000}, size_t{300000}}) {
    std::vector<uint8_t> record_length = MakeBatch(0, 3, payload, 7);
    record_length[kBatchHeaderSize] ^= 0x02;  // the first record's length varint
    std::vector<uint8_t> max_timestamp = MakeBatch(0, 3, payload, 7);
    WriteU64BE(&max_timestamp[kMaxTimestampOffset], 8);
    for (std::vector<uint8_t>* bad : {&record_length, &max_timestamp}) {
      Resign(bad);
      Status s = segment->AppendBatches(bad->data(), bad->size(), 0, verifier);
      CHECK(s.code == "ERR_INVALID_RECORD");
      CHECK(segment->size() == 0 && FileSize(path) == 0);
    }
    std::vector<uint8_t> compressed = MakeBatch(0, 3, 40, 7);
    compressed[kAttributesOffset + 1] = 1;  // gzip: the opaque payload is not parsed here
    compressed[kBatchHeaderSize] ^= 0x02;
    Resign(&compressed);
    CHECK_OK(segment->AppendBatches(compressed.data(), compressed.size(), 0, verifier));
    CHECK_OK(segment->TruncateTo(0));
  }
  CHECK_OK(segment->Close());
}

// Many jobs in a row through the worker thread, one bad one among them, then Stop;
// after Stop the caller checks jobs itself.
void WorkerLifecycle(const std::string& dir) {
  BatchVerifier crc;
  CHECK(!crc.running());
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(dir + "/many.log", 64 << 20, true, &segment));
  std::vector<uint8_t> batch = MakeBatch(0, 10, 256 << 10, 6);
  std::vector<uint8_t> bad = batch;
  bad[batch.size() - 100] ^= 1;
  int64_t offset = 0;
  for (int i = 0; i < 200; i++) {
    const std::vector<uint8_t>& b = i == 100 ? bad : batch;
    Status s = segment->AppendBatches(b.data(), b.size(), offset, &crc);
    CHECK(i == 100 ? s.code == "ERR_CORRUPT_BATCH" : s.ok());
    if (s.ok()) offset += 10;
  }
  CHECK(crc.running());
  CHECK(segment->size() == 199 * batch.size());
  ScanResult r = ScanBatches(segment->data(), segment->size(), 0, ScanOptions());
  CHECK(r.stop_code.empty() && r.batches.size() == 199);
  crc.Stop();
  crc.Stop();
  CHECK(!crc.running());
  uint64_t by_worker = crc.jobs_run_by_worker();
  Status s = segment->AppendBatches(bad.data(), bad.size(), offset, &crc);
  CHECK(s.code == "ERR_CORRUPT_BATCH" && !crc.running() && crc.jobs_run_by_worker() == by_worker);
  CHECK_OK(segment->Close());
  std::printf("worker lifecycle: %llu of 200 jobs checked on the worker thread\n",
              static_cast<unsigned long long>(by_worker));
}

// The index entries land with the batch, or neither does.
void AppendIndexedIsAllOrNothing(const std::string& dir) {
  std::unique_ptr<Segment> segment;
  CHECK_OK(Segment::Open(dir + "/indexed.log", 1 << 20, true, &segment));
  OffsetIndex offsets;
  TimeIndex times;
  CHECK_OK(offsets.Open(dir + "/indexed.index", 0, 1024, true));
  CHECK_OK(times.Open(dir + "/indexed.timeindex", 0, 1024, true));
  std::vector<uint8_t> batch = MakeBatch(0, 3, 40, 5);
  IndexEntries none{&offsets, -1, &times, -1, 0};
  CHECK_OK(segment->AppendIndexed(batch.data(), batch.size(), 0, nullptr, none));
  IndexEntries both{&offsets, 5, &times, 1000, 4};
  CHECK_OK(segment->AppendIndexed(batch.data(), batch.size(), 3, nullptr, both));
  CHECK(offsets.entries() == 1 && offsets.Entry(0).offset == 5 && offsets.Entry(0).position == batch.size());
  CHECK(times.entries() == 1 && times.LastEntry().timestamp == 1000 && times.LastEntry().offset == 4);
  IndexEntries backwards{&offsets, 8, &times, 2000, 1};  // the time entry goes back: refused
  Status s = segment->AppendIndexed(batch.data(), batch.size(), 6, nullptr, backwards);
  CHECK(s.code == "ERR_INVALID_OFFSET");
  CHECK(segment->size() == 2 * batch.size() && FileSize(dir + "/indexed.log") == 2 * batch.size());
  CHECK(offsets.entries() == 1 && times.entries() == 1);
  CHECK_OK(segment->Close());
  CHECK_OK(offsets.Close());
  CHECK_OK(times.Close());
}

// A worker that never got a job has no thread to stop.
void IdleWorkerStops() {
  BatchVerifier crc;
  crc.Stop();
  CHECK(!crc.running());
}

}  // namespace

int main() {
  std::string dir = tributary_test::TempDir();
  AppendsAndRewritesBaseOffsets(dir);
  RefusesWhatDoesNotFit(dir);
  MappingOutlivesDelete(dir);
  TruncationUnderLiveViewsMovesTheFile(dir);
  AppendIndexedIsAllOrNothing(dir);
  BatchVerifier crc;
  VerifiedAppendRefusesBadCrcs(dir + "/worker.log", &crc);
  VerifiedAppendRefusesBadRecords(dir + "/records.log", &crc);
  crc.Stop();
  VerifiedAppendRefusesBadCrcs(dir + "/caller.log", &crc);  // no thread: checked in Claim
  WorkerLifecycle(dir);
  IdleWorkerStops();
  tributary_test::RemoveDir(dir);
  return tributary_test::Finish("segment_test");
}
