#include "batch_verifier.h"

#include <chrono>
#include <cstdio>

#include "batch_scan.h"
#include "bytes.h"
#include "crc32c.h"
#include "record_scan.h"

namespace tributary {

namespace {

// Jobs smaller than this are checked by the caller. A job pays a futex wake-up and the
// worker's wake-up latency, and only wins if the worker is done before the caller has
// written the bytes. Measured here (2 vCPU Zen 1 VM, the other vCPU busy with other
// work; append of one batch, us, worker vs caller-checked): 16 KiB 14.5-18.9 vs
// 10.4-13.0 (whether the worker slept or spun between jobs), 64 KiB 32-40 vs 38,
// 256 KiB 97-117 vs 116-119, 1 MiB 533-643 vs 578-719.
constexpr size_t kMinHandedOver = 128 << 10;
// How long a caller spins for a verdict before it sleeps: the worker is usually close.
constexpr std::chrono::microseconds kCallerSpin{20};

void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until `done()` holds or `limit` passes; returns done().
template <typename Done>
bool SpinUntil(Done done, std::chrono::microseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (done()) return true;
      Pause();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

std::string Hex(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// Record framing of an uncompressed batch (a compressed one's records are checked by
// the caller after decompressing): count against the offset range, every record, and a
// CreateTime header maxTimestamp equal to the records' largest.
Status VerifyRecords(const uint8_t* batch, size_t size, size_t pos) {
  const int32_t count = ReadI32BE(batch + kRecordCountOffset);
  const int32_t last_offset_delta = ReadI32BE(batch + kLastOffsetDeltaOffset);
  auto invalid = [pos](const std::string& what) {
    return Status::Error("ERR_INVALID_RECORD",
                         "invalid record batch at position " + std::to_string(pos) + " of the append: " + what);
  };
  if (count <= 0 || last_offset_delta != count - 1) {
    return invalid("recordCount " + std::to_string(count) + " with lastOffsetDelta " +
                   std::to_string(last_offset_delta));
  }
  RecordsSummary summary;
  if (!ScanRecords(batch + kBatchHeaderSize, size - kBatchHeaderSize, count, &summary)) return invalid(summary.error);
  const int16_t attributes = ReadI16BE(batch + kAttributesOffset);
  const int64_t base_timestamp = ReadI64BE(batch + kBaseTimestampOffset);
  const int64_t max_timestamp = ReadI64BE(batch + kMaxTimestampOffset);
  if ((attributes & kTimestampTypeLogAppend) == 0 && base_timestamp + summary.max_timestamp_delta != max_timestamp) {
    return invalid("header maxTimestamp " + std::to_string(max_timestamp) + ", records' largest " +
                   std::to_string(base_timestamp + summary.max_timestamp_delta));
  }
  return Status::Ok();
}

}  // namespace

Status VerifyBatches(const uint8_t* batches, size_t length) {
  for (size_t pos = 0; pos < length;) {
    const uint8_t* batch = batches + pos;
    size_t size = kLogOverhead + ReadU32BE(batch + kBatchLengthOffset);
    uint32_t stored = ReadU32BE(batch + kCrcOffset);
    uint32_t computed = crc32c_extend(0, batch + kAttributesOffset, size - kAttributesOffset);
    if (stored != computed) {
      return Status::Error("ERR_CORRUPT_BATCH", "CRC32C mismatch in the batch at position " + std::to_string(pos) +
                                                    " of the append: stored " + Hex(stored) + ", computed " +
                                                    Hex(computed));
    }
    if ((ReadI16BE(batch + kAttributesOffset) & kCompressionMask) == 0) {
      Status s = VerifyRecords(batch, size, pos);
      if (!s.ok()) return s;
    }
    pos += size;
  }
  return Status::Ok();
}

void BatchVerifier::Post(const uint8_t* batches, size_t length) {
  batches_ = batches;
  length_ = length;
  if (length < kMinHandedOver || !StartOnce()) {
    state_.store(kClaimed, std::memory_order_relaxed);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_.store(kPosted);
  }
  posted_.notify_one();
}

Status BatchVerifier::Claim() {
  int seen = kPosted;
  if (state_.compare_exchange_strong(seen, kClaimed) || seen == kClaimed) {
    state_.store(kIdle, std::memory_order_relaxed);
    return VerifyBatches(batches_, length_);
  }
  AwaitVerdict();
  state_.store(kIdle, std::memory_order_relaxed);
  return std::move(verdict_);
}

void BatchVerifier::AwaitVerdict() {
  auto done = [this] { return state_.load(std::memory_order_acquire) == kDone; };
  if (SpinUntil(done, kCallerSpin)) return;
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, done);
}

// Without a thread (none could be started, or Stop ran) the caller checks every job.
bool BatchVerifier::StartOnce() {
  if (!started_ && !stopped_) started_ = pthread_create(&thread_, nullptr, &BatchVerifier::Main, this) == 0;
  stopped_ = stopped_ || !started_;
  return started_;
}

void* BatchVerifier::Main(void* self) {
  static_cast<BatchVerifier*>(self)->Run();
  return nullptr;
}

void BatchVerifier::Run() {
  while (AwaitJob()) {
    int seen = kPosted;
    if (!state_.compare_exchange_strong(seen, kRunning)) continue;  // the caller took it back
    verdict_ = VerifyBatches(batches_, length_);
    jobs_run_by_worker_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_.store(kDone);
    }
    done_.notify_one();
  }
}

// Waits for a posted job; false when stopping.
bool BatchVerifier::AwaitJob() {
  std::unique_lock<std::mutex> lock(mutex_);
  posted_.wait(lock, [this] { return state_.load() == kPosted || stopping_; });
  return !stopping_;
}

void BatchVerifier::Stop() {
  stopped_ = true;
  if (!started_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    posted_.notify_one();
  }
  pthread_join(thread_, nullptr);
  started_ = false;
}

}  // namespace tributary
