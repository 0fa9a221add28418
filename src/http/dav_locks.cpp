#include "http/dav_locks.h"

#include <algorithm>

namespace drawbridge::http {

namespace {

std::string_view parent_of(std::string_view p) {
    const auto slash = p.rfind('/');
    return slash == 0 || slash == std::string_view::npos ? std::string_view("/")
                                                         : p.substr(0, slash);
}

}  // namespace

std::int64_t DavLock::seconds_left() const {
    const auto left =
        std::chrono::duration_cast<std::chrono::seconds>(expires - std::chrono::steady_clock::now())
            .count();
    return std::max<std::int64_t>(left, 0);
}

bool DavLock::covers(std::string_view p) const {
    return p == path || (infinite && is_self_or_under(p, path));
}

void LockManager::purge_expired() {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(locks_, [now](const DavLock& l) { return l.expires <= now; });
}

std::vector<DavLock> LockManager::covering(const std::string& root, std::string_view path) {
    std::lock_guard lock(mutex_);
    purge_expired();
    std::vector<DavLock> out;
    for (const auto& l : locks_)
        if (l.root == root && l.covers(path)) out.push_back(l);
    return out;
}

std::vector<DavLock> LockManager::within(const std::string& root, std::string_view path) {
    std::lock_guard lock(mutex_);
    purge_expired();
    std::vector<DavLock> out;
    for (const auto& l : locks_)
        if (l.root == root && is_self_or_under(l.path, path)) out.push_back(l);
    return out;
}

LockGrant LockManager::acquire(DavLock wanted) {
    std::lock_guard lock(mutex_);
    purge_expired();
    std::size_t held = 0, overlapping = 0;
    for (const auto& l : locks_) {
        if (l.user_id == wanted.user_id) ++held;
        if (l.root != wanted.root) continue;
        const bool overlaps =
            l.covers(wanted.path) || (wanted.infinite && is_self_or_under(l.path, wanted.path));
        if (overlaps && (l.exclusive || wanted.exclusive))
            return {std::nullopt, LockGrant::Refusal::conflict};
        if (overlaps) ++overlapping;
    }
    if (held >= kMaxLocksPerUser) return {std::nullopt, LockGrant::Refusal::too_many};
    // The locks listed for one resource all overlap one another, and each overlapped fewer
    // than this when it was taken: so no lockdiscovery lists more than kMaxLocksPerResource.
    if (overlapping >= kMaxLocksPerResource)
        return {std::nullopt, LockGrant::Refusal::too_many_here};
    wanted.timeout_seconds = std::clamp<std::int64_t>(wanted.timeout_seconds, 1, kMaxTimeout);
    wanted.expires =
        std::chrono::steady_clock::now() + std::chrono::seconds(wanted.timeout_seconds);
    locks_.push_back(wanted);
    return {std::move(wanted), LockGrant::Refusal::none};
}

std::optional<DavLock> LockManager::refresh(const std::string& root, std::string_view path,
                                            std::string_view token, std::int64_t timeout_seconds) {
    std::lock_guard lock(mutex_);
    purge_expired();
    for (auto& l : locks_) {
        if (l.root != root || l.token != token || !l.covers(path)) continue;
        l.timeout_seconds = std::clamp<std::int64_t>(timeout_seconds, 1, kMaxTimeout);
        l.expires = std::chrono::steady_clock::now() + std::chrono::seconds(l.timeout_seconds);
        return l;
    }
    return std::nullopt;
}

bool LockManager::release(const std::string& root, std::string_view path, std::string_view token,
                          std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    purge_expired();
    const auto it = std::find_if(locks_.begin(), locks_.end(), [&](const DavLock& l) {
        return l.root == root && l.token == token && l.covers(path) && l.user_id == user_id;
    });
    if (it == locks_.end()) return false;
    locks_.erase(it);
    return true;
}

void LockManager::remove_within(const std::string& root, std::string_view path) {
    std::lock_guard lock(mutex_);
    std::erase_if(
        locks_, [&](const DavLock& l) { return l.root == root && is_self_or_under(l.path, path); });
}

bool LockManager::may_write(const std::string& root, std::string_view path,
                            const std::set<std::string>& submitted, std::int64_t user_id,
                            bool recursive, bool membership) {
    std::lock_guard lock(mutex_);
    purge_expired();
    const auto parent = parent_of(path);
    for (const auto& l : locks_) {
        if (l.root != root) continue;
        const bool applies = l.covers(path) || (recursive && is_self_or_under(l.path, path)) ||
                             (membership && path != "/" && l.path == parent);
        if (applies && !(submitted.contains(l.token) && l.user_id == user_id)) return false;
    }
    return true;
}

// At most this many lists: each carries its own copy of its resource tag, so thousands of lists
// under one long tag made the result quadratic in the header (fuzzing: a 64 KB header took
// 228 MB). Clients send a handful.
constexpr std::size_t kMaxIfLists = 64;

std::optional<std::vector<IfList>> parse_if_header(std::string_view h) {
    std::vector<IfList> lists;
    std::optional<std::string> resource;
    std::size_t i = 0;
    const auto skip_space = [&] {
        while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
    };
    const auto until = [&](char close) -> std::optional<std::string> {
        const auto end = h.find(close, i + 1);
        if (end == std::string_view::npos) return std::nullopt;
        std::string v(h.substr(i + 1, end - i - 1));
        i = end + 1;
        return v;
    };
    skip_space();
    if (i == h.size()) return std::nullopt;
    while (i < h.size()) {
        if (h[i] == '<') {  // a resource tag for the lists that follow
            auto tag = until('>');
            if (!tag) return std::nullopt;
            resource = std::move(*tag);
        } else if (h[i] == '(') {
            ++i;
            IfList list{resource, {}};
            for (;;) {
                skip_space();
                if (i >= h.size()) return std::nullopt;
                if (h[i] == ')') {
                    ++i;
                    break;
                }
                IfCondition c;
                if (h.substr(i, 3) == "Not" || h.substr(i, 3) == "not") {
                    c.negated = true;
                    i += 3;
                    skip_space();
                    if (i >= h.size()) return std::nullopt;
                }
                if (h[i] == '<') {
                    auto v = until('>');
                    if (!v) return std::nullopt;
                    c.value = std::move(*v);
                } else if (h[i] == '[') {
                    auto v = until(']');
                    if (!v) return std::nullopt;
                    c.is_etag = true;
                    c.value = std::move(*v);
                } else {
                    return std::nullopt;
                }
                list.conditions.push_back(std::move(c));
            }
            if (list.conditions.empty() || lists.size() == kMaxIfLists) return std::nullopt;
            lists.push_back(std::move(list));
        } else {
            return std::nullopt;
        }
        skip_space();
    }
    if (lists.empty()) return std::nullopt;
    return lists;
}

}  // namespace drawbridge::http
