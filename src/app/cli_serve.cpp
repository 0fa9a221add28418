// `drawbridge serve`: initialise the data directory and run the node until a signal stops it.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <initializer_list>
#include <iostream>

#include "app/cli.h"
#include "app/node_heartbeat.h"
#include "core/cidr.h"
#include "core/listen_error.h"
#include "core/tls_certificate.h"
#include "ftp/server.h"
#include "http/router.h"
#include "http/server.h"
#include "sftp/server.h"

namespace drawbridge::app {
namespace {

// First start: an administrator whose generated password is printed once, here and nowhere
// else (it is stored only as a hash).
void bootstrap_admin(Node& node) {
    if (node.store->count_users() > 0) return;
    auth::NewUser spec;
    spec.username = "admin";
    spec.fields = {{"site_admin", "true"}};
    const std::string password = node.accounts->generate_password();
    spec.password = password;
    node.accounts->create_user(spec, {core::Interface::cli, ""});
    std::cerr << "\n  First start: created the site administrator.\n"
              << "    username: admin\n"
              << "    password: " << password << "\n"
              << "  This password is shown only now. Change it with:\n"
              << "    drawbridge user password admin --data-dir " << node.config.data_dir.string()
              << "\n\n";
}

// The configured certificate, or the generated one under <data>/tls/.
core::TlsCertificatePaths node_certificate(const NodeConfig& config) {
    if (!config.tls_cert.empty()) return {config.tls_cert, config.tls_key};
    return core::ensure_tls_certificate(config.tls_dir());
}

ftp::ServerOptions ftp_options(const NodeConfig& config) {
    ftp::ServerOptions o;
    o.address = config.ftp_address;
    o.port = config.ftp_port;
    o.implicit_port = config.ftp_implicit_port;
    o.passive_port_min = config.ftp_passive_port_min;
    o.passive_port_max = config.ftp_passive_port_max;
    o.passive_address = config.ftp_passive_address;
    o.idle_timeout_seconds = config.ftp_idle_timeout;
    const auto tls = node_certificate(config);
    o.cert_file = tls.certificate;
    o.key_file = tls.private_key;
    o.proxy_trusted = core::split_list(config.proxy_trusted);
    return o;
}

// Every connection, open file and listing takes a descriptor; the usual soft limit of 1024
// would be reached long before the hard one. Raised once, for the whole process.
void raise_open_file_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        spdlog::warn("cannot read the open file limit: {}", std::strerror(errno));
        return;
    }
    if (lim.rlim_cur < lim.rlim_max) {
        const rlim_t before = lim.rlim_cur;
        lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
            spdlog::warn("cannot raise the open file limit from {}: {}", before,
                         std::strerror(errno));
            return;
        }
    }
    spdlog::info("open file limit {}", lim.rlim_cur);
}

// Starts one server, whose start() binds its listeners first. A port that cannot be bound
// ends `serve` with one line naming the address, the port and the key that changes it (exit 1),
// not an uncaught exception. `keys` are the port keys in the server's listener order.
template <typename Start>
void start_listeners(std::string_view protocol, std::string_view address_key,
                     std::initializer_list<std::string_view> keys, Start&& start) {
    try {
        start();
    } catch (const core::ListenError& e) {
        const bool address_problem = e.code().value() == EADDRNOTAVAIL;
        const std::string_view key =
            address_problem ? address_key : *(keys.begin() + std::min(e.listener, keys.size() - 1));
        std::cerr << "drawbridge: " << protocol << " cannot listen on " << e.address << ":"
                  << e.port << ": " << e.code().message() << "; change it with " << key << " ("
                  << config_key_env(key) << ")"
                  << (address_problem ? "" : ", or 0 for any free port") << "\n";
        throw CLI::RuntimeError(1);
    }
}

// What the site asks that this node cannot do: country rules without a usable GeoIP database
// (the gate refuses the logins they would check), and settings stored before they were refused
// as not implemented.
void report_site_checks(Node& node) {
    const auto site = node.store->load_site_settings();
    const bool country_rules =
        !site.allowed_countries.empty() || !site.disallowed_countries.empty();
    const auto problem = node.gate->country_database_problem();
    if (!problem)
        spdlog::info("GeoIP country database {}", node.config.geoip_database.string());
    else if (country_rules)
        spdlog::error(
            "country rules are set (allowed_countries/disallowed_countries) but {}: logins from "
            "public addresses are refused (geoip_unavailable) until the database is available or "
            "the rules are cleared",
            *problem);
    else if (!node.config.geoip_database.empty())
        spdlog::warn("{}; allowed_countries and disallowed_countries cannot be set until it is",
                     *problem);
    for (const auto& setting : core::unimplemented_settings_in_use(site))
        spdlog::warn(
            "site setting {} is stored, but not implemented yet: nothing acts on it (set it "
            "back to its default)",
            setting);
}

// This node as the registry shows it: its name, region, version and what it listens on.
core::NodeRecord registry_record(const NodeConfig& config, Node& node,
                                 const std::vector<int>& sftp_ports, int ftp_port, int ftps_port,
                                 int https_port, int http_port) {
    core::NodeRecord r;
    r.name = config.node();
    r.region = config.region;
    r.version =
        "drawbridge " DRAWBRIDGE_VERSION ", schema " + std::to_string(node.store->schema_version());
    std::string& l = r.listeners;
    auto add = [&l](const char* what, const std::string& address, int port) {
        if (port < 0) return;
        if (!l.empty()) l += ", ";
        l += std::string(what) + " " + address + ":" + std::to_string(port);
    };
    for (int p : sftp_ports) add("sftp", config.sftp_address, p);
    add("ftp", config.ftp_address, ftp_port);
    add("ftps", config.ftp_address, ftps_port);
    add("https", config.http_address, https_port);
    add("http", config.http_address, http_port);
    return r;
}

}  // namespace

void add_init_command(CLI::App& app, CliContext& ctx) {
    auto* init = app.add_subcommand(
        "init",
        "create a site (data directory, database, files folder) without serving; `serve` "
        "does the same on its first start and also creates the administrator");
    init->callback([&ctx] {
        const NodeConfig config = ctx.config();
        std::error_code ec;
        const bool existed =
            config.uses_postgres() || std::filesystem::exists(config.database_file(), ec);
        Node& node = ctx.open(true);
        std::cerr << (existed ? "a site already exists at " : "created a site at ")
                  << std::filesystem::absolute(config.data_dir).lexically_normal().string()
                  << " (database " << config.database_label() << ", " << node.store->count_users()
                  << " user(s))\n";
    });
}

void add_serve_command(CLI::App& app, CliContext& ctx) {
    auto* serve = app.add_subcommand("serve", "run the server (until SIGINT or SIGTERM)");
    serve->callback([&ctx] {
        const NodeConfig config = ctx.config();
        spdlog::set_level(spdlog::level::from_str(config.log_level));
        spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
        // Block the stop signals before any thread starts, so that sigwait below receives them.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, nullptr);

        Node& node = ctx.open(true);
        spdlog::info("data directory {}", std::filesystem::absolute(config.data_dir).string());
        spdlog::info("database {} ({}, schema version {})", config.database_label(),
                     config.uses_postgres() ? "PostgreSQL" : "SQLite",
                     node.store->schema_version());
        spdlog::info("users' files under {}",
                     std::filesystem::absolute(config.files_dir()).string());
        spdlog::info("region '{}', PBKDF2 iterations {}", config.region, config.pbkdf2_iterations);
        // Before any listener accepts a login, which would create an empty id-named root.
        store::UserFilter everyone;
        everyone.limit = INT32_MAX;
        node.roots->adopt_named_roots(node.store->list_users(everyone));
        raise_open_file_limit();

        sftp::ServerOptions sftp_options;
        sftp_options.address = config.sftp_address;
        sftp_options.ports = {config.sftp_port};
        if (config.sftp_alt_port >= 0) sftp_options.ports.push_back(config.sftp_alt_port);
        sftp_options.host_key_dir = config.host_key_dir();
        sftp_options.idle_timeout_seconds = config.sftp_idle_timeout;
        sftp_options.workers = config.sftp_workers;
        sftp_options.max_handles_per_session =
            static_cast<std::size_t>(config.sftp_max_handles_per_session);
        sftp_options.max_handles_per_user =
            static_cast<std::size_t>(config.sftp_max_handles_per_user);
        sftp_options.proxy_trusted = core::split_list(config.proxy_trusted);
        if (!sftp_options.proxy_trusted.empty())
            spdlog::info("PROXY protocol required from {}", config.proxy_trusted);
        report_site_checks(node);
        sftp_options.open_files = file_session_opener(node);
        // One pool decides the logins of every listener, by the addresses' records
        // (docs/login-gate.md#hashing-pool); declared first, it outlives them.
        auth::LoginPool logins(*node.gate);
        sftp::Server sftp_server(sftp_options, logins, *node.log);
        ftp::ServerOptions ftp_opts = ftp_options(config);
        ftp_opts.open_files = file_session_opener(node);
        ftp::Server ftp_server(std::move(ftp_opts), logins, *node.log, *node.store);

        http::Services http_services{.gate = *node.gate,
                                     .log = *node.log,
                                     .store = *node.store,
                                     .accounts = *node.accounts,
                                     .second_factors = *node.second_factors,
                                     .mail = *node.mail,
                                     .open_files = file_session_opener(node)};
        http::ServerOptions http_options;
        http_options.address = config.http_address;
        http_options.https_port = config.http_port;
        http_options.plain_port = config.http_plain_port;
        http_options.threads = config.http_threads;
        http_options.logins = &logins;
        http_options.drain = [&node] { node.log->flush(); };
        http_options.proxy_trusted = core::split_list(config.proxy_trusted);
        if (config.http_port >= 0) {
            const auto tls = node_certificate(config);
            http_options.certificate = tls.certificate;
            http_options.private_key = tls.private_key;
        }
        http_options.make_handler = [&http_services](const std::string& ip, bool) {
            return http::make_router(http_services, ip);
        };
        // One gate call per connection, with the client's address (the PROXY header's behind a
        // trusted balancer), as on the other listeners (logged as interface restapi; the same
        // port also carries WebDAV).
        http_options.admit = [&node](const std::string& ip) {
            return !node.gate->admit_connection(core::Interface::restapi, ip);
        };
        http::Server http_server(http_options);

        // Every listener is bound before anything is created or printed: a port already taken
        // ends the start here, not after a first start has shown (and lost) its password.
        start_listeners("sftp", "sftp.address", {"sftp.port", "sftp.alt_port"},
                        [&] { sftp_server.start(); });
        start_listeners("ftp", "ftp.address", {"ftp.port", "ftp.implicit_port"},
                        [&] { ftp_server.start(); });
        start_listeners("http", "http.address", {"http.port", "http.plain_port"},
                        [&] { http_server.start(); });
        bootstrap_admin(node);
        spdlog::info("{} user(s)", node.store->count_users());
        // Mail goes out from here only (docs/mail.md): the CLI queues, the server sends.
        // The claim of scheduled jobs names this node by host and database, so that a restart
        // takes its own claim back at once and another node waits for it to lapse.
        char host[256] = {0};
        gethostname(host, sizeof host - 1);
        const std::string node_id =
            std::string(host) + ":" +
            (config.uses_postgres() ? config.database_label()
                                    : std::filesystem::absolute(config.database_file()).string());
        mail::Sender mail_sender(*node.outbox, std::make_unique<mail::SmtpTransport>(),
                                 [&node, node_id] { node.mail->send_reminders(node_id); });
        node.mail->on_queued([&mail_sender] { mail_sender.wake(); });

        for (int port : sftp_server.bound_ports())
            spdlog::info("sftp listening on {}:{} (connect: sftp -P {} admin@<host>)",
                         config.sftp_address, port, port);
        spdlog::info("ftp listening on {}:{} (explicit FTPS: AUTH TLS)", config.ftp_address,
                     ftp_server.port());
        if (ftp_server.implicit_port() >= 0)
            spdlog::info("ftps (implicit) listening on {}:{}", config.ftp_address,
                         ftp_server.implicit_port());
        if (http_server.https_port() >= 0)
            spdlog::info("https listening on {}:{} (WebDAV: https://<host>:{}/dav/)",
                         config.http_address, http_server.https_port(), http_server.https_port());
        if (http_server.plain_port() >= 0)
            spdlog::info("http listening on {}:{} (unencrypted)", config.http_address,
                         http_server.plain_port());
        NodeHeartbeat heartbeat(
            *node.store, node.clock,
            registry_record(config, node, sftp_server.bound_ports(), ftp_server.port(),
                            ftp_server.implicit_port(), http_server.https_port(),
                            http_server.plain_port()));
        heartbeat.start();
        spdlog::info("node '{}' in the node registry (drawbridge node list)", config.node());
        spdlog::info("ready; stop with Ctrl-C");
        int sig = 0;
        sigwait(&stop, &sig);
        spdlog::info("stopping on signal {}", sig);
        ftp_server.stop();
        http_server.stop();
        sftp_server.stop();
        heartbeat.stop();
        node.mail->on_queued({});
    });
}

}  // namespace drawbridge::app
