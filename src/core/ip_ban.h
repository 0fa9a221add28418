// Records of brute-force protection kept in the store: bans of single addresses and the
// administrators' safe and block lists (CIDRs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/types.h"

namespace drawbridge::core {

struct IpBan {
    std::int64_t id = 0;
    std::string ip;  // an IPv4 address, or an IPv6 /64 ("2001:db8:1:2::/64")
    std::string reason;
    UnixTime created_at = 0;  // when the current (latest) ban began
    UnixTime expires_at = 0;
    int offences = 1;  // bans of this address so far, counting this one
    int refusals = 0;  // connections and attempts refused by this ban

    bool active(UnixTime now) const { return expires_at > now; }
};

enum class IpListKind { safe, block };
std::string_view to_string(IpListKind k);
std::optional<IpListKind> parse_ip_list_kind(std::string_view text);

struct IpListEntry {
    std::int64_t id = 0;
    IpListKind list = IpListKind::safe;
    std::string cidr;  // canonical text (Cidr::to_string)
    std::string note;
    UnixTime created_at = 0;
    int refusals = 0;  // block list: connections and attempts refused by this entry
};

}  // namespace drawbridge::core
