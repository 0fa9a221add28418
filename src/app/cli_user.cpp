// `drawbridge user ...`: administer accounts.
#include <iostream>

#include "app/cli.h"
#include "app/json.h"
#include "core/cidr.h"
#include "core/password_policy.h"
#include "core/user_fields.h"

namespace drawbridge::app {
namespace {

const auth::Actor kCli{core::Interface::cli, ""};

void show_user(CliContext& ctx, const core::User& u) {
    Node& node = ctx.open();
    const auto site = node.store->load_site_settings();
    const auto j = to_json(u, site, node.clock.now());
    if (ctx.json) {
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto it = j.begin(); it != j.end(); ++it) {
        std::string v;
        if (it->is_null())
            v = "-";
        else if (it->is_string())
            v = it->get<std::string>();
        else if (it->is_array())
            v = core::join_list(it->get<std::vector<std::string>>());
        else
            v = it->dump();
        rows.push_back({it.key(), v.empty() ? "-" : v});
    }
    print_table(std::cout, {"field", "value"}, rows);
}

}  // namespace

void add_user_commands(CLI::App& app, CliContext& ctx) {
    auto* user = app.add_subcommand("user", "add, list, show, change and delete users");
    user->require_subcommand(1);

    {
        auto* add = user->add_subcommand("add", "create a user");
        auto* username = ctx.hold<std::string>();
        auto* sets = ctx.hold<std::vector<std::string>>();
        auto* email = ctx.hold<std::string>();
        auto* method = ctx.hold<std::string>("password");
        auto* admin = ctx.hold(false);
        auto* password_stdin = ctx.hold(false);
        auto* generate = ctx.hold(false);
        auto* import_hash = ctx.hold(false);
        auto* require_change = ctx.hold(false);
        add->add_option("username", *username, "login name (case-insensitively unique)")
            ->required();
        add->add_option("--email", *email, "email address");
        add->add_option("--method", *method,
                        "authentication_method: password, sso, none, email_signup, "
                        "password_and_ssh_key (imported hashes: --import-hash)");
        add->add_flag("--admin", *admin, "make the user a site administrator");
        add->add_flag("--password-stdin", *password_stdin,
                      "read the password from standard input (or a prompt on a terminal)");
        add->add_flag("--generate-password", *generate,
                      "generate a password that meets the policy and print it once");
        add->add_flag("--import-hash", *import_hash,
                      "read a password hash from another system on standard input");
        add->add_flag("--require-password-change", *require_change,
                      "the password must be changed before the first login");
        add->add_option("--set", *sets, "other fields as field=value (see `user show`)");
        add->callback([&ctx, username, sets, email, method, admin, password_stdin, generate,
                       import_hash, require_change] {
            auth::NewUser spec;
            spec.username = *username;
            spec.fields = parse_assignments(*sets);
            spec.fields.insert(spec.fields.begin(), {"authentication_method", *method});
            if (!email->empty()) spec.fields.push_back({"email", *email});
            if (*admin) spec.fields.push_back({"site_admin", "true"});
            if (*require_change) spec.fields.push_back({"require_password_change", "true"});
            if (*password_stdin + *generate + *import_hash > 1)
                throw CLI::ValidationError(
                    "choose one of --password-stdin, --generate-password, --import-hash");
            std::string generated;
            if (*import_hash) {
                spec.fields.erase(spec.fields.begin());  // the method follows from the hash
                std::string hash = read_secret("password hash", false);
                spec.imported_hash = hash;
            } else if (*generate) {
                generated = ctx.open().accounts->generate_password();
                spec.password = generated;
            } else if (*password_stdin) {
                spec.password = read_secret("password", true);
            }
            const auto u = ctx.open().accounts->create_user(spec, kCli);
            std::cerr << "created user '" << u.username << "' (id " << u.id << ")\n";
            if (!generated.empty()) std::cout << generated << "\n";
        });
    }
    {
        auto* list = user->add_subcommand("list", "list users");
        auto* search = ctx.hold<std::string>();
        auto* only_disabled = ctx.hold(false);
        auto* only_enabled = ctx.hold(false);
        list->add_option("--search", *search, "part of a username or email");
        list->add_flag("--disabled", *only_disabled, "only disabled users");
        list->add_flag("--enabled", *only_enabled, "only enabled users");
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx, search, only_disabled, only_enabled] {
            if (*only_disabled && *only_enabled)
                throw CLI::ValidationError(
                    "--enabled and --disabled exclude each other; give one, or neither for all");
            Node& node = ctx.open();
            store::UserFilter filter;
            if (!search->empty()) filter.search = *search;
            if (*only_disabled) filter.disabled = true;
            if (*only_enabled) filter.disabled = false;
            const auto site = node.store->load_site_settings();
            const auto users = node.store->list_users(filter);
            if (ctx.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& u : users) arr.push_back(to_json(u, site, node.clock.now()));
                std::cout << arr.dump(2) << "\n";
                return;
            }
            std::vector<std::vector<std::string>> rows;
            for (const auto& u : users) {
                const bool locked = u.lockout_expires && *u.lockout_expires > node.clock.now();
                rows.push_back({std::to_string(u.id), u.username,
                                u.disabled ? "disabled" : (locked ? "locked" : "enabled"),
                                std::string(core::to_string(u.authentication_method)),
                                u.site_admin ? "admin" : "user", u.email.empty() ? "-" : u.email,
                                u.last_login_at ? core::format_time(*u.last_login_at) : "never"});
            }
            print_table(std::cout,
                        {"id", "username", "state", "authentication_method", "role", "email",
                         "last_login_at"},
                        rows);
        });
    }
    {
        auto* show = user->add_subcommand("show", "show every field of a user");
        auto* username = ctx.hold<std::string>();
        show->add_option("username", *username)->required();
        show->add_flag("--json", ctx.json, "print JSON");
        show->callback(
            [&ctx, username] { show_user(ctx, ctx.open().accounts->get_user(*username)); });
    }
    {
        auto* set = user->add_subcommand("set", "change fields: user set NAME field=value ...");
        auto* username = ctx.hold<std::string>();
        auto* assignments = ctx.hold<std::vector<std::string>>();
        set->add_option("username", *username)->required();
        set->add_option("assignments", *assignments, "field=value pairs")->required();
        set->callback([&ctx, username, assignments] {
            auto u =
                ctx.open().accounts->update_user(*username, parse_assignments(*assignments), kCli);
            std::cerr << "updated user '" << u.username << "'\n";
        });
    }
    for (const bool disable : {false, true}) {
        auto* cmd = user->add_subcommand(
            disable ? "disable" : "enable",
            disable ? "disable a user: no login by any means" : "enable a user");
        auto* username = ctx.hold<std::string>();
        cmd->add_option("username", *username)->required();
        cmd->callback([&ctx, username, disable] {
            auto u = ctx.open().accounts->set_disabled(*username, disable, kCli);
            std::cerr << (disable ? "disabled" : "enabled") << " user '" << u.username << "'\n";
        });
    }
    {
        auto* del = user->add_subcommand(
            "delete",
            "delete a user with its keys; its files (default root) are kept aside in "
            "<data>/files/.deleted/<id>-<username>-<time>, where no user can reach them (remove "
            "that folder to free the space); a user_root set by an administrator is left as it "
            "is");
        auto* username = ctx.hold<std::string>();
        del->add_option("username", *username)->required();
        del->callback([&ctx, username] {
            Node& node = ctx.open();
            const auto kept = node.accounts->delete_user(*username, kCli);
            std::cerr << "deleted user '" << *username << "'";
            if (kept)
                std::cerr << "; its files are now in "
                          << (node.roots->files_dir() / *kept).string();
            std::cerr << "\n";
        });
    }
    {
        auto* unlock = user->add_subcommand("unlock", "lift a lockout now");
        auto* username = ctx.hold<std::string>();
        unlock->add_option("username", *username)->required();
        unlock->callback([&ctx, username] {
            auto u = ctx.open().accounts->unlock(*username, kCli);
            std::cerr << "unlocked user '" << u.username << "'\n";
        });
    }
    {
        auto* reset = user->add_subcommand(
            "2fa-reset",
            "remove a user's authenticator app, security keys and recovery codes "
            "(docs/two-factor.md)");
        auto* username = ctx.hold<std::string>();
        reset->add_option("username", *username)->required();
        reset->callback([&ctx, username] {
            auto& node = ctx.open();
            const auto u = node.accounts->get_user(*username);
            node.second_factors->reset(u, kCli, "the command line");
            std::cerr << "two-factor authentication of user '" << u.username << "' reset\n";
        });
    }
    {
        auto* pw = user->add_subcommand(
            "password",
            "set a password (standard input or a prompt), generate one, or import a hash");
        auto* username = ctx.hold<std::string>();
        auto* generate = ctx.hold(false);
        auto* import_hash = ctx.hold(false);
        auto* require_change = ctx.hold(false);
        pw->add_option("username", *username)->required();
        pw->add_flag("--generate", *generate,
                     "generate a password that meets the policy, print it once");
        pw->add_flag("--import-hash", *import_hash,
                     "read a hash from another system on standard input");
        pw->add_flag("--require-change", *require_change, "must be changed before the next login");
        pw->callback([&ctx, username, generate, import_hash, require_change] {
            auto& accounts = *ctx.open().accounts;
            if (*generate && *import_hash)
                throw CLI::ValidationError("choose --generate or --import-hash, not both");
            if (*import_hash) {
                accounts.import_password_hash(*username, read_secret("password hash", false), kCli);
                std::cerr << "imported a password hash for '" << *username << "'\n";
                return;
            }
            std::string password =
                *generate ? accounts.generate_password() : read_secret("new password", true);
            accounts.set_password(*username, password, *require_change, kCli);
            std::cerr << "password set for '" << *username << "'\n";
            if (*generate) std::cout << password << "\n";
        });
    }
}

}  // namespace drawbridge::app
