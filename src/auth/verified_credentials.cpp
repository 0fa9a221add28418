#include "auth/verified_credentials.h"

#include <algorithm>
#include <cctype>

#include "core/crypto.h"

namespace drawbridge::auth {

VerifiedCredentials::VerifiedCredentials() : secret_key_(core::crypto::random_bytes(32)) {}

std::string VerifiedCredentials::key_of(const core::User& user, std::string_view secret) const {
    std::string message;
    core::crypto::append_field(message, std::to_string(user.id));
    core::crypto::append_field(message, user.password_hash);  // a new password: another key
    core::crypto::append_field(message, secret);
    return core::crypto::hmac_sha256(secret_key_, message);
}

std::string VerifiedCredentials::stamp_of(const core::User& user, const core::SiteSettings& site) {
    // What a login rests on, not what a login changes (the last-login times, the breach flag).
    std::string m;
    auto field = [&m](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_convertible_v<T, std::string_view>)
            core::crypto::append_field(m, v);
        else if constexpr (std::is_same_v<T, std::optional<core::UnixTime>>)
            core::crypto::append_field(m, v ? std::to_string(*v) : "-");
        else
            core::crypto::append_field(m, std::to_string(v));
    };
    std::string username = user.username;
    std::transform(username.begin(), username.end(), username.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    field(username);
    field(static_cast<int>(user.authentication_method));
    field(user.disabled);
    field(user.authenticate_until);
    field(user.require_password_change);
    field(user.password_set_at);
    field(user.password_validity.to_string());
    field(user.self_managed);
    field(user.lockout_expires);
    field(site.password_min_length);
    field(site.password_require_letter);
    field(site.password_require_mixed);
    field(site.password_require_number);
    field(site.password_require_special);
    field(site.password_require_unbreached);
    field(site.password_validity_days);
    field(site.user_lockout);
    field(site.user_lockout_tries);
    field(site.user_lockout_within);
    field(site.user_lockout_lock_period);
    field(site.user_lockout_scope);
    return core::crypto::sha256(m);
}

VerifiedCredentials::Claim VerifiedCredentials::claim(const std::string& key,
                                                      const std::string& stamp,
                                                      core::UnixTime now) {
    Claim c;
    std::unique_lock lock(mutex_);
    // An identical check in progress settles first: its success serves this one too.
    settled_.wait(lock, [&] { return !in_flight_.contains(key); });
    if (auto it = entries_.find(key); it != entries_.end()) {
        if (it->second.stamp == stamp && now >= it->second.verified_at &&
            now - it->second.verified_at < kKeepFor) {
            c.hit_ = true;
            return c;
        }
        entries_.erase(it);  // changed or old: gone for good
    }
    in_flight_.insert(key);
    c.owner_ = this;
    c.key_ = key;
    c.stamp_ = stamp;
    return c;
}

void VerifiedCredentials::forget(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
}

void VerifiedCredentials::remember(const std::string& key, const std::string& stamp,
                                   core::UnixTime now) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= kMaxEntries) {
        std::erase_if(entries_,
                      [now](const auto& e) { return now - e.second.verified_at >= kKeepFor; });
        if (entries_.size() >= kMaxEntries) {
            const auto oldest = std::min_element(
                entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
                    return a.second.verified_at < b.second.verified_at;
                });
            entries_.erase(oldest);
        }
    }
    entries_[key] = Entry{stamp, now};
}

void VerifiedCredentials::finished(const std::string& key) {
    {
        std::lock_guard lock(mutex_);
        in_flight_.erase(key);
    }
    settled_.notify_all();
}

VerifiedCredentials::Claim::Claim(Claim&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      key_(std::move(other.key_)),
      stamp_(std::move(other.stamp_)),
      hit_(other.hit_) {}

VerifiedCredentials::Claim& VerifiedCredentials::Claim::operator=(Claim&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = std::exchange(other.owner_, nullptr);
        key_ = std::move(other.key_);
        stamp_ = std::move(other.stamp_);
        hit_ = other.hit_;
    }
    return *this;
}

void VerifiedCredentials::Claim::succeeded(core::UnixTime now) {
    if (owner_) owner_->remember(key_, stamp_, now);
    release();
}

void VerifiedCredentials::Claim::release() {
    if (auto* o = std::exchange(owner_, nullptr)) o->finished(key_);
}

}  // namespace drawbridge::auth
