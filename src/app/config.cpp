#include "app/config.h"

#include <toml++/toml.h>

#include "core/cidr.h"
#include "core/password_hash.h"

#include <unistd.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <functional>

namespace drawbridge::app {
namespace {

struct Key {
    std::string_view name;  // dotted TOML path
    std::string_view env;
    std::string_view help;
    // Sets the value from text; returns an error describing what is expected.
    std::optional<std::string> (*set)(NodeConfig&, std::string_view);
};

std::optional<std::string> set_region(NodeConfig& c, std::string_view v) {
    if (v.empty()) return "expected a region name";
    for (char ch : v)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return "expected lower-case letters, digits, '-' or '_'";
    c.region = std::string(v);
    return std::nullopt;
}

// A host name's characters, so that a node's name reads the same in every log and listing.
std::optional<std::string> set_node_name(NodeConfig& c, std::string_view v) {
    if (v.empty() || v.size() > 64) return "expected 1 to 64 characters";
    for (char ch : v)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
            return "expected letters, digits, '-', '_' or '.'";
    c.node_name = std::string(v);
    return std::nullopt;
}

std::optional<std::string> set_log_level(NodeConfig& c, std::string_view v) {
    static constexpr std::array levels = {"trace", "debug",    "info", "warn",
                                          "error", "critical", "off"};
    for (auto l : levels)
        if (v == l) {
            c.log_level = std::string(v);
            return std::nullopt;
        }
    return "expected one of trace, debug, info, warn, error, critical, off";
}

std::optional<std::string> set_iterations(NodeConfig& c, std::string_view v) {
    std::uint32_t n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < 1000 ||
        n > core::kMaxPbkdf2Iterations)
        return "expected a whole number from 1000 to " + std::to_string(core::kMaxPbkdf2Iterations);
    c.pbkdf2_iterations = n;
    return std::nullopt;
}

std::optional<std::string> parse_int(std::string_view v, int lo, int hi, int& out) {
    int n = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || n < lo || n > hi)
        return "expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
    out = n;
    return std::nullopt;
}

// Absolute folders, split on commas only: a folder name may hold spaces.
std::optional<std::string> set_root_prefixes(NodeConfig& c, std::string_view v) {
    std::vector<std::filesystem::path> prefixes;
    for (std::size_t start = 0; start <= v.size();) {
        auto end = v.find(',', start);
        if (end == std::string_view::npos) end = v.size();
        std::string item(v.substr(start, end - start));
        start = end + 1;
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (item.empty()) continue;
        const std::filesystem::path p(item);
        if (!p.is_absolute()) return "'" + item + "': expected an absolute folder";
        for (const auto& part : p)
            if (part == "..") return "'" + item + "': must not contain '..'";
        prefixes.push_back(p.lexically_normal());
    }
    c.allowed_root_prefixes = std::move(prefixes);
    return std::nullopt;
}

const std::array kKeys = {
    Key{"data_dir", "DRAWBRIDGE_DATA_DIR", "directory for the database and users' files",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            if (v.empty()) return "expected a directory path";
            c.data_dir = std::string(v);
            return std::nullopt;
        }},
    Key{"files.allowed_root_prefixes", "DRAWBRIDGE_FILES_ALLOWED_ROOT_PREFIXES",
        "absolute folders (comma-separated) outside <data>/files where a user_root may lie "
        "(default none: every root is under <data>/files)",
        set_root_prefixes},
    Key{"database", "DRAWBRIDGE_DATABASE",
        "database: empty for SQLite in the data directory, sqlite:///path/to/file.db, or "
        "postgresql://user@host:port/dbname (a libpq connection URI)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            if (!v.empty() && !v.starts_with("sqlite://") && !v.starts_with("postgresql://") &&
                !v.starts_with("postgres://"))
                return "expected sqlite:///path or postgresql://user@host:port/dbname";
            if (v.starts_with("sqlite://") && v.size() == std::string_view("sqlite://").size())
                return "expected sqlite:///path (the path is missing)";
            c.database = std::string(v);
            return std::nullopt;
        }},
    Key{"region", "DRAWBRIDGE_REGION", "this node's region name (site setting allowed_region)",
        set_region},
    Key{"node_name", "DRAWBRIDGE_NODE_NAME",
        "this node's name in the node registry (default: the host name)", set_node_name},
    Key{"log_level", "DRAWBRIDGE_LOG_LEVEL", "trace, debug, info, warn, error, critical or off",
        set_log_level},
    Key{"security.pbkdf2_iterations", "DRAWBRIDGE_PBKDF2_ITERATIONS",
        "PBKDF2-HMAC-SHA256 iterations for stored passwords (default 600000)", set_iterations},
    Key{"sftp.address", "DRAWBRIDGE_SFTP_ADDRESS",
        "address the SFTP listener binds (default 0.0.0.0)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            if (!core::IpAddress::parse(v)) return "expected an IPv4 or IPv6 address";
            c.sftp_address = std::string(v);
            return std::nullopt;
        }},
    Key{"sftp.port", "DRAWBRIDGE_SFTP_PORT", "SFTP port (default 2022; 0 picks a free one)",
        [](NodeConfig& c, std::string_view v) { return parse_int(v, 0, 65535, c.sftp_port); }},
    Key{"sftp.alt_port", "DRAWBRIDGE_SFTP_ALT_PORT", "a second SFTP port (default none)",
        [](NodeConfig& c, std::string_view v) { return parse_int(v, 0, 65535, c.sftp_alt_port); }},
    Key{"sftp.idle_timeout", "DRAWBRIDGE_SFTP_IDLE_TIMEOUT",
        "seconds before an idle SFTP session is closed (default 120)",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, 5, 86400, c.sftp_idle_timeout);
        }},
    Key{"sftp.workers", "DRAWBRIDGE_SFTP_WORKERS",
        "event-loop threads serving SFTP connections (default 0: one per core)",
        [](NodeConfig& c, std::string_view v) { return parse_int(v, 0, 256, c.sftp_workers); }},
    Key{"sftp.max_handles_per_session", "DRAWBRIDGE_SFTP_MAX_HANDLES_PER_SESSION",
        "open files and folders one SFTP session may hold (default 256)",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, 1, 65536, c.sftp_max_handles_per_session);
        }},
    Key{"sftp.max_handles_per_user", "DRAWBRIDGE_SFTP_MAX_HANDLES_PER_USER",
        "open files and folders one user may hold across its SFTP sessions (default 1024)",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, 1, 1048576, c.sftp_max_handles_per_user);
        }},
    Key{"ftp.address", "DRAWBRIDGE_FTP_ADDRESS", "address the FTP listeners bind (default 0.0.0.0)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            if (!core::IpAddress::parse(v)) return "expected an IPv4 or IPv6 address";
            c.ftp_address = std::string(v);
            return std::nullopt;
        }},
    Key{"ftp.port", "DRAWBRIDGE_FTP_PORT",
        "FTP port: explicit FTPS, and plain FTP where allowed (default 2121; 0 picks a free one)",
        [](NodeConfig& c, std::string_view v) { return parse_int(v, 0, 65535, c.ftp_port); }},
    Key{"ftp.implicit_port", "DRAWBRIDGE_FTP_IMPLICIT_PORT",
        "implicit FTPS port (default 9990; -1 none; 0 picks a free one)",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, -1, 65535, c.ftp_implicit_port);
        }},
    Key{"ftp.passive_port_min", "DRAWBRIDGE_FTP_PASSIVE_PORT_MIN",
        "lowest passive data port (default 0: any free port)",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, 0, 65535, c.ftp_passive_port_min);
        }},
    Key{"ftp.passive_port_max", "DRAWBRIDGE_FTP_PASSIVE_PORT_MAX",
        "highest passive data port (default 0: any free port)",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, 0, 65535, c.ftp_passive_port_max);
        }},
    Key{"ftp.passive_address", "DRAWBRIDGE_FTP_PASSIVE_ADDRESS",
        "IPv4 address announced in PASV replies, for a server behind NAT (default: the local one)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            const auto ip = core::IpAddress::parse(v);
            if (!v.empty() && (!ip || !ip->v4)) return "expected an IPv4 address";
            c.ftp_passive_address = std::string(v);
            return std::nullopt;
        }},
    Key{"ftp.idle_timeout", "DRAWBRIDGE_FTP_IDLE_TIMEOUT",
        "seconds before an idle FTP session is closed (default 120)",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, 5, 86400, c.ftp_idle_timeout);
        }},
    Key{"tls.cert", "DRAWBRIDGE_TLS_CERT",
        "PEM certificate chain for FTPS and HTTPS (default <data>/tls/server.crt, self-signed "
        "on first start)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            c.tls_cert = std::string(v);
            return std::nullopt;
        }},
    Key{"tls.key", "DRAWBRIDGE_TLS_KEY",
        "PEM private key for FTPS and HTTPS (default <data>/tls/server.key)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            c.tls_key = std::string(v);
            return std::nullopt;
        }},
    Key{"geoip.database", "DRAWBRIDGE_GEOIP_DATABASE",
        "GeoIP country database (.mmdb) for allowed/disallowed countries (default none: no "
        "country checks)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            c.geoip_database = std::string(v);
            return std::nullopt;
        }},
    Key{"proxy.trusted", "DRAWBRIDGE_PROXY_TRUSTED",
        "load balancers (comma-separated CIDRs) that must send a PROXY protocol v1/v2 header "
        "(default none)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            std::string error;
            if (!core::parse_cidr_list(core::split_list(v), &error)) return error;
            c.proxy_trusted = std::string(v);
            return std::nullopt;
        }},
    Key{"http.address", "DRAWBRIDGE_HTTP_ADDRESS",
        "address the HTTPS (REST API, WebDAV) listener binds (default 0.0.0.0)",
        [](NodeConfig& c, std::string_view v) -> std::optional<std::string> {
            if (!core::IpAddress::parse(v)) return "expected an IPv4 or IPv6 address";
            c.http_address = std::string(v);
            return std::nullopt;
        }},
    Key{"http.port", "DRAWBRIDGE_HTTP_PORT",
        "HTTPS port (default 8443; 0 picks a free one; -1 turns HTTPS off)",
        [](NodeConfig& c, std::string_view v) { return parse_int(v, -1, 65535, c.http_port); }},
    Key{"http.plain_port", "DRAWBRIDGE_HTTP_PLAIN_PORT",
        "plain (unencrypted) HTTP port (default -1: none; 0 picks a free one); logins there "
        "follow the site setting ssl_required",
        [](NodeConfig& c, std::string_view v) {
            return parse_int(v, -1, 65535, c.http_plain_port);
        }},
    Key{"http.threads", "DRAWBRIDGE_HTTP_THREADS",
        "threads serving HTTP connections (default 0: one per core)",
        [](NodeConfig& c, std::string_view v) { return parse_int(v, 0, 256, c.http_threads); }},
};

std::string node_text(const toml::node& n) {
    if (auto s = n.value<std::string>()) return *s;
    if (auto i = n.value<std::int64_t>()) return std::to_string(*i);
    if (auto b = n.value<bool>()) return *b ? "true" : "false";
    return "";
}

// Walks the table and refuses any key the table above does not know.
void read_table(const toml::table& table, const std::string& prefix, NodeConfig& c,
                const std::string& file) {
    for (const auto& [k, node] : table) {
        const std::string name = prefix + std::string(k.str());
        const auto line = std::to_string(node.source().begin.line);
        if (const auto* sub = node.as_table()) {
            read_table(*sub, name + ".", c, file);
            continue;
        }
        const Key* key = nullptr;
        for (const auto& candidate : kKeys)
            if (candidate.name == name) key = &candidate;
        if (!key) throw ConfigError(file + ":" + line + ": unknown key '" + name + "'");
        if (!node.is_string() && !node.is_integer() && !node.is_boolean())
            throw ConfigError(file + ":" + line + ": '" + name + "' must be a string or a number");
        if (auto e = key->set(c, node_text(node)))
            throw ConfigError(file + ":" + line + ": " + name + ": " + *e);
    }
}

}  // namespace

std::string NodeConfig::node() const {
    if (!node_name.empty()) return node_name;
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    return host[0] ? host : "drawbridge";
}

std::filesystem::path NodeConfig::database_file() const {
    if (database.starts_with("sqlite://"))
        return database.substr(std::string_view("sqlite://").size());
    return data_dir / "drawbridge.db";
}

// user:password@ and password=... are dropped: a log line never holds a secret.
std::string NodeConfig::database_label() const {
    if (!uses_postgres()) return std::filesystem::absolute(database_file()).lexically_normal();
    std::string uri = database;
    const auto scheme_end = uri.find("://") + 3;
    const auto at = uri.find('@', scheme_end);
    const auto colon = uri.find(':', scheme_end);
    if (at != std::string::npos && colon != std::string::npos && colon < at)
        uri.erase(colon, at - colon);
    for (auto p = uri.find("password="); p != std::string::npos; p = uri.find("password=", p)) {
        const auto end = uri.find('&', p);
        uri.erase(p + 9, end == std::string::npos ? std::string::npos : end - p - 9);
        uri.insert(p + 9, "***");
        p += 12;
    }
    return uri;
}

NodeConfig load_config(const std::optional<std::filesystem::path>& file,
                       const std::optional<std::filesystem::path>& data_dir_flag) {
    NodeConfig c;
    if (file) {
        toml::table table;
        try {
            table = toml::parse_file(file->string());
        } catch (const toml::parse_error& e) {
            throw ConfigError(file->string() + ":" + std::to_string(e.source().begin.line) + ": " +
                              std::string(e.description()));
        }
        read_table(table, "", c, file->string());
    }
    for (const auto& key : kKeys) {
        if (const char* v = std::getenv(std::string(key.env).c_str()))
            if (auto e = key.set(c, v)) throw ConfigError(std::string(key.env) + ": " + *e);
    }
    if (data_dir_flag) c.data_dir = *data_dir_flag;
    return c;
}

std::string describe_config_keys() {
    std::string out;
    for (const auto& key : kKeys)
        out += "  " + std::string(key.name) + " (" + std::string(key.env) +
               "): " + std::string(key.help) + "\n";
    return out;
}

std::string_view config_key_env(std::string_view key) {
    for (const auto& k : kKeys)
        if (k.name == key) return k.env;
    return {};
}

}  // namespace drawbridge::app
