// `drawbridge ban ...` and `drawbridge iplist ...`: brute-force protection's bans and the
// administrators' safe and block lists.
#include <iostream>

#include "app/cli.h"
#include "app/json.h"
#include "auth/security_admin.h"

namespace drawbridge::app {
namespace {

// The CLI's changes are made by whoever runs it, on this machine.
const auth::SecurityActor kCliActor{};

auth::SecurityAdmin admin_of(Node& node) {
    return auth::SecurityAdmin(node.gate->security(), *node.log);
}

// A malformed argument is a usage error (before the store is opened), not a refused change.
template <typename Fn>
auto parsed_arg(Fn&& parse, const std::string& text) {
    try {
        return parse(text);
    } catch (const auth::AccountError& e) {
        throw CLI::ValidationError(e.what());
    }
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
            const auto key = admin_of(ctx.open()).lift_ban(*ip, kCliActor);
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
            const auto kind = parsed_arg(auth::parse_list_text, *list);
            parsed_arg(auth::parse_cidr_text, *cidr);
            const auto e = admin_of(ctx.open()).add_to_list(kind, *cidr, *note, kCliActor);
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
            const auto kind = parsed_arg(auth::parse_list_text, *list);
            const auto block = parsed_arg(auth::parse_cidr_text, *cidr);
            admin_of(ctx.open()).remove_from_list(kind, *cidr, kCliActor);
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
            if (!list->empty()) kind = parsed_arg(auth::parse_list_text, *list);
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
