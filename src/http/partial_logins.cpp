#include "http/partial_logins.h"

#include "core/crypto.h"

namespace drawbridge::http {
namespace {

std::string key_of(const std::string& id) {
    return core::crypto::sha256(id);
}

}  // namespace

std::string PartialLogins::add(Entry entry, core::UnixTime now) {
    const std::string id = core::crypto::to_hex(core::crypto::random_bytes(32));
    entry.expires_at = now + kLifetime;
    std::lock_guard lock(mutex_);
    prune(now);
    entries_[key_of(id)] = std::move(entry);
    return id;
}

std::optional<PartialLogins::Entry> PartialLogins::find(const std::string& id,
                                                        const std::string& ip, core::UnixTime now) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key_of(id));
    if (it == entries_.end()) return std::nullopt;
    if (it->second.expires_at <= now) {
        entries_.erase(it);
        return std::nullopt;
    }
    if (it->second.client_ip != ip) return std::nullopt;
    return it->second;
}

void PartialLogins::failed(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key_of(id));
    if (it != entries_.end() && ++it->second.failures >= kMaxFailures) entries_.erase(it);
}

void PartialLogins::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    entries_.erase(key_of(id));
}

// Expired entries go first; a flood of sign-ins that fills the table past that loses its
// oldest, which only makes those users sign in again.
void PartialLogins::prune(core::UnixTime now) {
    if (entries_.size() < kMaxEntries) return;
    std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires_at <= now; });
    while (entries_.size() >= kMaxEntries) {
        auto oldest = entries_.begin();
        for (auto it = entries_.begin(); it != entries_.end(); ++it)
            if (it->second.expires_at < oldest->second.expires_at) oldest = it;
        entries_.erase(oldest);
    }
}

}  // namespace drawbridge::http
