#include "auth/login_security.h"

#include <algorithm>

namespace drawbridge::auth {

using core::FailureReason;

namespace {

struct Points {
    FailureReason reason;
    int points;
};
// Failures that guess a credential. Refusals decided without a credential (allow lists,
// countries, a disabled account) cost the server nothing and score nothing.
constexpr Points kFailurePoints[] = {
    {FailureReason::username_not_found, 4},     {FailureReason::password_mismatch, 2},
    {FailureReason::key_mismatch, 2},           {FailureReason::api_key_mismatch, 2},
    {FailureReason::second_factor_mismatch, 2}, {FailureReason::locked_out, 2},
};

// Failures that count toward locking the account they name.
constexpr FailureReason kLockoutReasons[] = {
    FailureReason::password_mismatch,
    FailureReason::key_mismatch,
    FailureReason::second_factor_mismatch,
};

std::string minutes(core::UnixTime seconds) {
    if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + " h";
    if (seconds % 60 == 0) return std::to_string(seconds / 60) + " min";
    return std::to_string(seconds) + " s";
}

core::CidrList cidrs_of(const std::vector<core::IpListEntry>& entries, core::IpListKind kind) {
    core::CidrList out;
    for (const auto& e : entries)
        if (e.list == kind)
            if (auto c = core::Cidr::parse(e.cidr)) out.entries.push_back(*c);
    return out;
}

}  // namespace

std::string offender_key(const core::IpAddress& ip) {
    if (ip.v4) return ip.to_string();
    // One IPv6 host usually holds a whole /64 and can hop within it at will.
    return core::Cidr::parse(ip.to_string() + "/64")->to_string();
}

int failure_points(FailureReason reason) {
    for (const auto& p : kFailurePoints)
        if (p.reason == reason) return p.points;
    return 0;
}

LoginSecurity::LoginSecurity(store::Store& store, const core::Clock& clock, BruteForcePolicy policy)
    : store_(store), clock_(clock), policy_(policy) {}

bool LoginSecurity::safe(const core::IpAddress& ip,
                         const std::vector<core::IpListEntry>& entries) const {
    return cidrs_of(entries, core::IpListKind::safe).contains(ip);
}

std::optional<AddressRefusal> LoginSecurity::check_address(const core::IpAddress& ip, bool count,
                                                           bool protect) {
    const auto entries = store_.list_ip_list(std::nullopt);
    // The block list is the administrator's word and wins even over the safe list.
    for (const auto& e : entries) {
        if (e.list != core::IpListKind::block) continue;
        const auto cidr = core::Cidr::parse(e.cidr);
        if (!cidr || !cidr->contains(ip)) continue;
        AddressRefusal r;
        r.detail = ip.to_string() + " is on the block list (" + e.cidr + ")";
        r.first = count ? store_.count_list_refusal(e.id) == 1 : false;
        if (r.first) r.detail += "; further refusals of this entry are counted, not logged";
        return r;
    }
    if (!policy_.enabled || !protect || safe(ip, entries)) return std::nullopt;
    const auto ban = store_.find_ip_ban(offender_key(ip));
    const auto now = clock_.now();
    if (!ban || !ban->active(now)) return std::nullopt;
    AddressRefusal r;
    r.detail = ban->ip + " is banned by brute-force protection until " +
               core::format_time(ban->expires_at) + " (offence " + std::to_string(ban->offences) +
               ": " + ban->reason + ")";
    r.first = count ? store_.count_ban_refusal(ban->id) == 1 : false;
    if (r.first) r.detail += "; further refusals during this ban are counted, not logged";
    return r;
}

std::optional<core::IpBan> LoginSecurity::score(const core::IpAddress& ip, int points,
                                                std::string why, bool protect) {
    // Loopback is never scored: behind a local reverse proxy that does not speak the PROXY
    // protocol every client looks like 127.0.0.1, and banning it would lock everyone out.
    if (!policy_.enabled || !protect || points <= 0 || ip.is_loopback()) return std::nullopt;
    const auto entries = store_.list_ip_list(core::IpListKind::safe);
    if (safe(ip, entries)) return std::nullopt;
    const auto now = clock_.now();
    const std::string key = offender_key(ip);
    const int total = store_.add_ip_score(key, points, now, policy_.window);
    if (total < policy_.threshold) return std::nullopt;

    std::optional<core::IpBan> banned;
    store_.transaction([&] {
        auto previous = store_.find_ip_ban(key);
        if (previous && previous->active(now)) return;  // a concurrent failure banned it
        core::IpBan ban;
        ban.ip = key;
        ban.created_at = now;
        ban.offences = 1;
        if (previous && now - previous->expires_at < policy_.forgive_after)
            ban.offences = previous->offences + 1;
        core::UnixTime period = policy_.ban;
        for (int i = 1; i < ban.offences && period < policy_.max_ban; ++i) period *= 2;
        period = std::min(period, policy_.max_ban);
        ban.expires_at = now + period;
        ban.reason = "score " + std::to_string(total) + " within " + minutes(policy_.window) +
                     " (threshold " + std::to_string(policy_.threshold) + "), last: " + why +
                     "; banned for " + minutes(period);
        store_.save_ip_ban(ban);
        store_.clear_ip_score(key);
        banned = ban;
    });
    return banned;
}

FailureEffects LoginSecurity::record_failure(const core::IpAddress& ip, FailureReason reason,
                                             const core::User* user,
                                             const core::SiteSettings& site) {
    FailureEffects out;
    out.banned = score(ip, failure_points(reason), std::string(core::to_string(reason)),
                       site.brute_force_protection);
    if (!user || !site.user_lockout ||
        std::find(std::begin(kLockoutReasons), std::end(kLockoutReasons), reason) ==
            std::end(kLockoutReasons))
        return out;
    const auto now = clock_.now();
    const std::string key = offender_key(ip);
    const bool by_address = site.user_lockout_scope == "address";
    store_.transaction([&] {
        store_.add_login_failure(user->id, key, now);
        const int failures = store_.count_login_failures(
            user->id, now - core::UnixTime{site.user_lockout_within} * core::kSecondsPerHour,
            by_address ? key : "");
        if (failures < site.user_lockout_tries) return;
        const auto until =
            now + core::UnixTime{site.user_lockout_lock_period} * core::kSecondsPerHour;
        if (by_address) {
            store_.lock_user_from(user->id, key, until);
            store_.clear_login_failures(user->id, key);
            out.locked_until = until;
            return;
        }
        // Re-read, so that the lock never writes back fields changed since the attempt began.
        auto fresh = store_.find_user(user->id);
        if (!fresh) return;
        fresh->lockout_expires = until;
        store_.update_user(*fresh);
        // The count starts again after a lock, so that the lock's end is not an instant relock.
        store_.clear_login_failures(user->id, "");
        out.locked_until = fresh->lockout_expires;
    });
    return out;
}

std::optional<core::IpBan> LoginSecurity::record_abandoned(const core::IpAddress& ip,
                                                           bool protect) {
    return score(ip, kAbandonedConnectionPoints, "a connection closed without a login attempt",
                 protect);
}

void LoginSecurity::record_success(const core::User& user, const core::IpAddress& ip,
                                   const core::SiteSettings& site) {
    // Locked by address, a success forgets only its own address's failures: a user logging in
    // from the office must not wipe the count of whoever is guessing elsewhere.
    store_.clear_login_failures(user.id,
                                site.user_lockout_scope == "address" ? offender_key(ip) : "");
}

std::optional<core::UnixTime> LoginSecurity::locked_until(const core::User& user,
                                                          const std::optional<core::IpAddress>& ip,
                                                          core::UnixTime now) const {
    // A lock on the account holds in either scope (one set before the scope changed, too).
    if (user.lockout_expires && *user.lockout_expires > now) return user.lockout_expires;
    if (!ip) return std::nullopt;
    return store_.user_locked_from(user.id, offender_key(*ip), now);
}

std::vector<core::IpBan> LoginSecurity::bans(bool include_expired) {
    return store_.list_ip_bans(include_expired ? std::nullopt
                                               : std::optional<core::UnixTime>(clock_.now()));
}

bool LoginSecurity::lift_ban(const core::IpAddress& ip) {
    bool lifted = false;
    store_.transaction([&] {
        lifted = store_.delete_ip_ban(offender_key(ip));
        store_.clear_ip_score(offender_key(ip));
    });
    return lifted;
}

core::IpListEntry LoginSecurity::add_to_list(core::IpListKind list, const core::Cidr& cidr,
                                             const std::string& note) {
    core::IpListEntry e;
    e.list = list;
    e.cidr = cidr.to_string();
    e.note = note;
    e.created_at = clock_.now();
    store_.add_ip_list_entry(e);
    return e;
}

bool LoginSecurity::remove_from_list(core::IpListKind list, const core::Cidr& cidr) {
    return store_.delete_ip_list_entry(list, cidr.to_string());
}

std::vector<core::IpListEntry> LoginSecurity::list(std::optional<core::IpListKind> list) {
    return store_.list_ip_list(list);
}

}  // namespace drawbridge::auth
