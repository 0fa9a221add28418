// REST API sessions: a random token (header X-FilesAPI-Auth) for a logged-in user, kept in
// memory until it expires (site setting session_expiry_minutes). Only the token's SHA-256 is
// kept, so a memory dump shows no usable token.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/login.h"

namespace drawbridge::http {

class ApiSessions {
  public:
    using Clock = std::chrono::steady_clock;

    // Returns the new token. The grant is what the login behind the session proved; the gate
    // re-admits the session from it on every request.
    std::string create(const core::SessionGrant& grant, std::chrono::minutes lifetime);
    // The grant of a live session; nullopt when unknown or expired.
    std::optional<core::SessionGrant> find(const std::string& token);
    void remove(const std::string& token);
    // Ends every session of a user (deleted or disabled).
    void remove_user(std::int64_t user_id);

  private:
    struct Entry {
        core::SessionGrant grant;
        Clock::time_point expires;
    };
    std::mutex mutex_;
    std::map<std::string, Entry> by_digest_;
};

}  // namespace drawbridge::http
