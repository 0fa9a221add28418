// The command line: `drawbridge <command> ...`. Every subcommand takes --data-dir and --config,
// every read takes --json, and secrets come from standard input or a prompt, never from argv.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/json.h"
#include "app/node.h"

namespace drawbridge::app {

struct CliContext {
    std::optional<std::filesystem::path> data_dir;
    std::optional<std::filesystem::path> config_file;
    bool json = false;
    std::unique_ptr<Node> node;
    // Storage for option values: CLI11 binds options to variables that must outlive parsing.
    std::vector<std::shared_ptr<void>> values;

    template <typename T>
    T* hold(T initial = T{}) {
        auto p = std::make_shared<T>(std::move(initial));
        values.push_back(p);
        return p.get();
    }

    NodeConfig config();
    // Opens the node on first use. Only `serve` and `init` pass `create_site`; for every other
    // command a missing site is a NoSiteError (reported with where it looked), never a new one.
    Node& open(bool create_site = false);
};

// Reads one secret: a prompt with echo off (asked twice when `confirm`) on a terminal,
// otherwise one line of standard input.
std::string read_secret(const std::string& prompt, bool confirm);
// Reads all of standard input (for public keys).
std::string read_stdin();

// Prints items as a JSON array, each through the to_json overloads of app/json.h.
template <typename T>
void print_json_list(std::ostream& out, const std::vector<T>& items) {
    auto arr = nlohmann::json::array();
    for (const auto& item : items) arr.push_back(to_json(item));
    out << arr.dump(2) << "\n";
}

// Prints rows as aligned columns under a header; control characters in cells are escaped
// (vfs::escape_controls), so that no stored string can forge a row.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

// Parses "key=value" arguments; throws CLI::ValidationError naming a malformed one.
std::vector<std::pair<std::string, std::string>> parse_assignments(
    const std::vector<std::string>& args);

void add_serve_command(CLI::App& app, CliContext& ctx);
void add_init_command(CLI::App& app, CliContext& ctx);
void add_user_commands(CLI::App& app, CliContext& ctx);
void add_key_commands(CLI::App& app, CliContext& ctx);
void add_site_commands(CLI::App& app, CliContext& ctx);
void add_log_commands(CLI::App& app, CliContext& ctx);
void add_password_commands(CLI::App& app, CliContext& ctx);
void add_login_commands(CLI::App& app, CliContext& ctx);
void add_permission_commands(CLI::App& app, CliContext& ctx);
void add_security_commands(CLI::App& app, CliContext& ctx);
void add_mail_commands(CLI::App& app, CliContext& ctx);
void add_node_commands(CLI::App& app, CliContext& ctx);

int run_cli(int argc, char** argv);

}  // namespace drawbridge::app
