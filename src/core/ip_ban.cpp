#include "core/ip_ban.h"

namespace drawbridge::core {

std::string_view to_string(IpListKind k) {
    return k == IpListKind::safe ? "safe" : "block";
}

std::optional<IpListKind> parse_ip_list_kind(std::string_view text) {
    if (text == "safe") return IpListKind::safe;
    if (text == "block") return IpListKind::block;
    return std::nullopt;
}

}  // namespace drawbridge::core
