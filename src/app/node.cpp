#include "app/node.h"

#include <system_error>

#include "vfs/local_root.h"

namespace drawbridge::app {

vfs::FileRules file_rules_for(Node& node, const core::User& user) {
    vfs::FileRules rules;
    rules.permissions = vfs::PathPermissions(node.accounts->folder_permissions_of(user));
    rules.atomic_uploads = node.store->load_site_settings().atomic_uploads;
    return rules;
}

vfs::FileSessionOpener file_session_opener(Node& node) {
    return [&node](const core::User& user, core::Interface interface, const std::string& ip) {
        // Throws auth::RootRefused for a root this node's configuration no longer allows.
        const std::filesystem::path root = node.roots->root_of(user);
        return std::make_unique<vfs::FileSession>(
            std::make_unique<vfs::LocalRoot>(vfs::LocalRoot::open(root, true)), *node.log, user,
            interface, ip, file_rules_for(node, user));
    };
}

NoSiteError::NoSiteError(std::filesystem::path dir, std::filesystem::path db)
    : std::runtime_error("no site at " + dir.string() + " (its database " + db.string() +
                         " does not exist)"),
      data_dir(std::move(dir)),
      database(std::move(db)) {}

std::unique_ptr<Node> open_node(const NodeConfig& config, bool create_site) {
    namespace fs = std::filesystem;
    auto node = std::make_unique<Node>();
    node->config = config;
    std::error_code ec;
    if (!create_site) {
        // A command run in the wrong folder must not leave a new, empty site behind. (A
        // PostgreSQL database is the administrator's to create: it is there or the open fails.)
        if (!config.uses_postgres() && !fs::exists(config.database_file(), ec))
            throw NoSiteError(fs::absolute(config.data_dir).lexically_normal(),
                              fs::absolute(config.database_file()).lexically_normal());
    } else {
        for (const fs::path& dir :
             {config.data_dir, config.files_dir(),
              config.uses_postgres() ? fs::path() : config.database_file().parent_path()}) {
            if (dir.empty()) continue;
            const bool created = fs::create_directories(dir, ec);
            if (ec)
                throw ConfigError("cannot create directory " + dir.string() + ": " + ec.message());
            // The data directory holds password hashes and keys: only the service account reads
            // it.
            if (created) fs::permissions(dir, fs::perms::owner_all, ec);
        }
    }
    node->store = config.uses_postgres() ? store::open_postgres_store(config.database)
                                         : store::open_sqlite_store(config.database_file());
    node->log = std::make_unique<audit::ActionLog>(*node->store, node->clock);
    auth::GateOptions gate_options;
    gate_options.pbkdf2_iterations = config.pbkdf2_iterations;
    gate_options.region = config.region;
    // A database that cannot be opened is not an error here: the gate then refuses the logins
    // the country rules would check (fail closed), and `serve` says so at start.
    if (!config.geoip_database.empty())
        gate_options.countries = std::make_shared<core::CountryDatabaseFile>(config.geoip_database);
    node->gate = std::make_unique<auth::LoginGate>(*node->store, *node->log, node->clock,
                                                   std::move(gate_options));
    node->roots = std::make_shared<auth::UserRoots>(config.data_dir, config.files_dir(),
                                                    config.allowed_root_prefixes);
    node->accounts = std::make_unique<auth::Accounts>(*node->store, *node->log, node->clock,
                                                      config.pbkdf2_iterations, *node->roots);
    node->second_factors = std::make_unique<auth::SecondFactors>(*node->store, *node->gate,
                                                                 *node->accounts, node->clock);
    node->outbox = std::make_unique<mail::Outbox>(*node->store, node->clock);
    node->mail = std::make_unique<mail::Flows>(*node->store, *node->log, node->clock,
                                               *node->accounts, *node->outbox);
    node->accounts->on_user_created(
        [mail = node->mail.get()](const core::User& user, const auth::Actor& actor) {
            mail->welcome(user, actor);
        });
    return node;
}

}  // namespace drawbridge::app
