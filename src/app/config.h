// Node configuration (drawbridge.toml): what differs between the machines of one site.
// Precedence: built-in defaults < the file < DRAWBRIDGE_* environment variables < flags.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace drawbridge::app {

struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct NodeConfig {
    std::filesystem::path data_dir = "./data";
    // Absolute folders outside <data>/files under which a user_root may lie (docs/user-roots.md).
    std::vector<std::filesystem::path> allowed_root_prefixes;
    // empty: SQLite at <data_dir>/drawbridge.db; sqlite:///path; or a PostgreSQL connection
    // URI, postgresql://user@host:port/db (docs/store.md#postgresql).
    std::string database;
    std::string region = "default";
    std::string node_name;  // empty: the host name (NodeConfig::node())
    std::string log_level = "info";
    std::uint32_t pbkdf2_iterations = 600000;
    // SFTP: unprivileged ports by default, so as not to collide with the machine's own sshd.
    std::string sftp_address = "0.0.0.0";
    int sftp_port = 2022;    // 0: any free port (printed at start)
    int sftp_alt_port = -1;  // a second port for networks that block the first; -1: none
    int sftp_idle_timeout = 120;
    int sftp_workers = 0;  // event-loop threads; 0: one per core
    // Open handles (files, folders) one SFTP session, and one user across sessions, may hold.
    int sftp_max_handles_per_session = 256;
    int sftp_max_handles_per_user = 1024;
    // FTP: explicit FTPS (and plain FTP where the site allows it) and implicit FTPS.
    std::string ftp_address = "0.0.0.0";
    int ftp_port = 2121;           // 0: any free port (printed at start)
    int ftp_implicit_port = 9990;  // -1: none; 0: any free port
    int ftp_passive_port_min = 0;  // 0: any free port for passive data connections
    int ftp_passive_port_max = 0;
    std::string ftp_passive_address;  // announced in PASV replies (behind NAT)
    int ftp_idle_timeout = 120;
    // The node's certificate for FTPS and HTTPS; empty: <data>/tls/server.crt and .key,
    // generated self-signed on first start.
    std::filesystem::path tls_cert;
    std::filesystem::path tls_key;
    // GeoIP country database (mmdb); empty: allowed/disallowed countries are not checked.
    std::filesystem::path geoip_database;
    // Load balancers allowed to send a PROXY protocol (v1 or v2) header, comma-separated CIDRs.
    // A connection from one of them must start with the header; from anyone else it must not.
    std::string proxy_trusted;
    // HTTPS (REST API and WebDAV); plain HTTP only when a port is configured.
    std::string http_address = "0.0.0.0";
    int http_port = 8443;      // 0: any free port (printed at start); -1: no HTTPS
    int http_plain_port = -1;  // -1: no plain HTTP
    int http_threads = 0;      // io_context threads; 0: one per core

    // The SQLite file (meaningless when uses_postgres()).
    std::filesystem::path database_file() const;
    // The name of this node in the registry and its job claims: node_name or the host name.
    std::string node() const;
    bool uses_postgres() const {
        return database.starts_with("postgresql://") || database.starts_with("postgres://");
    }
    // The database for logs and messages: the SQLite file's absolute path, or the PostgreSQL
    // URI with any password left out.
    std::string database_label() const;
    std::filesystem::path files_dir() const { return data_dir / "files"; }
    std::filesystem::path host_key_dir() const { return data_dir / "host_keys"; }
    // The node's TLS certificate and key (generated self-signed on first start).
    std::filesystem::path tls_dir() const { return data_dir / "tls"; }
};

// Reads `file` (if given), then the environment, then the --data-dir flag. Unknown keys,
// wrong types and out-of-range values are errors that name the key and the file.
NodeConfig load_config(const std::optional<std::filesystem::path>& file,
                       const std::optional<std::filesystem::path>& data_dir_flag);

// The keys, their environment variables and meaning, for --help and the docs.
std::string describe_config_keys();
// The environment variable of a key ("sftp.port" -> "DRAWBRIDGE_SFTP_PORT"); empty if unknown.
std::string_view config_key_env(std::string_view key);

}  // namespace drawbridge::app
