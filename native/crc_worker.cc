#include "crc_worker.h"

#include <chrono>
#include <cstdio>

#include "batch_scan.h"
#include "bytes.h"
#include "crc32c.h"

namespace tributary {

namespace {

// Jobs smaller than this are checked by the caller: MEASURED_THRESHOLD_NOTE
constexpr size_t kMinHandedOver = 0;
// How long the worker spins for the next job before it sleeps, and how long a caller
// spins for a verdict: back-to-back appends then never pay a futex wake-up.
constexpr std::chrono::microseconds kWorkerSpin{50};
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

}  // namespace

Status VerifyBatchCrcs(const uint8_t* batches, size_t length) {
  for (size_t pos = 0; pos < length;) {
    const uint8_t* batch = batches + pos;
    size_t size = kLogOverhead + ReadU32BE(batch + kBatchLengthOffset);
    uint32_t stored = ReadU32BE(batch + kCrcOffset);
    uint32_t computed = crc32c_extend(0, batch + kAttributesOffset, size - kAttributesOffset);
    if (stored != computed) {
      return Status::Error("ERR_CORRUPT_BATCH", "CRC32C mismatch in the batch at position " + std::to_string(pos) +
                                                    " of the append: stored " + Hex(stored) + ", computed " + Hex(computed));
    }
    pos += size;
  }
  return Status::Ok();
}

void CrcWorker::Post(const uint8_t* batches, size_t length) {
  batches_ = batches;
  length_ = length;
  if (length < kMinHandedOver || !StartOnce()) {
    state_.store(kClaimed, std::memory_order_relaxed);
    return;
  }
  state_.store(kPosted);
  if (worker_sleeping_.load()) {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.notify_one();
  }
}

Status CrcWorker::Claim() {
  int seen = kPosted;
  if (state_.compare_exchange_strong(seen, kClaimed) || seen == kClaimed) {
    state_.store(kIdle, std::memory_order_relaxed);
    return VerifyBatchCrcs(batches_, length_);
  }
  AwaitVerdict();
  state_.store(kIdle, std::memory_order_relaxed);
  return std::move(verdict_);
}

void CrcWorker::AwaitVerdict() {
  auto done = [this] { return state_.load(std::memory_order_acquire) == kDone; };
  if (SpinUntil(done, kCallerSpin)) return;
  std::unique_lock<std::mutex> lock(mutex_);
  caller_waiting_.store(true);
  done_.wait(lock, done);
  caller_waiting_.store(false);
}

// Without a thread (none could be started, or Stop ran) the caller checks every job.
bool CrcWorker::StartOnce() {
  if (!started_ && !stopped_) started_ = pthread_create(&thread_, nullptr, &CrcWorker::Main, this) == 0;
  stopped_ = stopped_ || !started_;
  return started_;
}

void* CrcWorker::Main(void* self) {
  static_cast<CrcWorker*>(self)->Run();
  return nullptr;
}

void CrcWorker::Run() {
  while (AwaitJob()) {
    int seen = kPosted;
    if (!state_.compare_exchange_strong(seen, kRunning)) continue;  // the caller took it back
    verdict_ = VerifyBatchCrcs(batches_, length_);
    jobs_run_by_worker_.fetch_add(1, std::memory_order_relaxed);
    state_.store(kDone, std::memory_order_release);
    if (caller_waiting_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

// Waits for a posted job; false when stopping.
bool CrcWorker::AwaitJob() {
  auto ready = [this] { return state_.load(std::memory_order_acquire) == kPosted || stopping_.load(); };
  if (!SpinUntil(ready, kWorkerSpin)) {
    std::unique_lock<std::mutex> lock(mutex_);
    worker_sleeping_.store(true);
    posted_.wait(lock, ready);
    worker_sleeping_.store(false);
  }
  return !stopping_.load();
}

void CrcWorker::Stop() {
  stopped_ = true;
  if (!started_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
    posted_.notify_one();
  }
  pthread_join(thread_, nullptr);
  started_ = false;
}

}  // namespace tributary
