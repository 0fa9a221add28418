// `drawbridge login check` (why would this user be refused?) and `login try` (a real attempt).
#include <iostream>

#include "app/cli.h"
#include "app/json.h"
#include "core/cidr.h"
#include "vfs/listing.h"

namespace drawbridge::app {

void add_login_commands(CLI::App& app, CliContext& ctx) {
    auto* login = app.add_subcommand("login", "explain or try logins");
    login->require_subcommand(1);
    const std::string protocols = "sftp, ftp, dav, restapi, web or cli";
    {
        auto* check = login->add_subcommand(
            "check",
            "list every reason, other than the credential itself, for which USER would be refused "
            "right now (records nothing); exits 1 when there is one, 0 when none");
        auto* username = ctx.hold<std::string>();
        auto* protocol = ctx.hold<std::string>();
        auto* ip = ctx.hold<std::string>();
        check->add_option("username", *username)->required();
        check->add_option("--protocol", *protocol, protocols)->required();
        check->add_option("--ip", *ip, "client address")->required();
        check->add_flag("--json", ctx.json, "print JSON");
        check->callback([&ctx, username, protocol, ip, protocols] {
            const auto interface = core::parse_interface(*protocol);
            if (!interface) throw CLI::ValidationError("--protocol: expected " + protocols);
            if (!core::IpAddress::parse(*ip))
                throw CLI::ValidationError("--ip: '" + *ip + "' is not an IP address");
            const auto reasons = ctx.open().gate->explain(*username, *interface, *ip);
            if (ctx.json) {
                nlohmann::json arr = nlohmann::json::array();
                for (const auto& r : reasons) arr.push_back(to_json(r));
                std::cout << nlohmann::json{{"username", *username},
                                            {"protocol", *protocol},
                                            {"ip", *ip},
                                            {"refused", !reasons.empty()},
                                            {"reasons", arr}}
                                 .dump(2)
                          << "\n";
                if (!reasons.empty()) throw CLI::RuntimeError(1);  // scripts test the exit code
                return;
            }
            if (reasons.empty()) {
                std::cout << "'" << vfs::escape_controls(*username) << "' may log in over "
                          << *protocol << " from " << *ip << " with a valid credential\n";
                return;
            }
            std::vector<std::vector<std::string>> rows;
            for (const auto& r : reasons) {
                std::string kinds;
                for (auto k : r.applies_to)
                    kinds += (kinds.empty() ? "" : ",") + std::string(auth::to_string(k));
                rows.push_back(
                    {std::string(core::to_string(r.refusal.reason)), kinds, r.refusal.detail});
            }
            print_table(std::cout, {"failure_type", "applies_to", "detail"}, rows);
            throw CLI::RuntimeError(1);
        });
    }
    {
        auto* attempt = login->add_subcommand(
            "try",
            "a real login attempt over the cli interface, password (or API key for "
            "@api-<id or name>) from standard input; recorded in the action log");
        auto* username = ctx.hold<std::string>();
        auto* ip = ctx.hold<std::string>("127.0.0.1");
        attempt->add_option("username", *username)->required();
        attempt->add_option("--ip", *ip, "client address to record (default 127.0.0.1)");
        attempt->add_flag("--json", ctx.json, "print JSON");
        attempt->callback([&ctx, username, ip] {
            core::LoginAttempt a;
            a.username = *username;
            a.interface = core::Interface::cli;
            a.client_ip = *ip;
            a.credential = core::PasswordCredential{read_secret("password", false)};
            const auto outcome = ctx.open().gate->attempt(a);
            const auto& info = core::info(outcome.reason);
            if (ctx.json) {
                std::cout << nlohmann::json{{"success", outcome.ok()},
                                            {"failure_type", info.failure_type},
                                            {"title", info.title},
                                            {"detail", outcome.detail}}
                                 .dump(2)
                          << "\n";
            } else if (outcome.ok()) {
                std::cout << "login succeeded for '" << vfs::escape_controls(outcome.user->username)
                          << "'\n";
            } else {
                std::cout << "login refused: " << info.failure_type << ": "
                          << vfs::escape_controls(outcome.detail) << "\n";
            }
            if (!outcome.ok()) throw CLI::RuntimeError(1);
        });
    }
}

}  // namespace drawbridge::app
