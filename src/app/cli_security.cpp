// `drawbridge ban ...` and `drawbridge iplist ...`: brute-force protection's bans and the
// administrators' safe and block lists.
#include <iostream>

#include "app/cli.h"
#include "app/json.h"

namespace drawbridge::app {
namespace {

void record_admin_action(Node& node, const std::string& action, const std::string& ip,
                         const std::string& detail) {
    core::ActionLogEntry e;
    e.interface = core::Interface::cli;
    e.action = action;
    e.ip = ip;
    e.detail = detail;
    node.log->record(std::move(e));
}

core::Cidr parse_cidr_arg(const std::string& text) {
    auto c = core::Cidr::parse(text);
    if (!c) throw CLI::ValidationError("'" + text + "' is not an address or CIDR block");
    return *c;
}

core::IpListKind parse_list_arg(const std::string& text) {
    auto k = core::parse_ip_list_kind(text);
    if (!k) throw CLI::ValidationError("expected the list 'safe' or 'block', not '" + text + "'");
    return *k;
}

}  // namespace

void add_security_commands(CLI::App& app, CliContext& ctx) {
    auto* ban = app.add_subcommand("ban", "addresses banned by brute-force protection");
    ban->require_subcommand(1);
    {
        auto* list = ban->add_subcommand("list", "list bans in force (--all: expired ones too)");
        auto* all = ctx.hold(false);
        list->add_flag("--all", *all, "include expired bans (kept to count repeat offences)");
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx, all] {
            const auto bans = ctx.open().gate->security().bans(*all);
            if (ctx.json) return print_json_list(std::cout, bans);
            std::vector<std::vector<std::string>> rows;
            for (const auto& b : bans)
                rows.push_back({b.ip, core::format_time(b.expires_at), std::to_string(b.offences),
                                std::to_string(b.refusals), b.reason});
            print_table(std::cout, {"ip", "expires_at", "offences", "refusals", "reason"}, rows);
        });
    }
    {
        auto* lift = ban->add_subcommand("lift", "lift a ban now and forget the address's score");
        auto* ip = ctx.hold<std::string>();
        lift->add_option("ip", *ip, "the banned address (IPv6: any address of the /64, or the /64)")
            ->required();
        lift->callback([&ctx, ip] {
            auto addr = core::IpAddress::parse(*ip);
            if (!addr)
                if (auto block = core::Cidr::parse(*ip)) addr = block->network;
            if (!addr) throw CLI::ValidationError("'" + *ip + "' is not an IP address");
            const std::string key = auth::offender_key(*addr);
            Node& node = ctx.open();
            if (!node.gate->security().lift_ban(*addr))
                throw auth::AccountError("no ban for " + key);
            record_admin_action(node, "ip_ban_lift", key, "ban lifted");
            std::cerr << "lifted the ban of " << key << "\n";
        });
    }

    auto* iplist = app.add_subcommand(
        "iplist", "the safe list (never scored or banned) and the block list (always refused)");
    iplist->require_subcommand(1);
    {
        auto* add = iplist->add_subcommand("add", "add a CIDR: iplist add safe|block CIDR");
        auto* list = ctx.hold<std::string>();
        auto* cidr = ctx.hold<std::string>();
        auto* note = ctx.hold<std::string>();
        add->add_option("list", *list, "safe or block")->required();
        add->add_option("cidr", *cidr, "an address or CIDR block")->required();
        add->add_option("--note", *note, "why (shown in iplist list)");
        add->callback([&ctx, list, cidr, note] {
            const auto kind = parse_list_arg(*list);
            const auto block = parse_cidr_arg(*cidr);
            Node& node = ctx.open();
            const auto e = node.gate->security().add_to_list(kind, block, *note);
            record_admin_action(node, "ip_list_add", "", *list + " " + e.cidr);
            std::cerr << "added " << e.cidr << " to the " << *list << " list\n";
        });
    }
    {
        auto* remove =
            iplist->add_subcommand("remove", "remove a CIDR: iplist remove safe|block CIDR");
        auto* list = ctx.hold<std::string>();
        auto* cidr = ctx.hold<std::string>();
        remove->add_option("list", *list, "safe or block")->required();
        remove->add_option("cidr", *cidr, "as added")->required();
        remove->callback([&ctx, list, cidr] {
            const auto kind = parse_list_arg(*list);
            const auto block = parse_cidr_arg(*cidr);
            Node& node = ctx.open();
            if (!node.gate->security().remove_from_list(kind, block))
                throw auth::AccountError(block.to_string() + " is not on the " + *list + " list");
            record_admin_action(node, "ip_list_remove", "", *list + " " + block.to_string());
            std::cerr << "removed " << block.to_string() << " from the " << *list << " list\n";
        });
    }
    {
        auto* show = iplist->add_subcommand("list", "list entries: iplist list [safe|block]");
        auto* list = ctx.hold<std::string>();
        show->add_option("list", *list, "safe or block (default: both)");
        show->add_flag("--json", ctx.json, "print JSON");
        show->callback([&ctx, list] {
            std::optional<core::IpListKind> kind;
            if (!list->empty()) kind = parse_list_arg(*list);
            const auto entries = ctx.open().gate->security().list(kind);
            if (ctx.json) return print_json_list(std::cout, entries);
            std::vector<std::vector<std::string>> rows;
            for (const auto& e : entries)
                rows.push_back({std::string(core::to_string(e.list)), e.cidr,
                                core::format_time(e.created_at), std::to_string(e.refusals),
                                e.note.empty() ? "-" : e.note});
            print_table(std::cout, {"list", "cidr", "created_at", "refusals", "note"}, rows);
        });
    }
}

}  // namespace drawbridge::app
