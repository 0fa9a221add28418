// REST API sessions (docs/rest-api.md#sessions): a random token (header X-FilesAPI-Auth) for
// a logged-in user. The record lives in the store, keyed by the token's SHA-256, so a restart
// keeps it and nodes sharing the database share it; the token itself is never stored nor
// logged. Revocation (a password change, disable, lock, delete, key revocation) is done by the
// store's writes, so every caller revokes alike.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/login.h"
#include "store/store.h"

namespace drawbridge::http {

class ApiSessions {
  public:
    // A session ends after the site setting session_expiry_minutes without a request, and in
    // any case this long after its login (or after session_expiry_minutes, if that is longer).
    static constexpr core::UnixTime kMaxLifetime = 24 * core::kSecondsPerHour;
    // Last use is written at most this often, so a busy session costs one write a minute, not
    // one a request; idle time is counted to within it.
    static constexpr core::UnixTime kTouchInterval = 60;

    explicit ApiSessions(store::Store& store, const core::Clock& clock = system_clock());

    struct Created {
        std::string token;
        core::UnixTime expires_at = 0;  // when it ends if it is not used again
    };
    // The grant is what the login behind the session proved; the gate re-admits the session
    // from it on every request. Sessions already ended are deleted on the way.
    Created create(const core::SessionGrant& grant);
    // The grant of a live session opened on `interface` (restapi: X-FilesAPI-Auth; web: the
    // cookie); nullopt when unknown, of another interface, revoked, idle too long or too old.
    std::optional<core::SessionGrant> find(std::string_view token,
                                           core::Interface interface = core::Interface::restapi);
    // The CSRF token of a web session (docs/web-ui.md#session): derived from the session's
    // token by SHA-256, so that it needs no storage, holds across restarts and nodes, and tells
    // nothing of the token, which only the HttpOnly cookie carries.
    static std::string csrf_token(std::string_view token);
    void remove(std::string_view token);  // logout, or the gate ended it
    // The session of `token`, made only to set up two-factor authentication, becomes a full one.
    void end_two_factor_setup(std::string_view token);
    // The sessions live now, per interface (restapi, web).
    std::vector<std::pair<core::Interface, int>> count_live();

  private:
    static const core::Clock& system_clock();
    // The site's session_expiry_minutes, read again only when the store's rights version
    // moved (a settings write moves it), so that a request costs no settings read.
    core::UnixTime idle_seconds();

    store::Store& store_;
    const core::Clock& clock_;
    std::mutex idle_mutex_;
    std::uint64_t idle_version_ = 0;
    std::optional<core::UnixTime> idle_;
};

}  // namespace drawbridge::http
