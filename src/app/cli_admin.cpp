// `drawbridge site ...`, `log search` and `password generate`.
#include <iostream>

#include "app/cli.h"
#include "app/json.h"
#include "core/cidr.h"
#include "core/password_policy.h"

namespace drawbridge::app {
namespace {

const auth::Actor kCli{core::Interface::cli, ""};

// The path (and destination) of a file action, then the detail.
std::string summary(const core::ActionLogEntry& e) {
    std::string s = e.path;
    if (!e.destination.empty()) s += " -> " + e.destination;
    if (e.bytes) s += " (" + std::to_string(*e.bytes) + " bytes)";
    if (!e.detail.empty()) s += (s.empty() ? "" : " ") + e.detail;
    return s.empty() ? "-" : s;
}

}  // namespace

void add_site_commands(CLI::App& app, CliContext& ctx) {
    auto* site = app.add_subcommand("site", "site settings shared by every node");
    site->require_subcommand(1);
    {
        auto* show = site->add_subcommand("show", "show every site setting");
        show->add_flag("--json", ctx.json, "print JSON");
        show->callback([&ctx] {
            const auto s = ctx.open().store->load_site_settings();
            if (ctx.json) {
                std::cout << to_json(s).dump(2) << "\n";
                return;
            }
            std::vector<std::vector<std::string>> rows;
            for (const auto& f : core::site_setting_fields()) {
                const auto v = core::displayed_setting_value(s, f);
                rows.push_back({std::string(f.name), v.empty() ? "-" : v, std::string(f.help)});
            }
            print_table(std::cout, {"setting", "value", "meaning"}, rows);
        });
    }
    {
        auto* set = site->add_subcommand(
            "set",
            "change settings: site set name=value ... (checked together; a setting the server "
            "does not act on yet is refused, and so are country lists without a GeoIP database)");
        auto* assignments = ctx.hold<std::vector<std::string>>();
        auto* yes = ctx.hold(false);
        set->add_option("assignments", *assignments, "name=value pairs")->required();
        set->add_flag("--yes", *yes,
                      "make a change that would refuse logins on this node (allowed_region "
                      "naming another region); without it such a change is refused");
        set->callback([&ctx, assignments, yes] {
            Node& node = ctx.open();
            const auto before = node.store->load_site_settings();
            auto s = before;
            std::string changed;
            auto values = parse_assignments(*assignments);
            // A secret never goes on the command line (where ps and shell history see it):
            // `smtp_password=-` reads it from standard input.
            for (auto& [name, value] : values) {
                const auto* f = core::find_site_setting(name);
                if (!f || !f->secret) continue;
                if (value != "-")
                    throw CLI::ValidationError(name +
                                               ": a secret is read from standard input: "
                                               "pass " +
                                               name + "=- and type it there");
                value = read_secret(name + ": ", true);
            }
            if (auto e = core::set_settings(s, values)) throw auth::AccountError(*e);
            const auto review = node.gate->review_site_change(before, s);
            if (review.error) throw auth::AccountError(*review.error);
            if (!review.refusals.empty()) {
                std::cerr << (*yes ? "drawbridge: warning: this change refuses logins on this "
                                     "node:\n"
                                   : "drawbridge: not changed: this change would refuse logins "
                                     "on this node:\n");
                for (const auto& r : review.refusals) std::cerr << "  " << r << "\n";
                if (!*yes) {
                    std::cerr << "Run it again with --yes to make it anyway.\n";
                    throw CLI::RuntimeError(1);
                }
            }
            for (const auto& [name, value] : values)
                changed += (changed.empty() ? "" : ", ") + core::displayed_assignment(name, value);
            node.store->transaction([&] {
                node.store->save_site_settings(s);
                core::ActionLogEntry e;
                e.interface = core::Interface::cli;
                e.action = "site_update";
                e.detail = changed;
                node.log->record(std::move(e));
            });
            std::cerr << "updated " << changed << "\n";
        });
    }
}

void add_log_commands(CLI::App& app, CliContext& ctx) {
    auto* log = app.add_subcommand("log", "the action log");
    log->require_subcommand(1);
    auto* search = log->add_subcommand("search", "search the action log, newest first");
    auto* action = ctx.hold<std::string>();
    auto* failure = ctx.hold<std::string>();
    auto* username = ctx.hold<std::string>();
    auto* interface = ctx.hold<std::string>();
    auto* ip = ctx.hold<std::string>();
    auto* since = ctx.hold<std::string>();
    auto* until = ctx.hold<std::string>();
    auto* limit = ctx.hold<int>(50);
    auto* cursor = ctx.hold<std::int64_t>(0);
    search->add_option("--action", *action, "login, failedlogin, user_create, ...");
    search->add_option("--failure-type", *failure, "username_not_found, password_mismatch, ...");
    search->add_option("--username", *username, "as typed, case-insensitive");
    search->add_option("--interface", *interface, "sftp, ftp, dav, restapi, web, cli");
    search->add_option("--ip", *ip, "client address");
    search->add_option("--since", *since, "from this time (YYYY-MM-DD or ISO 8601 UTC)");
    search->add_option("--until", *until, "before this time");
    search->add_option("--limit", *limit, "entries per page (1-1000)")->check(CLI::Range(1, 1000));
    search->add_option("--cursor", *cursor, "continue from a previous page's next_cursor");
    search->add_flag("--json", ctx.json, "print JSON");
    search->callback([=, &ctx] {
        core::ActionLogQuery q;
        if (!action->empty()) {
            if (!core::is_known_action(*action))
                throw CLI::ValidationError("--action: unknown action '" + *action +
                                           "'; expected one of " + core::known_actions_text());
            q.action = *action;
        }
        if (!failure->empty()) {
            q.failure_type = core::parse_failure_reason(*failure);
            if (!q.failure_type)
                throw CLI::ValidationError("--failure-type: unknown type '" + *failure + "'");
        }
        if (!username->empty()) q.username = *username;
        if (!interface->empty()) {
            q.interface = core::parse_interface(*interface);
            if (!q.interface)
                throw CLI::ValidationError(
                    "--interface: expected sftp, ftp, dav, restapi, web or cli");
        }
        if (!ip->empty()) {
            const auto addr = core::IpAddress::parse(*ip);
            if (!addr) throw CLI::ValidationError("--ip: '" + *ip + "' is not an IP address");
            q.ip = addr->to_string();
        }
        for (auto [text, field, flag] :
             {std::tuple{since, &q.since, "--since"}, std::tuple{until, &q.until, "--until"}}) {
            if (text->empty()) continue;
            *field = core::parse_time(*text);
            if (!*field)
                throw CLI::ValidationError(std::string(flag) +
                                           ": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
        }
        if (*cursor > 0) q.cursor = *cursor;
        q.limit = *limit;
        const auto page = ctx.open().log->search(q);
        if (ctx.json) {
            nlohmann::json entries = nlohmann::json::array();
            for (const auto& e : page.entries) entries.push_back(to_json(e));
            nlohmann::json out{{"entries", entries},
                               {"next_cursor", page.next_cursor ? nlohmann::json(*page.next_cursor)
                                                                : nlohmann::json(nullptr)}};
            std::cout << out.dump(2) << "\n";
            return;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& e : page.entries)
            rows.push_back({std::to_string(e.id), core::format_time(e.created_at), e.action,
                            std::string(core::to_string(e.failure_type)),
                            std::string(core::to_string(e.interface)),
                            e.username.empty() ? "-" : e.username, e.ip.empty() ? "-" : e.ip,
                            summary(e)});
        print_table(
            std::cout,
            {"id", "created_at", "action", "failure_type", "interface", "username", "ip", "detail"},
            rows);
        if (page.next_cursor) std::cerr << "more: --cursor " << *page.next_cursor << "\n";
    });
}

void add_password_commands(CLI::App& app, CliContext& ctx) {
    auto* password = app.add_subcommand("password", "password tools");
    password->require_subcommand(1);
    auto* generate =
        password->add_subcommand("generate", "print a password that meets the site's policy");
    auto* length = ctx.hold<std::size_t>(0);
    generate->add_option("--length", *length, "length (default: 16 or the minimum, if longer)")
        ->check(CLI::Range(1, 512));
    generate->callback([&ctx, length] {
        const auto s = ctx.open().store->load_site_settings();
        if (*length && static_cast<int>(*length) < s.password_min_length)
            throw auth::AccountError("--length must be at least the site's password_min_length (" +
                                     std::to_string(s.password_min_length) + ")");
        std::cout << core::generate_password(s, *length) << "\n";
    });
}

}  // namespace drawbridge::app
