// Sign-ins whose password was right and whose second factor is still to come (docs/two-factor.md):
// POST /sessions answers 401 two-factor-authentication-required with a partial_session_id, and
// the next POST /sessions sends it with the code. Kept in this process's memory, a few minutes,
// bounded in number and in wrong codes. Security keys being registered wait here too, for the
// answer to their challenge.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "core/login.h"

namespace drawbridge::http {

class PartialLogins {
  public:
    struct Entry {
        std::string username;
        std::int64_t user_id = 0;
        std::set<core::Factor> verified;
        core::Interface interface = core::Interface::restapi;
        std::string client_ip;  // the second step must come from the same address
        core::UnixTime expires_at = 0;
        int failures = 0;
        std::string challenge;  // WebAuthn: the one sent for this sign-in or registration
    };
    static constexpr core::UnixTime kLifetime = 5 * 60;
    static constexpr int kMaxFailures = 3;
    static constexpr std::size_t kMaxEntries = 10000;

    // Keeps `entry` until `now` + kLifetime; returns its id (a random token).
    std::string add(Entry entry, core::UnixTime now);
    // The entry of `id` for a request from `ip`, while it lasts.
    std::optional<Entry> find(const std::string& id, const std::string& ip, core::UnixTime now);
    // A wrong code for `id`: after kMaxFailures the entry is gone (the sign-in starts over).
    void failed(const std::string& id);
    void remove(const std::string& id);

  private:
    void prune(core::UnixTime now);  // under mutex_

    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;  // by the id's SHA-256
};

}  // namespace drawbridge::http
