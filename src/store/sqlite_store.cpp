// The embedded store: one SQLite file in WAL mode.
//
// One connection, guarded by a recursive mutex: SQLite serialises writers anyway, the login and
// admin paths are short, and the recursion lets transaction() callbacks call other methods.
// synchronous=FULL: with WAL, a commit is on disk before it returns, so a crash (even of the
// machine) loses no committed record; NORMAL could lose the last commits on power loss.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "core/cidr.h"
#include "store/migrations.h"
#include "store/store.h"

namespace drawbridge::store {
namespace {

using core::UnixTime;

std::optional<UnixTime> opt_time(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

void bind_opt(SQLite::Statement& q, int i, const std::optional<std::int64_t>& v) {
    if (v)
        q.bind(i, static_cast<int64_t>(*v));
    else
        q.bind(i);
}

constexpr const char* kUserColumns =
    "id, username, email, authentication_method, site_admin, disabled, authenticate_until, "
    "require_password_change, password_hash, password_set_at, password_validity, "
    "password_breached, self_managed, sftp_permission, ftp_permission, dav_permission, "
    "restapi_permission, web_permission, allowed_ips, bypass_site_allowed_ips, user_root, "
    "ssl_required, require_2fa, lockout_expires, last_login_at, last_sftp_login_at, "
    "last_ftp_login_at, last_dav_login_at, last_restapi_login_at, last_web_login_at, created_at";

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
    u.authenticate_until = opt_time(q.getColumn(i++));
    u.require_password_change = q.getColumn(i++).getInt();
    u.password_hash = q.getColumn(i++).getString();
    u.password_set_at = opt_time(q.getColumn(i++));
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
    u.lockout_expires = opt_time(q.getColumn(i++));
    u.last_login_at = opt_time(q.getColumn(i++));
    u.last_sftp_login_at = opt_time(q.getColumn(i++));
    u.last_ftp_login_at = opt_time(q.getColumn(i++));
    u.last_dav_login_at = opt_time(q.getColumn(i++));
    u.last_restapi_login_at = opt_time(q.getColumn(i++));
    u.last_web_login_at = opt_time(q.getColumn(i++));
    u.created_at = q.getColumn(i++).getInt64();
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
    k.expires_at = opt_time(q.getColumn(6));
    k.last_use_at = opt_time(q.getColumn(7));
    return k;
}
constexpr const char* kApiKeyColumns =
    "id, user_id, name, description, digest_hex, created_at, expires_at, last_use_at";

core::SshKey read_ssh_key(SQLite::Statement& q) {
    core::SshKey k;
    k.id = q.getColumn(0).getInt64();
    k.user_id = q.getColumn(1).getInt64();
    k.title = q.getColumn(2).getString();
    k.key_type = q.getColumn(3).getString();
    k.public_key_base64 = q.getColumn(4).getString();
    k.fingerprint_sha256 = q.getColumn(5).getString();
    k.created_at = q.getColumn(6).getInt64();
    k.last_login_at = opt_time(q.getColumn(7));
    return k;
}
constexpr const char* kSshKeyColumns =
    "id, user_id, title, key_type, public_key_base64, fingerprint_sha256, created_at, "
    "last_login_at";

core::ActionLogEntry read_entry(SQLite::Statement& q) {
    core::ActionLogEntry e;
    e.id = q.getColumn(0).getInt64();
    e.created_at = q.getColumn(1).getInt64();
    e.user_id = opt_time(q.getColumn(2));
    e.username = q.getColumn(3).getString();
    e.ip = q.getColumn(4).getString();
    e.interface = core::parse_interface(q.getColumn(5).getString()).value_or(core::Interface::cli);
    e.action = q.getColumn(6).getString();
    e.failure_type =
        core::parse_failure_reason(q.getColumn(7).getString()).value_or(core::FailureReason::none);
    e.detail = q.getColumn(8).getString();
    e.path = q.getColumn(9).getString();
    e.destination = q.getColumn(10).getString();
    e.bytes = opt_time(q.getColumn(11));
    e.duration_ms = opt_time(q.getColumn(12));
    return e;
}

class SqliteStore final : public Store {
  public:
    explicit SqliteStore(const std::filesystem::path& file)
        : db_(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
              5000) {
        db_.exec("PRAGMA journal_mode=WAL");
        db_.exec("PRAGMA synchronous=FULL");
        db_.exec("PRAGMA foreign_keys=ON");
        migrate(file);
    }

    int schema_version() override {
        std::lock_guard lock(mutex_);
        return db_.execAndGet("PRAGMA user_version").getInt();
    }

    void transaction(const std::function<void()>& fn) override {
        std::lock_guard lock(mutex_);
        if (depth_ > 0) {  // nested: join the outer transaction
            ++depth_;
            try {
                fn();
            } catch (...) {
                --depth_;
                throw;
            }
            --depth_;
            return;
        }
        guarded([&] { db_.exec("BEGIN IMMEDIATE"); });
        ++depth_;
        try {
            fn();
            --depth_;
            guarded([&] { db_.exec("COMMIT"); });
        } catch (...) {
            if (depth_ > 0) --depth_;
            try {
                db_.exec("ROLLBACK");
            } catch (...) {
                // Already rolled back by SQLite (for example after a constraint error).
            }
            throw;
        }
    }

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
            "username '" + user.username + "' is already taken");
    }

    std::optional<core::User> find_user(std::int64_t id) override {
        std::lock_guard lock(mutex_);
        return guarded([&]() -> std::optional<core::User> {
            SQLite::Statement q(db_,
                                std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?");
            q.bind(1, static_cast<int64_t>(id));
            if (!q.executeStep()) return std::nullopt;
            return read_user(q);
        });
    }

    std::optional<core::User> find_user_by_name(std::string_view username) override {
        std::lock_guard lock(mutex_);
        return guarded([&]() -> std::optional<core::User> {
            SQLite::Statement q(db_, std::string("SELECT ") + kUserColumns +
                                         " FROM users WHERE username = ? COLLATE NOCASE");
            q.bind(1, std::string(username));
            if (!q.executeStep()) return std::nullopt;
            return read_user(q);
        });
    }

    std::vector<core::User> list_users(const UserFilter& f) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            std::string sql = std::string("SELECT ") + kUserColumns + " FROM users WHERE 1";
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

    void update_user(const core::User& user) override {
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
                q.exec();
            },
            "username '" + user.username + "' is already taken");
    }

    bool delete_user(std::int64_t id) override { return delete_by_id("users", id); }

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
            "an API key named '" + k.name + "' already exists for this user");
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

    bool delete_api_key(std::int64_t id) override { return delete_by_id("api_keys", id); }

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
            "SSH key " + k.fingerprint_sha256 + " is already registered for this user");
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

    bool delete_ssh_key(std::int64_t id) override { return delete_by_id("ssh_keys", id); }

    void touch_ssh_key(std::int64_t id, UnixTime at) override {
        set_time("UPDATE ssh_keys SET last_login_at = ? WHERE id = ?", id, at);
    }

    void append_action(core::ActionLogEntry& e) override {
        std::lock_guard lock(mutex_);
        guarded([&] {
            // Prepared once: the log is the hottest write path (every login attempt).
            if (!insert_action_)
                insert_action_.emplace(
                    db_,
                    "INSERT INTO action_log (created_at, user_id, username, ip, interface, action, "
                    "failure_type, detail, path, destination, bytes, duration_ms) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            auto& q = *insert_action_;
            q.reset();
            q.bind(1, static_cast<int64_t>(e.created_at));
            bind_opt(q, 2, e.user_id);
            q.bind(3, e.username);
            q.bind(4, e.ip);
            q.bind(5, std::string(core::to_string(e.interface)));
            q.bind(6, e.action);
            q.bind(7, std::string(core::to_string(e.failure_type)));
            q.bind(8, e.detail);
            q.bind(9, e.path);
            q.bind(10, e.destination);
            bind_opt(q, 11, e.bytes);
            bind_opt(q, 12, e.duration_ms);
            q.exec();
            e.id = db_.getLastInsertRowid();
        });
    }

    // Newest first, one page. Two things keep every query on an index walk that stops after a
    // page, whatever the log's size:
    // - a time range becomes an id range: ids grow with time, so the first id at or after
    //   `since` and the last before `until`, found through the created_at index, bound the walk
    //   (the created_at conditions still apply, so entries inside are exact);
    // - the most selective filter drives (ip, then username, failure type, interface, action),
    //   and a unary + keeps SQLite from choosing a less selective index for the others.
    core::ActionLogPage query_actions(const core::ActionLogQuery& f) override {
        std::lock_guard lock(mutex_);
        return guarded([&] {
            core::ActionLogPage page;
            std::optional<std::int64_t> lo, hi;
            if (f.since) {
                lo = boundary_id(
                    "SELECT id FROM action_log WHERE created_at >= ? "
                    "ORDER BY created_at, id LIMIT 1",
                    *f.since);
                if (!lo) return page;
            }
            if (f.until) {
                hi = boundary_id(
                    "SELECT id FROM action_log WHERE created_at < ? "
                    "ORDER BY created_at DESC, id DESC LIMIT 1",
                    *f.until);
                if (!hi) return page;
            }
            const char* driver = f.ip             ? "ip"
                                 : f.username     ? "username"
                                 : f.failure_type ? "failure_type"
                                 : f.interface    ? "interface"
                                 : f.action       ? "action"
                                                  : "";
            auto col = [&](const char* name) {
                return std::string(std::string_view(name) == driver ? " " : " +") + name;
            };
            std::string sql =
                "SELECT id, created_at, user_id, username, ip, interface, action, failure_type, "
                "detail, path, destination, bytes, duration_ms FROM action_log WHERE 1";
            if (f.action) sql += " AND" + col("action") + " = ?";
            if (f.failure_type) sql += " AND" + col("failure_type") + " = ?";
            if (f.username) sql += " AND" + col("username") + " = ? COLLATE NOCASE";
            if (f.interface) sql += " AND" + col("interface") + " = ?";
            if (f.ip) sql += " AND" + col("ip") + " = ?";
            if (f.since) sql += " AND +created_at >= ? AND id >= ?";
            if (f.until) sql += " AND +created_at < ? AND id <= ?";
            if (f.cursor) sql += " AND id < ?";
            sql += " ORDER BY id DESC LIMIT ?";
            SQLite::Statement q(db_, sql);
            int i = 1;
            if (f.action) q.bind(i++, *f.action);
            if (f.failure_type) q.bind(i++, std::string(core::to_string(*f.failure_type)));
            if (f.username) q.bind(i++, *f.username);
            if (f.interface) q.bind(i++, std::string(core::to_string(*f.interface)));
            if (f.ip) q.bind(i++, *f.ip);
            if (f.since) {
                q.bind(i++, static_cast<int64_t>(*f.since));
                q.bind(i++, static_cast<int64_t>(*lo));
            }
            if (f.until) {
                q.bind(i++, static_cast<int64_t>(*f.until));
                q.bind(i++, static_cast<int64_t>(*hi));
            }
            if (f.cursor) q.bind(i++, static_cast<int64_t>(*f.cursor));
            const int limit = std::clamp(f.limit, 1, 1000);
            q.bind(i++, limit + 1);  // one more tells whether another page follows
            while (q.executeStep()) page.entries.push_back(read_entry(q));
            if (static_cast<int>(page.entries.size()) > limit) {
                page.entries.pop_back();
                page.next_cursor = page.entries.back().id;
            }
            return page;
        });
    }

  private:
    static std::string placeholders(int n) {
        std::string s;
        for (int i = 0; i < n; ++i) s += i ? ", ?" : "?";
        return s;
    }

    // Runs fn, turning SQLite's errors into the store's: a unique-constraint failure becomes
    // Conflict (with `conflict_message` when given), anything else StoreError.
    template <typename Fn>
    auto guarded(Fn&& fn, const std::string& conflict_message = {}) -> decltype(fn()) {
        try {
            return fn();
        } catch (const SQLite::Exception& e) {
            if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE ||
                e.getExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY)
                throw Conflict(conflict_message.empty() ? e.what() : conflict_message);
            throw StoreError(e.what());
        }
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

    std::optional<std::int64_t> boundary_id(const char* sql, UnixTime t) {
        SQLite::Statement q(db_, sql);
        q.bind(1, static_cast<int64_t>(t));
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getInt64();
    }

    void set_time(const char* sql, std::int64_t id, UnixTime at) {
        std::lock_guard lock(mutex_);
        guarded([&] {
            SQLite::Statement q(db_, sql);
            q.bind(1, static_cast<int64_t>(at));
            q.bind(2, static_cast<int64_t>(id));
            q.exec();
        });
    }

    void migrate(const std::filesystem::path& file) {
        std::lock_guard lock(mutex_);
        const int known = static_cast<int>(migrations().size());
        const int version = db_.execAndGet("PRAGMA user_version").getInt();
        if (version > known)
            throw StoreError(file.string() + " has schema version " + std::to_string(version) +
                             ", newer than this drawbridge knows (" + std::to_string(known) +
                             "): upgrade drawbridge");
        for (int v = version; v < known; ++v) {
            transaction([&] {
                db_.exec(std::string(migrations()[v]));
                db_.exec("PRAGMA user_version = " + std::to_string(v + 1));
            });
        }
        add_missing_setting_columns();
    }

    // Site settings are columns named after the field table, so a new setting is a new row in
    // that table: its column is added here with the struct's default, with no migration to write.
    void add_missing_setting_columns() {
        std::set<std::string> have;
        SQLite::Statement cols(db_, "SELECT name FROM pragma_table_info('site_settings')");
        while (cols.executeStep()) have.insert(cols.getColumn(0).getString());
        const core::SiteSettings defaults;
        transaction([&] {
            for (const auto& f : core::site_setting_fields()) {
                if (have.contains(std::string(f.name))) continue;
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
                    f.member);
                db_.exec("ALTER TABLE site_settings ADD COLUMN " + std::string(f.name) + " " +
                         decl);
            }
        });
    }

    std::recursive_mutex mutex_;
    SQLite::Database db_;
    std::optional<SQLite::Statement> insert_action_;
    int depth_ = 0;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& file) {
    try {
        return std::make_unique<SqliteStore>(file);
    } catch (const SQLite::Exception& e) {
        throw StoreError("cannot open " + file.string() + ": " + e.what());
    }
}

}  // namespace drawbridge::store
