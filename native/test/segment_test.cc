#include "segment.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "batch_scan.h"
#include "batches.h"
#include "bytes.h"
#include "check.h"

using namespace tributary;
using tributary_test::Append;
using tributary_test::MakeBatch;

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

}  // namespace

int main() {
  std::string dir = tributary_test::TempDir();
  AppendsAndRewritesBaseOffsets(dir);
  RefusesWhatDoesNotFit(dir);
  MappingOutlivesDelete(dir);
  TruncationUnderLiveViewsMovesTheFile(dir);
  tributary_test::RemoveDir(dir);
  return tributary_test::Finish("segment_test");
}
