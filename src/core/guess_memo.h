// The wrong guesses already counted on one connection, so that one guess of one secret counts
// once (docs/login-gate.md#one-guess).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

#include "core/failure_reason.h"
#include "core/login.h"

namespace drawbridge::core {

// OpenSSH's client offers the password it was given once by keyboard-interactive and again by
// "password"; WebDAV clients send the same wrong Basic credentials with every request. Each is
// one guess by whoever typed it, and must not count (score, lock, log) more than once.
// The memo holds keyed digests only (HMAC-SHA256 under a random key of its own that never leaves
// the process), never a secret. The connection and the thread deciding its attempt share it.
class GuessMemo {
  public:
    GuessMemo();
    GuessMemo(const GuessMemo&) = delete;
    GuessMemo& operator=(const GuessMemo&) = delete;

    // Whether this guess (the name, case-folded, and the credential) already failed for
    // `reason` on this connection; remembers it when not.
    bool seen_before(std::string_view username, const Credential& credential, FailureReason reason);
    // How many failed logins this connection has had, repeats included: the per-connection
    // cap counts attempts (each cost a hash), while scoring counts distinct guesses.
    int failures() const;

  private:
    // A connection that offers more distinct guesses than this is closed by its protocol long
    // before; past it the oldest are forgotten (they count again, which only errs on the safe
    // side).
    static constexpr std::size_t kLimit = 64;
    const std::string key_;
    mutable std::mutex mutex_;
    std::deque<std::string> digests_;
    int failures_ = 0;
};

}  // namespace drawbridge::core
