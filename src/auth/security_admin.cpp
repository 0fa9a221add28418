#include "auth/security_admin.h"

namespace drawbridge::auth {

core::Cidr parse_cidr_text(std::string_view text) {
    auto c = core::Cidr::parse(text);
    if (!c) throw AccountError("'" + std::string(text) + "' is not an address or CIDR block");
    return *c;
}

core::IpListKind parse_list_text(std::string_view text) {
    auto k = core::parse_ip_list_kind(text);
    if (!k)
        throw AccountError("expected the list 'safe' or 'block', not '" + std::string(text) + "'");
    return *k;
}

void SecurityAdmin::record(const SecurityActor& actor, std::string action, std::string ip,
                           std::string detail) {
    core::ActionLogEntry e;
    e.interface = actor.interface;
    e.user_id = actor.user_id;
    e.username = actor.username;
    e.action = std::move(action);
    e.ip = std::move(ip);
    e.detail = std::move(detail);
    log_.record(std::move(e));
}

std::string SecurityAdmin::lift_ban(std::string_view address, const SecurityActor& actor) {
    auto addr = core::IpAddress::parse(address);
    if (!addr)
        if (auto block = core::Cidr::parse(address)) addr = block->network;
    if (!addr) throw AccountError("'" + std::string(address) + "' is not an IP address");
    const std::string key = offender_key(*addr);
    if (!security_.lift_ban(*addr)) throw NoSuchEntry("no ban for " + key);
    record(actor, "ip_ban_lift", key, "ban lifted");
    return key;
}

core::IpListEntry SecurityAdmin::add_to_list(core::IpListKind list, std::string_view cidr,
                                             const std::string& note, const SecurityActor& actor) {
    const auto block = parse_cidr_text(cidr);
    auto e = security_.add_to_list(list, block, note);
    record(actor, "ip_list_add", "", std::string(core::to_string(list)) + " " + e.cidr);
    return e;
}

void SecurityAdmin::remove_from_list(core::IpListKind list, std::string_view cidr,
                                     const SecurityActor& actor) {
    const auto block = parse_cidr_text(cidr);
    const std::string name(core::to_string(list));
    if (!security_.remove_from_list(list, block))
        throw NoSuchEntry(block.to_string() + " is not on the " + name + " list");
    record(actor, "ip_list_remove", "", name + " " + block.to_string());
}

}  // namespace drawbridge::auth
