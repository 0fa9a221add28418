// Brute-force protection and user lockout: the policy that turns failed logins into address
// bans and account locks. LoginGate consults it first for every attempt and every accepted
// connection, and tells it every failure; its state lives in the store, so it survives a
// restart and (with a shared database) is the same on every node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/cidr.h"
#include "core/clock.h"
#include "core/failure_reason.h"
#include "core/ip_ban.h"
#include "core/site_settings.h"
#include "core/user.h"
#include "store/store.h"

namespace drawbridge::auth {

// Defaults stop a dictionary attack within a handful of guesses while leaving room for a person
// who mistypes: 20 points in 10 minutes bans an address; a ban lasts 15 minutes, doubles with
// each repeat offence up to a day, and an address clean for a day starts again from 15 minutes.
struct BruteForcePolicy {
    bool enabled = true;
    int threshold = 20;                    // points within one window that ban the address
    core::UnixTime window = 600;           // seconds
    core::UnixTime ban = 900;              // first ban, seconds
    core::UnixTime max_ban = 86400;        // bans double per offence up to this
    core::UnixTime forgive_after = 86400;  // an offence older than this is not a repeat
};

// What scores and bans are kept by: an IPv4 address, or the /64 of an IPv6 address.
std::string offender_key(const core::IpAddress& ip);

// Points an attempt that failed for `reason` adds to its address's score (0: none). An unknown
// username weighs most: guessing names is what dictionary attacks do and people rarely do.
int failure_points(core::FailureReason reason);
// Points for a connection that closed without ever trying to log in (scanners, probes).
inline constexpr int kAbandonedConnectionPoints = 1;

struct AddressRefusal {
    core::FailureReason reason = core::FailureReason::rate_limited;
    std::string detail;
    bool first = false;  // the first refusal of this ban or block entry: the one to log
};

// What a failure did beyond its own refusal, for the log's detail.
struct FailureEffects {
    std::optional<core::IpBan> banned;           // the address was banned by this failure
    std::optional<core::UnixTime> locked_until;  // the user was locked out by this failure
};

class LoginSecurity {
  public:
    LoginSecurity(store::Store& store, const core::Clock& clock, BruteForcePolicy policy = {});

    // The block list, then an active ban; a safe-listed address is never refused here.
    // With `count` the refusal is counted on its ban or entry (so only the first is logged).
    // `protect` is the site's brute_force_protection: off, bans are not enforced (the block list
    // still is) and nothing is scored.
    std::optional<AddressRefusal> check_address(const core::IpAddress& ip, bool count,
                                                bool protect);

    // Scores the failure against its address (not for safe-listed addresses) and, for a known
    // user, counts it toward user lockout.
    FailureEffects record_failure(const core::IpAddress& ip, core::FailureReason reason,
                                  const core::User* user, const core::SiteSettings& site);
    // A connection that closed without trying to log in.
    std::optional<core::IpBan> record_abandoned(const core::IpAddress& ip, bool protect);
    // A success forgets the user's failed attempts (by address: those from its address).
    void record_success(const core::User& user, const core::IpAddress& ip,
                        const core::SiteSettings& site);
    // When the user's lock that holds for `ip` ends; nullopt when none does. A lock holds on
    // every address (user_lockout_scope=user, the default) or on the addresses whose failures
    // caused it (address).
    std::optional<core::UnixTime> locked_until(const core::User& user,
                                               const std::optional<core::IpAddress>& ip,
                                               core::UnixTime now) const;

    // Administration.
    std::vector<core::IpBan> bans(bool include_expired);
    // Lifts the ban of the address (for IPv6, of its /64); also forgets its score and offences.
    bool lift_ban(const core::IpAddress& ip);
    core::IpListEntry add_to_list(core::IpListKind list, const core::Cidr& cidr,
                                  const std::string& note);
    bool remove_from_list(core::IpListKind list, const core::Cidr& cidr);
    std::vector<core::IpListEntry> list(std::optional<core::IpListKind> list);

    const BruteForcePolicy& policy() const { return policy_; }

  private:
    std::optional<core::IpBan> score(const core::IpAddress& ip, int points, std::string why,
                                     bool protect);
    bool safe(const core::IpAddress& ip, const std::vector<core::IpListEntry>& entries) const;

    store::Store& store_;
    const core::Clock& clock_;
    BruteForcePolicy policy_;
};

}  // namespace drawbridge::auth
