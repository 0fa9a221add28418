// The outbox (docs/mail.md#outbox): a message is written to the store before anything is
// sent, and a sender thread delivers it, retrying with backoff while the relay is down.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/mail.h"
#include "mail/smtp.h"
#include "store/store.h"

namespace drawbridge::mail {

// What goes into one mail: subject and both parts, already rendered (mail/templates.h).
struct Content {
    std::string subject;
    std::string text;
    std::string html;
};

// The state machine of one row, apart from I/O so that it is tested on its own.
// A row is claimed (sending, attempts + 1, leased for kLease); the relay's answer then makes it
// sent, failed (a permanent refusal, or kMaxAttempts reached), or queued again after a backoff
// of kFirstRetry doubling up to kMaxRetry.
struct Backoff {
    static constexpr core::UnixTime kFirstRetry = 2;
    static constexpr core::UnixTime kMaxRetry = 15 * 60;
    static constexpr int kMaxAttempts = 40;  // about eight hours of retries
    static constexpr core::UnixTime kLease = 5 * 60;
    static core::UnixTime delay_after(int attempts);
};
core::OutboxMail after_attempt(core::OutboxMail mail, const RelayAnswer& answer,
                               core::UnixTime now);

class Outbox {
  public:
    Outbox(store::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

    // Writes a queued row (inside the caller's transaction, if any) and returns it. An address
    // that cannot be delivered to is refused here (std::invalid_argument), not retried.
    core::OutboxMail enqueue(std::string kind, std::optional<std::int64_t> user_id,
                             const std::string& to, const Content& content);

    // One delivery attempt of the oldest due row; false when there was none (or no relay is
    // configured: mail then waits, queued).
    bool deliver_one(Transport& transport);

  private:
    store::Store& store_;
    const core::Clock& clock_;
};

// The thread that delivers: it looks for due mail every second (mail written by the CLI or
// another node is found too) and at once when woken. `periodic` (the expiry reminders) runs
// at start and then every `period`.
class Sender {
  public:
    Sender(Outbox& outbox, std::unique_ptr<Transport> transport,
           std::function<void()> periodic = {},
           std::chrono::seconds period = std::chrono::seconds(60));
    ~Sender();  // stops and joins
    void wake();

  private:
    void run();

    Outbox& outbox_;
    std::unique_ptr<Transport> transport_;
    std::function<void()> periodic_;
    std::chrono::seconds period_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace drawbridge::mail
