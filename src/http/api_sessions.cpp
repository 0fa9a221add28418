#include "http/api_sessions.h"

#include <algorithm>

#include "auth/login_security.h"
#include "core/crypto.h"

namespace drawbridge::http {
namespace {

// 256 random bits: a digest without a key (no HMAC) is enough, since nobody can find a token
// from its SHA-256, and the lookup by digest runs no comparison on the secret.
std::string digest_of(std::string_view token) {
    return core::crypto::to_hex(core::crypto::sha256(token));
}

}  // namespace

const core::Clock& ApiSessions::system_clock() {
    static const core::SystemClock clock;
    return clock;
}

ApiSessions::ApiSessions(store::Store& store, const core::Clock& clock)
    : store_(store), clock_(clock) {}

core::UnixTime ApiSessions::idle_seconds() {
    const auto version = store_.rights_version();
    std::lock_guard lock(idle_mutex_);
    if (!idle_ || version != idle_version_) {
        idle_ = core::UnixTime{store_.load_site_settings().session_expiry_minutes} * 60;
        idle_version_ = version;
    }
    return *idle_;
}

ApiSessions::Created ApiSessions::create(const core::SessionGrant& grant) {
    const auto now = clock_.now();
    const auto idle = idle_seconds();
    store_.delete_ended_sessions(now, now - idle);
    core::StoredSession s;
    Created out{core::crypto::to_hex(core::crypto::random_bytes(32)), 0};
    s.token_digest = digest_of(out.token);
    s.grant = grant;
    s.grant.checked_version = 0;
    s.grant.recheck_by = 0;
    const auto ip = core::IpAddress::parse(grant.client_ip);
    s.address_key = ip ? auth::offender_key(*ip) : grant.client_ip;
    s.created_at = now;
    s.last_used_at = now;
    s.expires_at = now + std::max(kMaxLifetime, idle);
    store_.create_session(s);
    out.expires_at = std::min(s.expires_at, now + idle);
    return out;
}

std::string ApiSessions::csrf_token(std::string_view token) {
    return digest_of("csrf:" + std::string(token));
}

std::optional<core::SessionGrant> ApiSessions::find(std::string_view token,
                                                    core::Interface interface) {
    const std::string digest = digest_of(token);
    auto s = store_.find_session(digest);
    if (!s || s->grant.interface != interface) return std::nullopt;
    const auto now = clock_.now();
    if (s->expires_at <= now || s->last_used_at + idle_seconds() <= now) {
        store_.delete_session(digest);
        return std::nullopt;
    }
    if (now - s->last_used_at >= kTouchInterval) store_.touch_session(s->id, now);
    return std::move(s->grant);
}

std::vector<std::pair<core::Interface, int>> ApiSessions::count_live() {
    const auto now = clock_.now();
    return store_.count_live_sessions(now, now - idle_seconds());
}

void ApiSessions::end_two_factor_setup(std::string_view token) {
    store_.end_two_factor_setup(digest_of(token));
}

void ApiSessions::remove(std::string_view token) {
    store_.delete_session(digest_of(token));
}

}  // namespace drawbridge::http
