// Administration of brute-force protection, as the CLI (`ban`, `iplist`) and the REST API
// (/bans, /ip_lists) do it: each change made through LoginSecurity and recorded in the action
// log (ip_ban_lift, ip_list_add, ip_list_remove) with who made it. Errors are AccountError,
// whose message is safe to show the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "audit/action_log.h"
#include "auth/accounts.h"
#include "auth/login_security.h"

namespace drawbridge::auth {

// The ban or list entry a change names is not there.
struct NoSuchEntry : AccountError {
    using AccountError::AccountError;
};

// Who makes a security change: where from, and the administrator when known (REST).
struct SecurityActor {
    core::Interface interface = core::Interface::cli;
    std::string ip;
    std::optional<std::int64_t> user_id;
    std::string username;
};

class SecurityAdmin {
  public:
    SecurityAdmin(LoginSecurity& security, audit::ActionLog& log)
        : security_(security), log_(log) {}

    // Lifts the ban of `address` (an address; for IPv6 any address of the /64, or the /64
    // itself) and forgets its score. Returns the ban's key ("2001:db8:1:2::/64").
    std::string lift_ban(std::string_view address, const SecurityActor& actor);
    core::IpListEntry add_to_list(core::IpListKind list, std::string_view cidr,
                                  const std::string& note, const SecurityActor& actor);
    void remove_from_list(core::IpListKind list, std::string_view cidr, const SecurityActor& actor);

  private:
    void record(const SecurityActor& actor, std::string action, std::string ip, std::string detail);

    LoginSecurity& security_;
    audit::ActionLog& log_;
};

// The block an address or CIDR text names; AccountError when it names none.
core::Cidr parse_cidr_text(std::string_view text);
// "safe" or "block"; AccountError otherwise.
core::IpListKind parse_list_text(std::string_view text);

}  // namespace drawbridge::auth
