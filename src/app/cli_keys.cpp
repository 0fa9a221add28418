// `drawbridge apikey ...` and `drawbridge sshkey ...`.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli.h"
#include "app/json.h"

namespace drawbridge::app {
namespace {

const auth::Actor kCli{core::Interface::cli, ""};

std::string or_dash(const std::optional<core::UnixTime>& t) {
    return t ? core::format_time(*t) : "-";
}

void add_apikey_commands(CLI::App& app, CliContext& ctx) {
    auto* apikey =
        app.add_subcommand("apikey", "API keys (also usable as passwords with @api-<id or name>)");
    apikey->require_subcommand(1);
    {
        auto* create = apikey->add_subcommand("create", "create a key; its secret is printed once");
        auto* username = ctx.hold<std::string>();
        auto* name = ctx.hold<std::string>();
        auto* description = ctx.hold<std::string>();
        auto* expires = ctx.hold<std::string>();
        create->add_option("username", *username)->required();
        create->add_option("--name", *name, "key name, unique for the user")->required();
        create->add_option("--description", *description);
        create->add_option("--expires", *expires, "expiry date (YYYY-MM-DD or ISO 8601 UTC)");
        create->add_flag("--json", ctx.json, "print JSON (with the secret, once)");
        create->callback([&ctx, username, name, description, expires] {
            std::optional<core::UnixTime> expires_at;
            if (!expires->empty()) {
                expires_at = core::parse_time(*expires);
                if (!expires_at)
                    throw CLI::ValidationError(
                        "--expires: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
            }
            auto created = ctx.open().accounts->create_api_key(*username, *name, *description,
                                                               expires_at, kCli);
            if (ctx.json) {
                auto j = to_json(created.key);
                j["key"] = created.secret;
                std::cout << j.dump(2) << "\n";
                return;
            }
            std::cerr << "created API key '" << created.key.name << "' (id " << created.key.id
                      << ") for '" << *username << "'; the key is shown only now:\n";
            std::cout << created.secret << "\n";
        });
    }
    {
        auto* list = apikey->add_subcommand("list", "list a user's API keys");
        auto* username = ctx.hold<std::string>();
        list->add_option("username", *username)->required();
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx, username] {
            const auto keys = ctx.open().accounts->list_api_keys(*username);
            if (ctx.json) return print_json_list(std::cout, keys);
            std::vector<std::vector<std::string>> rows;
            for (const auto& k : keys)
                rows.push_back({std::to_string(k.id), k.name, core::format_time(k.created_at),
                                or_dash(k.expires_at), or_dash(k.last_use_at),
                                k.description.empty() ? "-" : k.description});
            print_table(std::cout,
                        {"id", "name", "created_at", "expires_at", "last_use_at", "description"},
                        rows);
        });
    }
    {
        auto* revoke = apikey->add_subcommand("revoke", "revoke one API key");
        auto* username = ctx.hold<std::string>();
        auto* which = ctx.hold<std::string>();
        revoke->add_option("username", *username)->required();
        revoke->add_option("key", *which, "the key's id or name")->required();
        revoke->callback([&ctx, username, which] {
            ctx.open().accounts->revoke_api_key(*username, *which, kCli);
            std::cerr << "revoked API key '" << *which << "' of '" << *username << "'\n";
        });
    }
}

void add_sshkey_commands(CLI::App& app, CliContext& ctx) {
    auto* sshkey = app.add_subcommand("sshkey", "SSH public keys for SFTP logins");
    sshkey->require_subcommand(1);
    {
        auto* add = sshkey->add_subcommand(
            "add", "add an OpenSSH public key (from --file or standard input)");
        auto* username = ctx.hold<std::string>();
        auto* title = ctx.hold<std::string>();
        auto* file = ctx.hold<std::string>();
        add->add_option("username", *username)->required();
        add->add_option("--title", *title, "a name for the key (default: its comment)");
        add->add_option("--file", *file, "a .pub file")->check(CLI::ExistingFile);
        add->add_flag("--json", ctx.json, "print JSON");
        add->callback([&ctx, username, title, file] {
            std::string line;
            if (!file->empty()) {
                std::ifstream in(*file);
                std::ostringstream ss;
                ss << in.rdbuf();
                line = ss.str();
            } else {
                line = read_stdin();
            }
            const auto key = ctx.open().accounts->add_ssh_key(*username, line, *title, kCli);
            if (ctx.json) {
                std::cout << to_json(key).dump(2) << "\n";
                return;
            }
            std::cerr << "added " << key.key_type << " key " << key.fingerprint_sha256 << " (id "
                      << key.id << ") for '" << *username << "'\n";
        });
    }
    {
        auto* list = sshkey->add_subcommand("list", "list a user's SSH keys");
        auto* username = ctx.hold<std::string>();
        list->add_option("username", *username)->required();
        list->add_flag("--json", ctx.json, "print JSON");
        list->callback([&ctx, username] {
            const auto keys = ctx.open().accounts->list_ssh_keys(*username);
            if (ctx.json) return print_json_list(std::cout, keys);
            std::vector<std::vector<std::string>> rows;
            for (const auto& k : keys)
                rows.push_back({std::to_string(k.id), k.title, k.key_type, k.fingerprint_sha256,
                                core::format_time(k.created_at), or_dash(k.last_login_at)});
            print_table(
                std::cout,
                {"id", "title", "key_type", "fingerprint_sha256", "created_at", "last_login_at"},
                rows);
        });
    }
    {
        auto* remove = sshkey->add_subcommand("remove", "remove one SSH key");
        auto* username = ctx.hold<std::string>();
        auto* which = ctx.hold<std::string>();
        remove->add_option("username", *username)->required();
        remove->add_option("key", *which, "the key's id or SHA256 fingerprint")->required();
        remove->callback([&ctx, username, which] {
            ctx.open().accounts->remove_ssh_key(*username, *which, kCli);
            std::cerr << "removed SSH key '" << *which << "' of '" << *username << "'\n";
        });
    }
}

}  // namespace

void add_key_commands(CLI::App& app, CliContext& ctx) {
    add_apikey_commands(app, ctx);
    add_sshkey_commands(app, ctx);
}

}  // namespace drawbridge::app
