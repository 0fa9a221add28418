// The embedded store: one SQLite file in WAL mode.
//
// One connection, guarded by a recursive mutex: SQLite serialises writers anyway, the login and
// admin paths are short, and the recursion lets transaction() callbacks call other methods. A
// thread that calls while another is inside transaction() waits for it to end, so transactions
// of different threads never mix.
//
// synchronous=FULL: with WAL, a commit is on disk before it returns, so a crash (even of the
// machine) loses no committed record; NORMAL could lose the last commits on power loss. The cost
// is one fsync per commit, which batching in transaction() amortises.
#include "store/sqlite_store.h"
#include "store/sqlite_values.h"
#include "store/user_columns.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

#include "core/cidr.h"
#include "store/action_log_planner.h"
#include "store/migrations.h"
#include "store/sqlite_action_log.h"
#include "store/sqlite_mail.h"
#include "store/sqlite_nodes.h"
#include "store/sqlite_second_factor.h"
#include "store/sqlite_security.h"
#include "store/sqlite_sessions.h"
#include "store/store.h"

namespace drawbridge::store {
namespace {

using core::UnixTime;

// What a read of a user adds to its columns: whether it has a second factor (active_2fa).
const std::string kUserSelect =
    std::string("SELECT ") + kUserColumns +
    ", EXISTS (SELECT 1 FROM totp t WHERE t.user_id = users.id AND t.confirmed = 1) OR "
    "EXISTS (SELECT 1 FROM webauthn_keys w WHERE w.user_id = users.id)";

core::User read_user(SQLite::Statement& q) {
    core::User u;
    int i = 0;
    u.id = q.getColumn(i++).getInt64();
    u.username = q.getColumn(i++).getString();
    u.email = q.getColumn(i++).getString();
    u.authentication_method =
        core::parse_auth_method(q.getColumn(i++).getString()).value_or(core::AuthMethod::none);
    u.site_admin = q.getColumn(i++).getInt();
    u.disabled = q.getColumn(i++).getInt();
    u.authenticate_until = opt_int(q.getColumn(i++));
    u.require_password_change = q.getColumn(i++).getInt();
    u.password_hash = q.getColumn(i++).getString();
    u.password_set_at = opt_int(q.getColumn(i++));
    u.password_validity = core::PasswordValidity::parse(q.getColumn(i++).getString())
                              .value_or(core::PasswordValidity{});
    u.password_breached = q.getColumn(i++).getInt();
    u.self_managed = q.getColumn(i++).getInt();
    u.sftp_permission = q.getColumn(i++).getInt();
    u.ftp_permission = q.getColumn(i++).getInt();
    u.dav_permission = q.getColumn(i++).getInt();
    u.restapi_permission = q.getColumn(i++).getInt();
    u.web_permission = q.getColumn(i++).getInt();
    u.allowed_ips = core::split_list(q.getColumn(i++).getString());
    u.bypass_site_allowed_ips = q.getColumn(i++).getInt();
    u.user_root = q.getColumn(i++).getString();
    u.ssl_required = core::parse_site_default(q.getColumn(i++).getString())
                         .value_or(core::SiteDefault::use_system_setting);
    u.require_2fa = core::parse_site_default(q.getColumn(i++).getString())
                        .value_or(core::SiteDefault::use_system_setting);
    u.lockout_expires = opt_int(q.getColumn(i++));
    u.last_login_at = opt_int(q.getColumn(i++));
    u.last_sftp_login_at = opt_int(q.getColumn(i++));
    u.last_ftp_login_at = opt_int(q.getColumn(i++));
    u.last_dav_login_at = opt_int(q.getColumn(i++));
    u.last_restapi_login_at = opt_int(q.getColumn(i++));
    u.last_web_login_at = opt_int(q.getColumn(i++));
    u.created_at = q.getColumn(i++).getInt64();
    u.active_2fa = q.getColumn(i++).getInt();
    return u;
}

// Binds every column but id, in kUserColumns order, starting at parameter 1.
void bind_user(SQLite::Statement& q, const core::User& u) {
    int i = 1;
    q.bind(i++, u.username);
    q.bind(i++, u.email);
    q.bind(i++, std::string(core::to_string(u.authentication_method)));
    q.bind(i++, u.site_admin);
    q.bind(i++, u.disabled);
    bind_opt(q, i++, u.authenticate_until);
    q.bind(i++, u.require_password_change);
    q.bind(i++, u.password_hash);
    bind_opt(q, i++, u.password_set_at);
    q.bind(i++, u.password_validity.to_string());
    q.bind(i++, u.password_breached);
    q.bind(i++, u.self_managed);
    q.bind(i++, u.sftp_permission);
    q.bind(i++, u.ftp_permission);
    q.bind(i++, u.dav_permission);
    q.bind(i++, u.restapi_permission);
    q.bind(i++, u.web_permission);
    q.bind(i++, core::join_list(u.allowed_ips));
    q.bind(i++, u.bypass_site_allowed_ips);
    q.bind(i++, u.user_root);
    q.bind(i++, std::string(core::to_string(u.ssl_required)));
    q.bind(i++, std::string(core::to_string(u.require_2fa)));
    bind_opt(q, i++, u.lockout_expires);
    bind_opt(q, i++, u.last_login_at);
    bind_opt(q, i++, u.last_sftp_login_at);
    bind_opt(q, i++, u.last_ftp_login_at);
    bind_opt(q, i++, u.last_dav_login_at);
    bind_opt(q, i++, u.last_restapi_login_at);
    bind_opt(q, i++, u.last_web_login_at);
    q.bind(i++, static_cast<int64_t>(u.created_at));
}

core::ApiKey read_api_key(SQLite::Statement& q) {
    core::ApiKey k;
    k.id = q.getColumn(0).getInt64();
    k.user_id = q.getColumn(1).getInt64();
    k.name = q.getColumn(2).getString();
    k.description = q.getColumn(3).getString();
    k.digest_hex = q.getColumn(4).getString();
    k.created_at = q.getColumn(5).getInt64();
    k.expires_at = opt_int(q.getColumn(6));
    k.last_use_at = opt_int(q.getColumn(7));
    return k;
}
constexpr const char* kApiKeyColumns =
    "id, user_id, name, description, digest_hex, created_at, expires_at, last_use_at";

// A permissions text this binary cannot read (written by a newer one) grants nothing rather
// than everything.
core::FolderPermission read_folder_permission(SQLite::Statement& q) {
    core::FolderPermission r;
    r.id = q.getColumn(0).getInt64();
    r.user_id = q.getColumn(1).getInt64();
    r.path = q.getColumn(2).getString();
    r.permissions = core::parse_permission_set(q.getColumn(3).getString())
                        .value_or(core::PermissionSet::none());
    r.created_at = q.getColumn(4).getInt64();
    return r;
}

core::SshKey read_ssh_key(SQLite::Statement& q) {
    core::SshKey k;
    k.id = q.getColumn(0).getInt64();
    k.user_id = q.getColumn(1).getInt64();
    k.title = q.getColumn(2).getString();
    k.key_type = q.getColumn(3).getString();
    k.public_key_base64 = q.getColumn(4).getString();
    k.fingerprint_sha256 = q.getColumn(5).getString();
    k.created_at = q.getColumn(6).getInt64();
    k.last_login_at = opt_int(q.getColumn(7));
    return k;
}
constexpr const char* kSshKeyColumns =
    "id, user_id, title, key_type, public_key_base64, fingerprint_sha256, created_at, "
    "last_login_at";

core::ActionLogEntry read_entry(SQLite::Statement& q) {
    core::ActionLogEntry e;
    e.id = q.getColumn(0).getInt64();
    e.created_at = q.getColumn(1).getInt64();
    e.user_id = opt_int(q.getColumn(2));
    e.username = q.getColumn(3).getString();
    e.ip = q.getColumn(4).getString();
    e.interface = core::parse_interface(q.getColumn(5).getString()).value_or(core::Interface::cli);
    e.action = q.getColumn(6).getString();
    e.failure_type =
        core::parse_failure_reason(q.getColumn(7).getString()).value_or(core::FailureReason::none);
    e.detail = q.getColumn(8).getString();
    e.path = q.getColumn(9).getString();
    e.destination = q.getColumn(10).getString();
    e.bytes = opt_int(q.getColumn(11));
    e.duration_ms = opt_int(q.getColumn(12));
    return e;
}

class SqliteStore final : public Store {
  public:
    explicit SqliteStore(const std::filesystem::path& file)
        // Every use of the connection holds mutex_, so SQLite's own per-call mutex would only
        // be taken a second time (it was an eighth of the action-log writer's time).
        : db_(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
              /*busy timeout, ms: how long to wait for another process's write*/ 5000) {
        const auto mode = enter_wal_mode();
        // Readers that never block the writer (and the durability reasoning above) need WAL;
        // some network file systems cannot provide it, and silently running without is worse.
        if (mode != "wal")
            throw StoreError(file.string() + ": cannot use SQLite's WAL journal here (got '" +
                             mode + "'); put the database on a local file system");
        db_.exec("PRAGMA synchronous=FULL");
        db_.exec("PRAGMA foreign_keys=ON");
        // Statement journals (every append keeps one: the insert fires a trigger) and sorts
        // stay in memory; in temporary files they cost ~18 write calls per appended entry.
        db_.exec("PRAGMA temp_store=MEMORY");
        // 32 MiB instead of 2: the log's indexes on scattered keys (address, username) are
        // what appends touch, and keeping more of them halves the time of a large batch.
        db_.exec("PRAGMA cache_size=-32768");
        migrate(file);
    }

    // Asked by every request of every open session (LoginGate::readmit), so it must not read
    // the database each time: another process's commit is looked for at most once per
    // kOtherWritersEvery (docs/login-gate.md#readmission), this process's changes at once.
    std::uint64_t rights_version() override {
        const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        if (now - other_read_at_.load(std::memory_order_acquire) >= kOtherWritersEvery.count()) {
            std::lock_guard lock(mutex_);
            guarded([&] {
                // data_version moves when another connection (the CLI, another process)
                // commits; the counter when this process writes what a session's rights rest
                // on.
                if (!data_version_) data_version_.emplace(db_, "PRAGMA data_version");
                data_version_->executeStep();
                other_version_.store(
                    static_cast<std::uint64_t>(data_version_->getColumn(0).getInt64()));
                // Reset at once: a statement left stepped holds its read snapshot open, and a
                // later write on this connection would fail on the stale snapshot ("database is
                // locked").
                data_version_->reset();
            });
            other_read_at_.store(now, std::memory_order_release);
        }
        return (other_version_.load() << 32) + rights_changes_.load();
    }

    int schema_version() override {
        std::lock_guard lock(mutex_);
        return guarded([&] { return db_.execAndGet("PRAGMA user_version").getInt(); });
    }

    // The outermost call is a transaction taken with the write lock at once (IMMEDIATE), so a
    // read followed by a write inside it can never fail on a snapshot another process moved.
    // A nested call joins it as a savepoint: its exception undoes its own writes only, and the
    // outer callback may catch it and go on.
    void transaction(const std::function<void()>& fn) override {
        std::lock_guard lock(mutex_);
        if (depth_ > 0) {
            nested_transaction(fn);
            return;
        }
        guarded([&] { db_.exec("BEGIN IMMEDIATE"); });
        try {
            ++depth_;
            tx_owner_ = std::this_thread::get_id();
            fn();
            --depth_;
            tx_owner_ = std::thread::id();
        } catch (...) {
            --depth_;
            tx_owner_ = std::thread::id();
            rollback_quietly("ROLLBACK");
            throw;
        }
        try {
            // After some errors (a full disk, for one) SQLite rolls back on its own, and fn may
            // have caught the error; say so rather than fail on "no transaction is active".
            if (sqlite3_get_autocommit(db_.getHandle()))
                throw StoreError("the transaction was rolled back by SQLite after an error");
            guarded([&] { db_.exec("COMMIT"); });
        } catch (...) {
            rollback_quietly("ROLLBACK");
            throw;
        }
    }

    bool in_transaction() const override { return tx_owner_ == std::this_thread::get_id(); }

    core::SiteSettings load_site_settings() override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            core::SiteSettings s;
            SQLite::Statement q(db_, "SELECT * FROM site_settings WHERE id = 1");
            if (!q.executeStep()) return s;
            for (const auto& f : core::site_setting_fields()) {
                const auto col = q.getColumn(std::string(f.name).c_str());
                if (col.isNull()) continue;
                std::visit(
                    [&](auto m) {
                        using T = std::decay_t<decltype(s.*m)>;
                        if constexpr (std::is_same_v<T, bool>)
                            s.*m = col.getInt() != 0;
                        else if constexpr (std::is_same_v<T, int>)
                            s.*m = col.getInt();
                        else
                            s.*m = col.getString();
                    },
                    f.member);
            }
            return s;
        });
    }

    void save_site_settings(const core::SiteSettings& s) override {
        ++rights_changes_;
        std::lock_guard lock(mutex_);
        guarded([&] {
            std::string sql = "UPDATE site_settings SET ";
            bool first = true;
            for (const auto& f : core::site_setting_fields()) {
                sql += (first ? "" : ", ") + std::string(f.name) + " = ?";
                first = false;
            }
            sql += " WHERE id = 1";
            SQLite::Statement q(db_, sql);
            int i = 1;
            for (const auto& f : core::site_setting_fields()) {
                std::visit(
                    [&](auto m) {
                        using T = std::decay_t<decltype(s.*m)>;
                        if constexpr (std::is_same_v<T, std::string>)
                            q.bind(i, s.*m);
                        else
                            q.bind(i, static_cast<int>(s.*m));
                    },
                    f.member);
                ++i;
            }
            q.exec();
        });
    }

    void create_user(core::User& user) override {
        std::lock_guard lock(mutex_);
        guarded(
            [&] {
                SQLite::Statement q(db_, std::string("INSERT INTO users (") +
                                             (kUserColumns + 4) /* without "id, " */ +
                                             ") VALUES (" + placeholders(30) + ")");
                bind_user(q, user);
                q.exec();
                user.id = db_.getLastInsertRowid();
            },
            always("username '" + user.username + "' is already taken"));
    }

    std::optional<core::User> find_user(std::int64_t id) override {
        std::lock_guard lock(mutex_);
        return guarded([&]() -> std::optional<core::User> {
            SQLite::Statement q(db_, kUserSelect + " FROM users WHERE id = ?");
            q.bind(1, static_cast<int64_t>(id));
            if (!q.executeStep()) return std::nullopt;
            return read_user(q);
        });
    }

    std::optional<core::User> find_user_by_name(std::string_view username) override {
        std::lock_guard lock(mutex_);
        return guarded([&]() -> std::optional<core::User> {
            SQLite::Statement q(db_, kUserSelect + " FROM users WHERE username = ? COLLATE NOCASE");
            q.bind(1, std::string(username));
            if (!q.executeStep()) return std::nullopt;
            return read_user(q);
        });
    }

    std::vector<core::User> list_users(const UserFilter& f) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            std::string sql = kUserSelect + " FROM users WHERE 1";
            if (f.search)
                sql +=
                    " AND (instr(lower(username), lower(?)) > 0 OR instr(lower(email), lower(?)) > "
                    "0)";
            if (f.disabled) sql += " AND disabled = ?";
            if (f.method) sql += " AND authentication_method = ?";
            if (f.after_username) sql += " AND username > ? COLLATE NOCASE";
            sql += " ORDER BY username COLLATE NOCASE LIMIT ?";
            SQLite::Statement q(db_, sql);
            int i = 1;
            if (f.search) {
                q.bind(i++, *f.search);
                q.bind(i++, *f.search);
            }
            if (f.disabled) q.bind(i++, *f.disabled ? 1 : 0);
            if (f.method) q.bind(i++, std::string(core::to_string(*f.method)));
            if (f.after_username) q.bind(i++, *f.after_username);
            q.bind(i++, std::max(1, f.limit));
            std::vector<core::User> out;
            while (q.executeStep()) out.push_back(read_user(q));
            return out;
        });
    }

    std::int64_t count_users() override {
        std::lock_guard lock(mutex_);
        return guarded([&] { return db_.execAndGet("SELECT count(*) FROM users").getInt64(); });
    }

    std::vector<std::string> user_ip_allow_lists() override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            std::vector<std::string> out;
            SQLite::Statement q(db_,
                                "SELECT DISTINCT allowed_ips FROM users "
                                "WHERE allowed_ips != '' OR bypass_site_allowed_ips != 0");
            while (q.executeStep()) out.push_back(q.getColumn(0).getString());
            return out;
        });
    }

    bool any_user_with_ssl_required(core::SiteDefault value) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            SQLite::Statement q(db_, "SELECT 1 FROM users WHERE ssl_required = ? LIMIT 1");
            q.bind(1, std::string(core::to_string(value)));
            return q.executeStep();
        });
    }

    void update_user(const core::User& user) override {
        ++rights_changes_;
        std::lock_guard lock(mutex_);
        guarded(
            [&] {
                std::string sql = "UPDATE users SET ";
                std::string_view cols = kUserColumns + 4;
                bool first = true;
                while (!cols.empty()) {
                    const auto comma = cols.find(", ");
                    sql += (first ? "" : ", ") + std::string(cols.substr(0, comma)) + " = ?";
                    first = false;
                    cols = comma == std::string_view::npos ? std::string_view{}
                                                           : cols.substr(comma + 2);
                }
                sql += " WHERE id = ?";
                SQLite::Statement q(db_, sql);
                bind_user(q, user);
                q.bind(31, static_cast<int64_t>(user.id));
                // Compared with the row before it is written, in one transaction with it.
                transaction([&] {
                    sqlite_sessions::revoke_for_update(db_, user);
                    q.exec();
                });
            },
            always("username '" + user.username + "' is already taken"));
    }

    bool delete_user(std::int64_t id) override {
        ++rights_changes_;
        return delete_by_id("users", id);
    }

    void add_password_history(std::int64_t user_id, const std::string& hash, UnixTime at,
                              int keep) override {
        std::lock_guard lock(mutex_);
        guarded([&] {
            SQLite::Statement ins(
                db_,
                "INSERT INTO password_history (user_id, password_hash, set_at) VALUES (?, ?, ?)");
            ins.bind(1, static_cast<int64_t>(user_id));
            ins.bind(2, hash);
            ins.bind(3, static_cast<int64_t>(at));
            ins.exec();
            SQLite::Statement trim(db_,
                                   "DELETE FROM password_history WHERE user_id = ? AND id NOT IN "
                                   "(SELECT id FROM password_history WHERE user_id = ? "
                                   "ORDER BY id DESC LIMIT ?)");
            trim.bind(1, static_cast<int64_t>(user_id));
            trim.bind(2, static_cast<int64_t>(user_id));
            trim.bind(3, std::max(0, keep));
            trim.exec();
        });
    }

    std::vector<std::string> password_history(std::int64_t user_id, int newest) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            SQLite::Statement q(db_,
                                "SELECT password_hash FROM password_history WHERE user_id = ? "
                                "ORDER BY id DESC LIMIT ?");
            q.bind(1, static_cast<int64_t>(user_id));
            q.bind(2, std::max(0, newest));
            std::vector<std::string> out;
            while (q.executeStep()) out.push_back(q.getColumn(0).getString());
            return out;
        });
    }

    void create_api_key(core::ApiKey& k) override {
        std::lock_guard lock(mutex_);
        guarded(
            [&] {
                SQLite::Statement q(
                    db_,
                    "INSERT INTO api_keys (user_id, name, description, digest_hex, "
                    "created_at, expires_at, last_use_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
                q.bind(1, static_cast<int64_t>(k.user_id));
                q.bind(2, k.name);
                q.bind(3, k.description);
                q.bind(4, k.digest_hex);
                q.bind(5, static_cast<int64_t>(k.created_at));
                bind_opt(q, 6, k.expires_at);
                bind_opt(q, 7, k.last_use_at);
                q.exec();
                k.id = db_.getLastInsertRowid();
            },
            [&](std::string_view what) {
                return what.find("digest_hex") != std::string_view::npos
                           ? std::string("an API key with this digest already exists")
                           : "user " + std::to_string(k.user_id) +
                                 " already has an API key named '" + k.name + "'";
            });
    }

    std::optional<core::ApiKey> find_api_key(std::int64_t id) override {
        return find_one<core::ApiKey>(
            std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE id = ?", id,
            read_api_key);
    }

    std::optional<core::ApiKey> find_api_key_by_digest(const std::string& digest_hex) override {
        std::lock_guard lock(mutex_);
        return guarded([&]() -> std::optional<core::ApiKey> {
            SQLite::Statement q(db_, std::string("SELECT ") + kApiKeyColumns +
                                         " FROM api_keys WHERE digest_hex = ?");
            q.bind(1, digest_hex);
            if (!q.executeStep()) return std::nullopt;
            return read_api_key(q);
        });
    }

    std::vector<core::ApiKey> list_api_keys(std::int64_t user_id) override {
        return find_all<core::ApiKey>(std::string("SELECT ") + kApiKeyColumns +
                                          " FROM api_keys WHERE user_id = ? ORDER BY id",
                                      user_id, read_api_key);
    }

    bool delete_api_key(std::int64_t id) override {
        ++rights_changes_;
        return delete_by_id("api_keys", id);
    }

    void touch_api_key(std::int64_t id, UnixTime at) override {
        set_time("UPDATE api_keys SET last_use_at = ? WHERE id = ?", id, at);
    }

    void create_ssh_key(core::SshKey& k) override {
        std::lock_guard lock(mutex_);
        guarded(
            [&] {
                SQLite::Statement q(
                    db_,
                    "INSERT INTO ssh_keys (user_id, title, key_type, public_key_base64, "
                    "fingerprint_sha256, created_at, last_login_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)");
                q.bind(1, static_cast<int64_t>(k.user_id));
                q.bind(2, k.title);
                q.bind(3, k.key_type);
                q.bind(4, k.public_key_base64);
                q.bind(5, k.fingerprint_sha256);
                q.bind(6, static_cast<int64_t>(k.created_at));
                bind_opt(q, 7, k.last_login_at);
                q.exec();
                k.id = db_.getLastInsertRowid();
            },
            always("SSH key " + k.fingerprint_sha256 + " is already registered for user " +
                   std::to_string(k.user_id)));
    }

    std::optional<core::SshKey> find_ssh_key(std::int64_t id) override {
        return find_one<core::SshKey>(
            std::string("SELECT ") + kSshKeyColumns + " FROM ssh_keys WHERE id = ?", id,
            read_ssh_key);
    }

    std::vector<core::SshKey> list_ssh_keys(std::int64_t user_id) override {
        return find_all<core::SshKey>(std::string("SELECT ") + kSshKeyColumns +
                                          " FROM ssh_keys WHERE user_id = ? ORDER BY id",
                                      user_id, read_ssh_key);
    }

    bool delete_ssh_key(std::int64_t id) override {
        ++rights_changes_;
        return delete_by_id("ssh_keys", id);
    }

    void touch_ssh_key(std::int64_t id, UnixTime at) override {
        set_time("UPDATE ssh_keys SET last_login_at = ? WHERE id = ?", id, at);
    }

    std::optional<core::TotpEnrolment> find_totp(std::int64_t user_id) override {
        return locked([&] { return sqlite_second_factor::find_totp(db_, user_id); });
    }
    void begin_totp(const core::TotpEnrolment& e) override {
        if (!locked([&] { return sqlite_second_factor::begin_totp(db_, e); }))
            throw Conflict("the user has an authenticator app already: turn it off first");
    }
    bool confirm_totp(std::int64_t user_id, std::int64_t step) override {
        return locked([&] { return sqlite_second_factor::confirm_totp(db_, user_id, step); });
    }
    bool claim_totp_step(std::int64_t user_id, std::int64_t step) override {
        return locked([&] { return sqlite_second_factor::claim_totp_step(db_, user_id, step); });
    }
    bool delete_totp(std::int64_t user_id) override {
        return locked([&] { return sqlite_second_factor::delete_totp(db_, user_id); });
    }
    void replace_recovery_codes(std::int64_t user_id,
                                const std::vector<std::string>& digests) override {
        transaction([&] { sqlite_second_factor::replace_recovery_codes(db_, user_id, digests); });
    }
    bool use_recovery_code(std::int64_t user_id, const std::string& digest, UnixTime at) override {
        return locked(
            [&] { return sqlite_second_factor::use_recovery_code(db_, user_id, digest, at); });
    }
    int count_recovery_codes(std::int64_t user_id) override {
        return locked([&] { return sqlite_second_factor::count_recovery_codes(db_, user_id); });
    }
    void add_webauthn_key(core::WebAuthnKey& key) override {
        locked([&] { sqlite_second_factor::add_webauthn_key(db_, key); },
               always("this security key is registered already"));
    }
    std::vector<core::WebAuthnKey> list_webauthn_keys(std::int64_t user_id) override {
        return locked([&] { return sqlite_second_factor::list_webauthn_keys(db_, user_id); });
    }
    bool use_webauthn_key(std::int64_t id, std::uint32_t sign_count, UnixTime at) override {
        return locked(
            [&] { return sqlite_second_factor::use_webauthn_key(db_, id, sign_count, at); });
    }
    bool delete_webauthn_key(std::int64_t user_id, std::int64_t id) override {
        return locked([&] { return sqlite_second_factor::delete_webauthn_key(db_, user_id, id); });
    }
    void reset_second_factors(std::int64_t user_id) override {
        transaction([&] { sqlite_second_factor::reset(db_, user_id); });
    }

    void set_folder_permission(core::FolderPermission& rule) override {
        std::lock_guard lock(mutex_);
        guarded([&] {
            // An upsert, so that a rule replaced keeps its identity and creation time.
            SQLite::Statement q(db_,
                                "INSERT INTO folder_permissions (user_id, path, permissions, "
                                "created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, path) "
                                "DO UPDATE SET permissions = excluded.permissions "
                                "RETURNING id, created_at");
            q.bind(1, static_cast<int64_t>(rule.user_id));
            q.bind(2, rule.path);
            q.bind(3, core::to_string(rule.permissions));
            q.bind(4, static_cast<int64_t>(rule.created_at));
            if (!q.executeStep()) throw StoreError("folder permission not written");
            rule.id = q.getColumn(0).getInt64();
            rule.created_at = q.getColumn(1).getInt64();
        });
    }

    std::vector<core::FolderPermission> list_folder_permissions(std::int64_t user_id) override {
        return find_all<core::FolderPermission>(
            "SELECT id, user_id, path, permissions, created_at FROM folder_permissions "
            "WHERE user_id = ? ORDER BY path",
            user_id, read_folder_permission);
    }

    std::optional<core::FolderPermission> find_folder_permission(std::int64_t id) override {
        return find_one<core::FolderPermission>(
            "SELECT id, user_id, path, permissions, created_at FROM folder_permissions "
            "WHERE id = ?",
            id, read_folder_permission);
    }

    bool delete_folder_permission(std::int64_t user_id, const std::string& path) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            SQLite::Statement q(db_,
                                "DELETE FROM folder_permissions WHERE user_id = ? AND path = ?");
            q.bind(1, static_cast<int64_t>(user_id));
            q.bind(2, path);
            return q.exec() > 0;
        });
    }

    // Login security: the statements live in sqlite_security.cpp.
    void add_login_failure(std::int64_t user_id, const std::string& ip, UnixTime at) override {
        locked([&] { sqlite_security::add_login_failure(db_, user_id, ip, at); });
    }
    int count_login_failures(std::int64_t user_id, UnixTime since, const std::string& ip) override {
        return locked(
            [&] { return sqlite_security::count_login_failures(db_, user_id, since, ip); });
    }
    void clear_login_failures(std::int64_t user_id, const std::string& ip) override {
        locked([&] { sqlite_security::clear_login_failures(db_, user_id, ip); });
    }
    void lock_user_from(std::int64_t user_id, const std::string& ip, UnixTime until) override {
        ++rights_changes_;
        transaction([&] {
            locked([&] {
                sqlite_security::lock_user_from(db_, user_id, ip, until);
                sqlite_sessions::revoke_from_address(db_, user_id, ip);
            });
        });
    }
    std::optional<UnixTime> user_locked_from(std::int64_t user_id, const std::string& ip,
                                             UnixTime now) override {
        return locked([&] { return sqlite_security::user_locked_from(db_, user_id, ip, now); });
    }
    void clear_user_address_locks(std::int64_t user_id) override {
        locked([&] { sqlite_security::clear_user_address_locks(db_, user_id); });
    }
    int add_ip_score(const std::string& ip, int points, UnixTime now, UnixTime window) override {
        return locked([&] { return sqlite_security::add_ip_score(db_, ip, points, now, window); });
    }
    void clear_ip_score(const std::string& ip) override {
        locked([&] { sqlite_security::clear_ip_score(db_, ip); });
    }
    std::optional<core::IpBan> find_ip_ban(const std::string& ip) override {
        return locked([&] { return sqlite_security::find_ip_ban(db_, ip); });
    }
    void save_ip_ban(core::IpBan& ban) override {
        ++rights_changes_;
        locked([&] { sqlite_security::save_ip_ban(db_, ban); });
    }
    std::vector<core::IpBan> list_ip_bans(std::optional<UnixTime> active_at) override {
        return locked([&] { return sqlite_security::list_ip_bans(db_, active_at); });
    }
    bool delete_ip_ban(const std::string& ip) override {
        return locked([&] { return sqlite_security::delete_ip_ban(db_, ip); });
    }
    int count_ban_refusal(std::int64_t ban_id) override {
        return locked([&] { return sqlite_security::count_ban_refusal(db_, ban_id); });
    }
    void add_ip_list_entry(core::IpListEntry& entry) override {
        ++rights_changes_;
        locked([&] { sqlite_security::add_ip_list_entry(db_, entry); },
               always(entry.cidr + " is already on the " +
                      std::string(core::to_string(entry.list)) + " list"));
    }
    std::vector<core::IpListEntry> list_ip_list(std::optional<core::IpListKind> list) override {
        return locked([&] { return sqlite_security::list_ip_list(db_, list); });
    }
    bool delete_ip_list_entry(core::IpListKind list, const std::string& cidr) override {
        ++rights_changes_;
        return locked([&] { return sqlite_security::delete_ip_list_entry(db_, list, cidr); });
    }
    int count_list_refusal(std::int64_t entry_id) override {
        return locked([&] { return sqlite_security::count_list_refusal(db_, entry_id); });
    }

    void create_session(core::StoredSession& session) override {
        locked([&] { sqlite_sessions::create(db_, session); });
    }
    std::optional<core::StoredSession> find_session(const std::string& token_digest) override {
        return locked([&] {
            if (!find_session_) find_session_.emplace(sqlite_sessions::prepare_find(db_));
            return sqlite_sessions::find(*find_session_, token_digest);
        });
    }
    void touch_session(std::int64_t id, UnixTime at) override {
        locked([&] { sqlite_sessions::touch(db_, id, at); });
    }
    bool end_two_factor_setup(const std::string& token_digest) override {
        return locked([&] { return sqlite_sessions::end_two_factor_setup(db_, token_digest); });
    }
    bool delete_session(const std::string& token_digest) override {
        return locked([&] { return sqlite_sessions::remove(db_, token_digest); });
    }
    int delete_ended_sessions(UnixTime now, UnixTime unused_since) override {
        return locked([&] { return sqlite_sessions::remove_ended(db_, now, unused_since); });
    }
    int count_sessions(std::int64_t user_id) override {
        return locked([&] { return sqlite_sessions::count_of_user(db_, user_id); });
    }
    std::vector<std::pair<core::Interface, int>> count_live_sessions(
        UnixTime now, UnixTime unused_since) override {
        return locked([&] { return sqlite_sessions::count_live(db_, now, unused_since); });
    }

    void enqueue_mail(core::OutboxMail& mail) override {
        locked([&] { sqlite_mail::enqueue(db_, mail); });
    }
    std::optional<core::OutboxMail> claim_due_mail(UnixTime now, UnixTime lease_until) override {
        std::optional<core::OutboxMail> claimed;
        transaction([&] {
            claimed = locked([&] { return sqlite_mail::claim_due(db_, now, lease_until); });
        });
        return claimed;
    }
    void finish_mail(const core::OutboxMail& mail) override {
        locked([&] { sqlite_mail::finish(db_, mail); });
    }
    std::vector<core::OutboxMail> list_mail(std::optional<core::MailState> state, int limit,
                                            std::optional<std::int64_t> before_id) override {
        return locked([&] { return sqlite_mail::list(db_, state, limit, before_id); });
    }
    int count_recent_mail(std::string_view kind, std::string_view recipient,
                          std::optional<std::int64_t> user_id, UnixTime since) override {
        return locked(
            [&] { return sqlite_mail::count_recent(db_, kind, recipient, user_id, since); });
    }
    void create_mail_token(core::MailToken& token) override {
        locked([&] { sqlite_mail::create_token(db_, token); });
    }
    std::optional<core::MailToken> find_mail_token(const std::string& token_digest) override {
        return locked([&] { return sqlite_mail::find_token(db_, token_digest); });
    }
    bool use_mail_token(std::int64_t id, UnixTime at) override {
        return locked([&] { return sqlite_mail::use_token(db_, id, at); });
    }
    bool record_reminder(std::int64_t user_id, int threshold_days, UnixTime password_set_at,
                         UnixTime at) override {
        return locked([&] {
            return sqlite_mail::record_reminder(db_, user_id, threshold_days, password_set_at, at);
        });
    }
    bool claim_job(const std::string& name, const std::string& holder, UnixTime now,
                   UnixTime until) override {
        return locked([&] { return sqlite_mail::claim_job(db_, name, holder, now, until); });
    }
    void save_node(const core::NodeRecord& node) override {
        locked([&] { sqlite_nodes::save(db_, node); });
    }
    std::vector<core::NodeRecord> list_nodes() override {
        return locked([&] { return sqlite_nodes::list(db_); });
    }
    bool delete_node(const std::string& name) override {
        return locked([&] { return sqlite_nodes::remove(db_, name); });
    }
    std::optional<core::MailTemplateText> find_mail_template(const std::string& kind) override {
        return locked([&] { return sqlite_mail::find_template(db_, kind); });
    }
    void save_mail_template(const core::MailTemplateText& t) override {
        locked([&] { sqlite_mail::save_template(db_, t); });
    }
    bool delete_mail_template(const std::string& kind) override {
        return locked([&] { return sqlite_mail::delete_template(db_, kind); });
    }

    // The log is the hottest write path (every login attempt, every file served): see
    // ActionLogAppender for how a batch is written.
    void append_action(core::ActionLogEntry& e) override {
        core::ActionLogEntry* one[] = {&e};
        append_actions(one);
    }
    void append_actions(std::span<core::ActionLogEntry* const> entries) override {
        transaction([&] { guarded([&] { appender_.append(entries); }); });
    }

    core::ActionLogPage query_actions(const core::ActionLogQuery& f) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            return read_snapshot([&] {
                core::ActionLogPage page;
                const int limit = std::clamp(f.limit, 1, 1000);
                const auto plan = planner_.plan_page(f, limit);
                if (plan.empty) return page;
                SQLite::Statement q(db_, plan.sql);
                bind_all(q, plan.values);
                while (q.executeStep()) page.entries.push_back(read_entry(q));
                if (static_cast<int>(page.entries.size()) > limit) {
                    page.entries.pop_back();
                    page.next_cursor = page.entries.back().id;
                }
                return page;
            });
        });
    }

    std::vector<core::LoginCount> count_logins(UnixTime since, UnixTime until,
                                               UnixTime bucket_seconds) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            return read_snapshot(
                [&] { return read_login_counts(db_, since, until, bucket_seconds); });
        });
    }

    std::string explain_actions(const core::ActionLogQuery& f) {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            return read_snapshot([&] {
                const auto plan = planner_.plan_page(f, std::clamp(f.limit, 1, 1000));
                if (plan.empty) return std::string("(none: the bounds leave nothing to read)");
                SQLite::Statement q(db_, "EXPLAIN QUERY PLAN " + plan.sql);
                bind_all(q, plan.values);
                std::string out;
                while (q.executeStep()) out += q.getColumn(3).getString() + "\n";
                return out;
            });
        });
    }

  private:
    // The statements of one search see one state of the database, even while another process
    // appends, so the bounds computed first hold for the page read last.
    template <typename Fn>
    auto read_snapshot(Fn&& fn) -> decltype(fn()) {
        if (depth_ > 0) return fn();  // inside transaction(): already one snapshot
        db_.exec("BEGIN");
        try {
            auto result = fn();
            db_.exec("COMMIT");
            return result;
        } catch (...) {
            rollback_quietly("ROLLBACK");
            throw;
        }
    }

    void nested_transaction(const std::function<void()>& fn) {
        const std::string name = "nested_" + std::to_string(depth_);
        guarded([&] { db_.exec("SAVEPOINT " + name); });
        try {
            ++depth_;
            fn();
            --depth_;
        } catch (...) {
            --depth_;
            rollback_quietly("ROLLBACK TO " + name);
            rollback_quietly("RELEASE " + name);
            throw;
        }
        guarded([&] { db_.exec("RELEASE " + name); });
    }

    // Switching a new database to WAL takes an exclusive lock, for which SQLite does not call
    // the busy handler (two connections each holding a shared lock would wait for each other
    // for ever), so several processes creating the database at once must retry here.
    std::string enter_wal_mode() {
        for (int attempt = 0;; ++attempt) {
            try {
                return db_.execAndGet("PRAGMA journal_mode=WAL").getString();
            } catch (const SQLite::Exception& e) {
                if (e.getErrorCode() != SQLITE_BUSY || attempt == 200) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(25));
            }
        }
    }

    void rollback_quietly(const std::string& sql) {
        try {
            db_.exec(sql);
        } catch (const SQLite::Exception&) {
            // SQLite may have rolled back already (some errors end the transaction); the
            // exception on its way out says what went wrong.
        }
    }

    static std::string placeholders(int n) {
        std::string s;
        for (int i = 0; i < n; ++i) s += i ? ", ?" : "?";
        return s;
    }

    using ConflictMessage = std::function<std::string(std::string_view sqlite_message)>;
    static ConflictMessage always(std::string message) {
        return [message = std::move(message)](std::string_view) { return message; };
    }

    // Runs fn, turning SQLite's errors into the store's: a unique-constraint failure becomes
    // Conflict (with `conflict`'s message when given), anything else StoreError.
    template <typename Fn>
    auto guarded(Fn&& fn, const ConflictMessage& conflict = {}) -> decltype(fn()) {
        try {
            return fn();
        } catch (const SQLite::Exception& e) {
            if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE ||
                e.getExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY)
                throw Conflict(conflict ? conflict(e.what()) : e.what());
            throw StoreError(e.what());
        }
    }

    template <typename Fn>
    auto locked(Fn&& fn, const ConflictMessage& conflict = {}) -> decltype(fn()) {
        std::lock_guard lock(mutex_);
        return guarded(std::forward<Fn>(fn), conflict);
    }

    template <typename T, typename Read>
    std::optional<T> find_one(const std::string& sql, std::int64_t id, Read read) {
        std::lock_guard lock(mutex_);
        return guarded([&]() -> std::optional<T> {
            SQLite::Statement q(db_, sql);
            q.bind(1, static_cast<int64_t>(id));
            if (!q.executeStep()) return std::nullopt;
            return read(q);
        });
    }

    template <typename T, typename Read>
    std::vector<T> find_all(const std::string& sql, std::int64_t id, Read read) {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            SQLite::Statement q(db_, sql);
            q.bind(1, static_cast<int64_t>(id));
            std::vector<T> out;
            while (q.executeStep()) out.push_back(read(q));
            return out;
        });
    }

    bool delete_by_id(const char* table, std::int64_t id) {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            SQLite::Statement q(db_, std::string("DELETE FROM ") + table + " WHERE id = ?");
            q.bind(1, static_cast<int64_t>(id));
            return q.exec() > 0;
        });
    }

    void set_time(const char* sql, std::int64_t id, core::UnixTime at) {
        std::lock_guard lock(mutex_);
        guarded([&] {
            SQLite::Statement q(db_, sql);
            q.bind(1, static_cast<int64_t>(at));
            q.bind(2, static_cast<int64_t>(id));
            q.exec();
        });
    }

    int checked_version(const std::filesystem::path& file) {
        const int known = static_cast<int>(migrations().size());
        const int version = db_.execAndGet("PRAGMA user_version").getInt();
        if (version > known)
            throw StoreError(file.string() + " has schema version " + std::to_string(version) +
                             ", newer than this drawbridge knows (" + std::to_string(known) +
                             "): upgrade drawbridge");
        return version;
    }

    // Each step in its own transaction. The version is read again under the write lock, since
    // another process (a CLI command beside the server) may be opening the same new database.
    // An up-to-date database is checked without taking the write lock at all.
    void migrate(const std::filesystem::path& file) {
        std::lock_guard lock(mutex_);
        const int known = static_cast<int>(migrations().size());
        if (checked_version(file) == known && missing_setting_columns().empty()) return;
        for (bool done = false; !done;) {
            transaction([&] {
                const int version = checked_version(file);
                if (version < known) {
                    db_.exec(std::string(migrations()[version]));
                    db_.exec("PRAGMA user_version = " + std::to_string(version + 1));
                    return;
                }
                add_setting_columns(missing_setting_columns());
                done = true;
            });
        }
    }

    std::vector<const core::SettingField*> missing_setting_columns() {
        std::set<std::string> have;
        SQLite::Statement cols(db_, "SELECT name FROM pragma_table_info('site_settings')");
        while (cols.executeStep()) have.insert(cols.getColumn(0).getString());
        std::vector<const core::SettingField*> missing;
        if (have.empty()) return missing;  // no schema yet: migrations come first
        for (const auto& f : core::site_setting_fields())
            if (!have.contains(std::string(f.name))) missing.push_back(&f);
        return missing;
    }

    // Site settings are columns named after the field table, so a new setting is a new row in
    // that table: its column is added here with the struct's default, with no migration to
    // write. Columns of settings that no longer exist stay, unread.
    void add_setting_columns(const std::vector<const core::SettingField*>& fields) {
        const core::SiteSettings defaults;
        for (const auto* f : fields) {
            std::string decl = std::visit(
                [&](auto m) -> std::string {
                    using T = std::decay_t<decltype(defaults.*m)>;
                    if constexpr (std::is_same_v<T, std::string>) {
                        std::string quoted = "'";
                        for (char c : defaults.*m)
                            quoted += c == '\'' ? std::string("''") : std::string(1, c);
                        return "TEXT NOT NULL DEFAULT " + quoted + "'";
                    } else {
                        return "INTEGER NOT NULL DEFAULT " +
                               std::to_string(static_cast<int>(defaults.*m));
                    }
                },
                f->member);
            db_.exec("ALTER TABLE site_settings ADD COLUMN \"" + std::string(f->name) + "\" " +
                     decl);
        }
    }

    std::recursive_mutex mutex_;
    SQLite::Database db_;
    ActionLogPlanner planner_{db_};
    ActionLogAppender appender_{db_};
    std::optional<SQLite::Statement> find_session_;
    std::optional<SQLite::Statement> data_version_;
    static constexpr std::chrono::nanoseconds kOtherWritersEvery = std::chrono::milliseconds(1);
    std::atomic<std::chrono::steady_clock::rep> other_read_at_{
        std::numeric_limits<std::chrono::steady_clock::rep>::min() / 2};
    std::atomic<std::uint64_t> other_version_{0};
    std::atomic<std::uint64_t> rights_changes_{0};
    int depth_ = 0;
    std::atomic<std::thread::id> tx_owner_{};  // the thread inside transaction(), if any
};

// The database holds password hashes and key digests: only the service account may read it,
// as its folder. SQLite gives the -wal and -shm files it creates the main file's mode, so the
// main file is created 0600 before SQLite opens it; a database made by an older version (0644)
// and its leftover -wal/-shm are tightened here at every open.
void make_private(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw StoreError("cannot open " + file.string() + ": " + std::strerror(errno));
    const int rc = ::fchmod(fd, 0600);
    const int error = errno;
    ::close(fd);
    if (rc != 0)
        throw StoreError("cannot make " + file.string() +
                         " private (mode 0600): " + std::strerror(error));
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::string side = file.string() + suffix;
        if (::chmod(side.c_str(), 0600) != 0 && errno != ENOENT)
            throw StoreError("cannot make " + side +
                             " private (mode 0600): " + std::strerror(errno));
    }
}

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& file) {
    // Before SQLite's first use: no process-wide lock around every allocation to count memory
    // nobody reads.
    static std::once_flag configured;
    std::call_once(configured, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    make_private(file);
    try {
        return std::make_unique<SqliteStore>(file);
    } catch (const SQLite::Exception& e) {
        throw StoreError("cannot open " + file.string() + ": " + e.what());
    }
}

std::string explain_query_actions(Store& store, const core::ActionLogQuery& query) {
    auto* sqlite = dynamic_cast<SqliteStore*>(&store);
    if (!sqlite) throw StoreError("explain_query_actions needs a store from open_sqlite_store");
    return sqlite->explain_actions(query);
}

}  // namespace drawbridge::store
