// VerifiedCredentials: the gate's memory of passwords that logged in a moment ago, so that a
// returning user's next connection (WebDAV clients open many, FTP clients reconnect for each
// transfer) does not pay a full password hash again, and so that identical logins arriving
// together share one hash (docs/login-gate.md#verified-credentials).
//
// An entry is an HMAC, under a random key of this process's that never leaves it, of the user,
// the stored password hash and the password: never a secret. It is bound to a stamp of what
// the user's login rests on (status, method, expiry, lock, the password's state, the site's
// policy), so any change of those, in this process or another sharing the store, drops it. Only
// a login that succeeded in full is remembered; a failure never is.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/site_settings.h"
#include "core/types.h"
#include "core/user.h"

namespace drawbridge::auth {

class VerifiedCredentials {
  public:
    static constexpr core::UnixTime kKeepFor = 300;    // seconds after the login
    static constexpr std::size_t kMaxEntries = 10000;  // bounded: the oldest go first

    VerifiedCredentials();

    // The entry's name for `secret` as the password of `user` as stored now.
    std::string key_of(const core::User& user, std::string_view secret) const;
    // What the entry must still match: the user's login-relevant state and the site's policy.
    static std::string stamp_of(const core::User& user, const core::SiteSettings& site);

    // One login's use of the cache. hit(): the same password logged this user in with the same
    // stamp within kKeepFor; no hash needed. Otherwise this claim verifies it: succeeded()
    // remembers it; a claim that ends without it (a failure) remembers nothing. An identical
    // check already in progress is waited for (it costs at most one hash) instead of repeated.
    class Claim {
      public:
        Claim() = default;
        Claim(Claim&& other) noexcept;
        Claim& operator=(Claim&& other) noexcept;
        ~Claim() { release(); }

        bool hit() const { return hit_; }
        void succeeded(core::UnixTime now);

      private:
        friend class VerifiedCredentials;
        void release();
        VerifiedCredentials* owner_ = nullptr;  // set while this claim verifies
        std::string key_, stamp_;
        bool hit_ = false;
    };
    Claim claim(const std::string& key, const std::string& stamp, core::UnixTime now);
    // Forgets `key` (the account is locked: its holder pays the full check again).
    void forget(const std::string& key);

  private:
    struct Entry {
        std::string stamp;
        core::UnixTime verified_at = 0;
    };
    void remember(const std::string& key, const std::string& stamp, core::UnixTime now);
    void finished(const std::string& key);

    const std::string secret_key_;
    std::mutex mutex_;
    std::condition_variable settled_;
    std::unordered_map<std::string, Entry> entries_;
    std::unordered_set<std::string> in_flight_;
};

}  // namespace drawbridge::auth
