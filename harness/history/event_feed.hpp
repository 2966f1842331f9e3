// A history handed from the thread that builds it to one thread that reads it while it grows: the capture
// reader appends events, the checker observes them on the other core. Events are appended to a plain
// std::vector and never copied for the reader; the only shared lock is taken when the vector must grow (its
// elements move then) and by the reader while it reads a batch. Single producer, single consumer; the reader
// must call consume() (or the producer no_consumer()), or wait_until_consumed() waits for ever.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "history/event.hpp"

namespace mqtt::history {

class EventFeed {
 public:
  explicit EventFeed(std::vector<Event>& events) : events_(events), published_(events.size()) {}

  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // Producer: appends `event` and makes it visible to the reader.
  void append(Event&& event) {
    if (events_.size() == events_.capacity()) {
      std::lock_guard lock(mutex_);  // the reader is not inside a batch while the elements move
      events_.push_back(std::move(event));
    } else {
      events_.push_back(std::move(event));  // writes past what the reader may touch
    }
    // Sequentially consistent: this store and the load of waiting_ pair with the reader's store of waiting_
    // and load of published_, so one of the two always sees the other (no lost wake-up).
    const std::size_t published = events_.size();
    published_.store(published);
    if (waiting_.load() && published >= wake_at_.load()) {  // wake the reader for a batch, not every event
      std::lock_guard lock(mutex_);
      wake_.notify_one();
    }
  }

  // Producer: nothing more will be appended.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    wake_.notify_one();
  }

  // Producer: waits until the reader has returned from consume() (after close()); from then on the events
  // are the producer's alone again (it may reorder or free them).
  void wait_until_consumed() {
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [&] { return !consuming_; });
  }

  // For a reader that could not be started: wait_until_consumed() no longer waits for it.
  void no_consumer() {
    std::lock_guard lock(mutex_);
    consuming_ = false;
    finished_.notify_all();
  }

  // Consumer (exactly one call per feed, unless no_consumer()): calls `observe(const Event&)`
  // for every event, in order, as they are appended; returns once the producer has closed the feed and every
  // event has been observed, or when `observe` throws (the exception propagates).
  template <typename Observe>
  void consume(Observe&& observe) {
    std::size_t next = 0;
    std::unique_lock lock(mutex_);
    struct Done {
      EventFeed& feed;
      std::unique_lock<std::mutex>& lock;
      ~Done() {
        if (!lock.owns_lock()) lock.lock();
        feed.consuming_ = false;
        feed.finished_.notify_all();
      }
    } done{*this, lock};
    for (;;) {
      const std::size_t available = published_.load(std::memory_order_acquire);
      if (next < available) {
        const Event* events = events_.data();  // stable while the lock is held
        for (const std::size_t end = std::min(available, next + batch); next < end; ++next) observe(events[next]);
        lock.unlock();  // let the producer grow the vector between batches
        lock.lock();
        continue;
      }
      if (closed_) return;
      wake_at_.store(next + batch);
      waiting_.store(true);
      wake_.wait(lock, [&] { return closed_ || published_.load() >= next + batch; });
      waiting_.store(false);
    }
  }

 private:
  static constexpr std::size_t batch = 1024;
  std::vector<Event>& events_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  bool consuming_ = true;  // from construction: the reader may start after the first append
  std::atomic<std::size_t> published_;
  std::atomic<bool> waiting_{false};
  std::atomic<std::size_t> wake_at_{0};
  bool closed_ = false;
};

}  // namespace mqtt::history
