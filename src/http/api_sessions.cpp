#include "http/api_sessions.h"

#include "core/crypto.h"

namespace drawbridge::http {

std::string ApiSessions::create(const core::SessionGrant& grant, std::chrono::minutes lifetime) {
    const std::string token = core::crypto::to_hex(core::crypto::random_bytes(32));
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    std::erase_if(by_digest_, [now](const auto& kv) { return kv.second.expires <= now; });
    by_digest_[core::crypto::sha256(token)] = {grant, now + lifetime};
    return token;
}

std::optional<core::SessionGrant> ApiSessions::find(const std::string& token) {
    std::lock_guard lock(mutex_);
    const auto it = by_digest_.find(core::crypto::sha256(token));
    if (it == by_digest_.end()) return std::nullopt;
    if (it->second.expires <= Clock::now()) {
        by_digest_.erase(it);
        return std::nullopt;
    }
    return it->second.grant;
}

void ApiSessions::remove(const std::string& token) {
    std::lock_guard lock(mutex_);
    by_digest_.erase(core::crypto::sha256(token));
}

void ApiSessions::remove_user(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    std::erase_if(by_digest_,
                  [user_id](const auto& kv) { return kv.second.grant.user_id == user_id; });
}

}  // namespace drawbridge::http
