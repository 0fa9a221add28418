// `drawbridge permission ...`: folder permissions, the per-path rules of a user.
#include <iostream>

#include "app/cli.h"
#include "app/json.h"

namespace drawbridge::app {
namespace {

const auth::Actor kCli{core::Interface::cli, ""};

std::string names_or_none(core::PermissionSet s) {
    const auto names = core::to_string(s);
    return names.empty() ? "none" : names;
}

}  // namespace

void add_permission_commands(CLI::App& app, CliContext& ctx) {
    auto* permission = app.add_subcommand(
        "permission",
        "folder permissions: per-path rules of list, read, write and delete for a user; the "
        "deepest rule on a path decides, and with no rule everything is allowed");
    permission->require_subcommand(1);
    {
        auto* set = permission->add_subcommand(
            "set", "set (replace) the rule of USER at PATH, inherited by everything below it");
        auto* username = ctx.hold<std::string>();
        auto* path = ctx.hold<std::string>();
        auto* allow = ctx.hold<std::string>("list,read,write,delete");
        set->add_option("username", *username)->required();
        set->add_option("path", *path, "a folder (or file) of the user's tree, / for its root")
            ->required();
        set->add_option("--allow", *allow,
                        "what the rule grants: comma-separated list, read, write, delete; "
                        "'all', or 'none' (or '') to deny everything there")
            ->capture_default_str();
        set->add_flag("--json", ctx.json, "print JSON");
        set->callback([&ctx, username, path, allow] {
            const auto granted = core::parse_permission_set(*allow);
            if (!granted)
                throw CLI::ValidationError(
                    "--allow: expected names among list, read, write, delete (comma-separated), "
                    "'all' or 'none'");
            const auto rule =
                ctx.open().accounts->set_folder_permission(*username, *path, *granted, kCli);
            if (ctx.json) {
                std::cout << to_json(rule).dump(2) << "\n";
                return;
            }
            std::cerr << "'" << *username << "' at " << rule.path << ": "
                      << names_or_none(rule.permissions) << "\n";
        });
    }
    {
        auto* list = permission->add_subcommand("list", "list a user's folder permissions");
        auto* username = ctx.hold<std::string>();
        list->add_option("username", *username)->required();
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx, username] {
            const auto rules = ctx.open().accounts->list_folder_permissions(*username);
            if (ctx.json) return print_json_list(std::cout, rules);
            std::vector<std::vector<std::string>> rows;
            for (const auto& r : rules)
                rows.push_back(
                    {r.path, names_or_none(r.permissions), core::format_time(r.created_at)});
            print_table(std::cout, {"path", "permissions", "created_at"}, rows);
        });
    }
    {
        auto* remove = permission->add_subcommand(
            "remove", "remove the rule of USER at PATH (the rule above it applies again)");
        auto* username = ctx.hold<std::string>();
        auto* path = ctx.hold<std::string>();
        remove->add_option("username", *username)->required();
        remove->add_option("path", *path)->required();
        remove->callback([&ctx, username, path] {
            ctx.open().accounts->remove_folder_permission(*username, *path, kCli);
            std::cerr << "removed the folder permission of '" << *username << "' at " << *path
                      << "\n";
        });
    }
}

}  // namespace drawbridge::app
