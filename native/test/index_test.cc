#include <sys/stat.h>

#include <cstdio>

#include "check.h"
#include "offset_index.h"
#include "time_index.h"

using namespace tributary;

namespace {

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
}

void OffsetIndexLooksUpAndTrims(const std::string& dir) {
  std::string path = dir + "/00000000000000000100.index";
  OffsetIndex index;
  CHECK_OK(index.Open(path, 100, 80, true));
  CHECK(index.max_entries() == 10 && FileSize(path) == 80);
  CHECK(index.Lookup(150).offset == 100 && index.Lookup(150).position == 0);
  for (int i = 1; i <= 5; i++) CHECK_OK(index.Append(100 + 10 * i, 4096 * i));
  CHECK(index.Append(140, 99999).code == "ERR_INVALID_OFFSET");
  CHECK(index.Append(99, 99999).code == "ERR_INVALID_OFFSET");
  CHECK(index.Lookup(125).offset == 120 && index.Lookup(125).position == 8192);
  CHECK(index.Lookup(110).position == 4096);
  CHECK(index.Lookup(109).position == 0);
  CHECK(index.Lookup(1000).offset == 150);
  CHECK_OK(index.SanityCheck(5 * 4096 + 1));
  CHECK(index.SanityCheck(5 * 4096).code == "ERR_CORRUPT_INDEX");
  index.TruncateTo(130);
  CHECK(index.entries() == 2);
  CHECK_OK(index.Close());
  CHECK(FileSize(path) == 16);

  OffsetIndex reopened;
  CHECK_OK(reopened.Open(path, 100, 80, false));
  CHECK(reopened.entries() == 2 && reopened.full());
  CHECK(reopened.Entry(1).offset == 120);
  CHECK_OK(reopened.Resize(80));
  CHECK(!reopened.full() && reopened.max_entries() == 10);
  CHECK_OK(reopened.Append(130, 3 * 4096));
  CHECK(reopened.entries() == 3);
  CHECK_OK(reopened.Close());
  CHECK(FileSize(path) == 24);
}

void OffsetIndexFills(const std::string& dir) {
  OffsetIndex index;
  CHECK_OK(index.Open(dir + "/full.index", 0, 16, true));
  CHECK_OK(index.Append(1, 1));
  CHECK_OK(index.Append(2, 2));
  CHECK(index.full());
  CHECK(index.Append(3, 3).code == "ERR_INDEX_FULL");
  CHECK_OK(index.Delete());
}

void TimeIndexKeepsMaxima(const std::string& dir) {
  std::string path = dir + "/00000000000000000000.timeindex";
  TimeIndex index;
  CHECK_OK(index.Open(path, 0, 48, true));
  CHECK(index.max_entries() == 4 && index.LastEntry().timestamp == -1);
  CHECK_OK(index.MaybeAppend(1000, 5, false));
  CHECK_OK(index.MaybeAppend(1000, 9, false));  // same timestamp: no entry
  CHECK_OK(index.MaybeAppend(2000, 20, false));
  CHECK(index.entries() == 2);
  CHECK(index.MaybeAppend(3000, 10, false).code == "ERR_INVALID_OFFSET");
  CHECK(index.Lookup(1500).offset == 5 && index.Lookup(999).offset == 0 && index.Lookup(999).timestamp == -1);
  CHECK(index.Lookup(5000).timestamp == 2000);
  CHECK_OK(index.MaybeAppend(2500, 30, false));
  CHECK(index.full());  // one slot stays for the roll
  CHECK(index.MaybeAppend(2600, 31, false).code == "ERR_INDEX_FULL");
  CHECK_OK(index.MaybeAppend(2600, 31, true));
  CHECK(index.entries() == 4);
  CHECK_OK(index.SanityCheck());
  index.TruncateTo(20);
  CHECK(index.entries() == 1 && index.LastEntry().offset == 5);
  CHECK_OK(index.Close());
  CHECK(FileSize(path) == 12);
}

// The open-file budget's release of an active index: the file is cut to its entries and
// its descriptor closed, lookups go on from the mapping, an append reopens it and grows it
// back to its capacity, and a close after the directory was renamed needs no descriptor.
void ActiveIndexReleasesItsFile(const std::string& dir) {
  std::string sub = dir + "/active", path = sub + "/00000000000000000000.index";
  CHECK(mkdir(sub.c_str(), 0755) == 0);
  OffsetIndex index;
  CHECK_OK(index.Open(path, 0, 80, true));
  CHECK_OK(index.Append(10, 100));
  CHECK_OK(index.ReleaseFile());
  CHECK(FileSize(path) == 8 && index.max_entries() == 10 && !index.full());
  CHECK(index.Lookup(15).position == 100);
  CHECK_OK(index.Flush());  // an msync
  CHECK_OK(index.Append(20, 200));
  CHECK(FileSize(path) == 80 && index.Lookup(25).position == 200);
  CHECK_OK(index.ReleaseFile());
  CHECK(FileSize(path) == 16);
  CHECK(rename(sub.c_str(), (sub + "-deleted").c_str()) == 0);
  CHECK_OK(index.Close());
  CHECK(FileSize(sub + "-deleted/00000000000000000000.index") == 16);
}

}  // namespace

int main() {
  std::string dir = tributary_test::TempDir();
  OffsetIndexLooksUpAndTrims(dir);
  OffsetIndexFills(dir);
  TimeIndexKeepsMaxima(dir);
  ActiveIndexReleasesItsFile(dir);
  tributary_test::RemoveDir(dir);
  return tributary_test::Finish("index_test");
}
