// BatchVerifier: checks produced batches (CRC32C, and the record framing of uncompressed
// ones) on a second thread while the caller writes them, so that a verified append costs
// about what the write alone costs.
//
// One job at a time, posted and claimed by one thread (the JS thread of an environment):
//   Post(batches) -> the caller writes the bytes -> Claim() returns the verdict.
// Claim takes the job back if the worker has not started it (Posted -> Claimed, by
// compare-exchange) and checks it itself; otherwise it waits for the worker's verdict
// (a short spin, then a condition variable). Either way, once Claim returns the worker
// no longer reads the bytes, so they only need to live until then. Small jobs are never
// handed over (see kMinHandedOver): waking the worker costs more than checking them.
//
// The thread starts on the first job worth handing over and stops in Stop() (or the
// destructor); jobs posted after Stop are checked by the caller, in Claim.
#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "status.h"

namespace tributary {

// Checks every batch in [batches, batches + length), which must be well framed
// (batch_scan's ReadBatchHeader holds for each): its CRC32C (else ERR_CORRUPT_BATCH) and,
// if uncompressed, its records as record_scan walks them, recordCount against
// lastOffsetDelta, and a CreateTime maxTimestamp equal to the records' largest (else
// ERR_INVALID_RECORD). The error names the first bad batch by its position in `batches`.
Status VerifyBatches(const uint8_t* batches, size_t length);

class BatchVerifier {
 public:
  BatchVerifier() = default;
  ~BatchVerifier() { Stop(); }
  BatchVerifier(const BatchVerifier&) = delete;
  BatchVerifier& operator=(const BatchVerifier&) = delete;

  // Hands the check of `batches` to the worker; the bytes must stay unchanged until Claim.
  void Post(const uint8_t* batches, size_t length);
  // The verdict on the posted batches. Exactly one Claim follows each Post.
  Status Claim();
  // Stops and joins the thread (idempotent). No job may be posted and unclaimed.
  void Stop();

  bool running() const { return started_; }
  uint64_t jobs_run_by_worker() const { return jobs_run_by_worker_.load(std::memory_order_relaxed); }

 private:
  enum State : int { kIdle, kPosted, kRunning, kDone, kClaimed };

  bool StartOnce();
  static void* Main(void* self);
  void Run();
  bool AwaitJob();
  void AwaitVerdict();

  std::atomic<int> state_{kIdle};
  const uint8_t* batches_ = nullptr;
  size_t length_ = 0;
  Status verdict_;
  std::atomic<uint64_t> jobs_run_by_worker_{0};

  std::mutex mutex_;
  std::condition_variable posted_;
  std::condition_variable done_;
  bool stopping_ = false;  // guarded by mutex_
  bool stopped_ = false;   // Stop() ran: no new thread
  bool started_ = false;
  pthread_t thread_{};
};

}  // namespace tributary
