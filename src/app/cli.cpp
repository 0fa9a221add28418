#include "app/cli.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "auth/accounts.h"
#include "store/store.h"
#include "vfs/listing.h"

namespace drawbridge::app {

NodeConfig CliContext::config() {
    return load_config(config_file, data_dir);
}

Node& CliContext::open(bool create_site) {
    if (!node) node = open_node(config(), create_site);
    return *node;
}

namespace {

std::string read_line_no_echo() {
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return line;
}

}  // namespace

std::string read_secret(const std::string& prompt, bool confirm) {
    if (isatty(STDIN_FILENO)) {
        std::cerr << prompt << ": " << std::flush;
        std::string first = read_line_no_echo();
        if (confirm) {
            std::cerr << "again: " << std::flush;
            if (read_line_no_echo() != first) throw auth::AccountError("the two entries differ");
        }
        return first;
    }
    std::string line;
    if (!std::getline(std::cin, line))
        throw auth::AccountError("expected " + prompt + " on standard input");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::string read_stdin() {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& raw_rows) {
    // Cells hold what users control (names, paths, log details): a CR or LF in one would
    // forge a row, an escape sequence would drive the terminal. JSON output escapes by itself.
    std::vector<std::vector<std::string>> rows;
    rows.reserve(raw_rows.size());
    for (const auto& raw : raw_rows) {
        auto& row = rows.emplace_back();
        for (const auto& cell : raw) row.push_back(vfs::escape_controls(cell));
    }
    std::vector<std::size_t> width(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
        std::string s;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            s += cells[i];
            if (i + 1 < cells.size()) s += std::string(width[i] - cells[i].size() + 2, ' ');
        }
        out << s << "\n";
    };
    line(header);
    for (const auto& row : rows) line(row);
}

std::vector<std::pair<std::string, std::string>> parse_assignments(
    const std::vector<std::string>& args) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& a : args) {
        const auto eq = a.find('=');
        if (eq == std::string::npos || eq == 0)
            throw CLI::ValidationError("'" + a + "': expected key=value");
        out.emplace_back(a.substr(0, eq), a.substr(eq + 1));
    }
    return out;
}

int run_cli(int argc, char** argv) {
    CLI::App app{"drawbridge: a managed-file-transfer server (SFTP, FTP/FTPS, WebDAV, REST API)"};
    app.require_subcommand(1);
    app.fallthrough();
    app.set_version_flag("--version", "drawbridge " DRAWBRIDGE_VERSION);
    CliContext ctx;
    app.add_option("--data-dir", ctx.data_dir, "data directory (default ./data)");
    app.add_option("--config", ctx.config_file, "node configuration file (drawbridge.toml)")
        ->check(CLI::ExistingFile);
    app.footer("Node configuration keys (drawbridge.toml, or the environment):\n" +
               describe_config_keys());

    add_serve_command(app, ctx);
    add_init_command(app, ctx);
    add_user_commands(app, ctx);
    add_key_commands(app, ctx);
    add_site_commands(app, ctx);
    add_log_commands(app, ctx);
    add_password_commands(app, ctx);
    add_login_commands(app, ctx);
    add_permission_commands(app, ctx);
    add_security_commands(app, ctx);
    add_mail_commands(app, ctx);
    add_node_commands(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const auth::AccountError& e) {
        std::cerr << "drawbridge: " << e.what() << "\n";
        return 1;
    } catch (const NoSiteError& e) {
        std::cerr << "drawbridge: " << e.what() << ".\n"
                  << "  `drawbridge serve` creates a site there on its first start, `drawbridge "
                     "init` without serving;\n"
                  << "  for another site give --data-dir DIR, or --config FILE with data_dir.\n";
        return 1;
    } catch (const ConfigError& e) {
        std::cerr << "drawbridge: configuration: " << e.what() << "\n";
        return 1;
    } catch (const store::StoreError& e) {
        std::cerr << "drawbridge: database: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        // Anything else still ends with one line and a non-zero exit, never std::terminate.
        std::cerr << "drawbridge: " << e.what() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace drawbridge::app
