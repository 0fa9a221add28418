// The PostgreSQL store's users, password history, API and SSH keys, and folder permissions:
// the statements of sqlite_store.cpp with lower() for COLLATE NOCASE and RETURNING id for the
// last insert rowid.
#include <algorithm>

#include "core/cidr.h"
#include "store/pg_store_impl.h"
#include "store/user_columns.h"

namespace drawbridge::store::pg {
namespace {

constexpr int kUserFields = 30;  // without id
const std::string kUserSelect =
    std::string("SELECT ") + kUserColumns +
    ", (EXISTS (SELECT 1 FROM totp t WHERE t.user_id = users.id AND t.confirmed = 1) OR "
    "EXISTS (SELECT 1 FROM webauthn_keys w WHERE w.user_id = users.id))::int";

core::User read_user(const Result& r, int row) {
    core::User u;
    int i = 0;
    u.id = r.i64(row, i++);
    u.username = r.text(row, i++);
    u.email = r.text(row, i++);
    u.authentication_method =
        core::parse_auth_method(r.text(row, i++)).value_or(core::AuthMethod::none);
    u.site_admin = r.i64(row, i++);
    u.disabled = r.i64(row, i++);
    u.authenticate_until = r.opt(row, i++);
    u.require_password_change = r.i64(row, i++);
    u.password_hash = r.text(row, i++);
    u.password_set_at = r.opt(row, i++);
    u.password_validity =
        core::PasswordValidity::parse(r.text(row, i++)).value_or(core::PasswordValidity{});
    u.password_breached = r.i64(row, i++);
    u.self_managed = r.i64(row, i++);
    u.sftp_permission = r.i64(row, i++);
    u.ftp_permission = r.i64(row, i++);
    u.dav_permission = r.i64(row, i++);
    u.restapi_permission = r.i64(row, i++);
    u.web_permission = r.i64(row, i++);
    u.allowed_ips = core::split_list(r.text(row, i++));
    u.bypass_site_allowed_ips = r.i64(row, i++);
    u.user_root = r.text(row, i++);
    u.ssl_required =
        core::parse_site_default(r.text(row, i++)).value_or(core::SiteDefault::use_system_setting);
    u.require_2fa =
        core::parse_site_default(r.text(row, i++)).value_or(core::SiteDefault::use_system_setting);
    u.lockout_expires = r.opt(row, i++);
    u.last_login_at = r.opt(row, i++);
    u.last_sftp_login_at = r.opt(row, i++);
    u.last_ftp_login_at = r.opt(row, i++);
    u.last_dav_login_at = r.opt(row, i++);
    u.last_restapi_login_at = r.opt(row, i++);
    u.last_web_login_at = r.opt(row, i++);
    u.created_at = r.i64(row, i++);
    u.active_2fa = r.i64(row, i++);
    return u;
}

// Every column but id, in kUserColumns order.
Params user_params(const core::User& u) {
    return {u.username,
            u.email,
            core::to_string(u.authentication_method),
            u.site_admin,
            u.disabled,
            u.authenticate_until,
            u.require_password_change,
            u.password_hash,
            u.password_set_at,
            u.password_validity.to_string(),
            u.password_breached,
            u.self_managed,
            u.sftp_permission,
            u.ftp_permission,
            u.dav_permission,
            u.restapi_permission,
            u.web_permission,
            core::join_list(u.allowed_ips),
            u.bypass_site_allowed_ips,
            u.user_root,
            core::to_string(u.ssl_required),
            core::to_string(u.require_2fa),
            u.lockout_expires,
            u.last_login_at,
            u.last_sftp_login_at,
            u.last_ftp_login_at,
            u.last_dav_login_at,
            u.last_restapi_login_at,
            u.last_web_login_at,
            u.created_at};
}

std::string numbered(int from, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? ", $" : "$") + std::to_string(from + i);
    return s;
}

std::vector<core::User> users_of(const Result& r) {
    std::vector<core::User> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r, i));
    return out;
}

constexpr const char* kApiKeyColumns =
    "id, user_id, name, description, digest_hex, created_at, expires_at, last_use_at";
core::ApiKey read_api_key(const Result& r, int i) {
    core::ApiKey k;
    k.id = r.i64(i, 0);
    k.user_id = r.i64(i, 1);
    k.name = r.text(i, 2);
    k.description = r.text(i, 3);
    k.digest_hex = r.text(i, 4);
    k.created_at = r.i64(i, 5);
    k.expires_at = r.opt(i, 6);
    k.last_use_at = r.opt(i, 7);
    return k;
}

constexpr const char* kSshKeyColumns =
    "id, user_id, title, key_type, public_key_base64, fingerprint_sha256, created_at, "
    "last_login_at";
core::SshKey read_ssh_key(const Result& r, int i) {
    core::SshKey k;
    k.id = r.i64(i, 0);
    k.user_id = r.i64(i, 1);
    k.title = r.text(i, 2);
    k.key_type = r.text(i, 3);
    k.public_key_base64 = r.text(i, 4);
    k.fingerprint_sha256 = r.text(i, 5);
    k.created_at = r.i64(i, 6);
    k.last_login_at = r.opt(i, 7);
    return k;
}

constexpr const char* kRuleColumns = "id, user_id, path, permissions, created_at";
// A permissions text this binary cannot read grants nothing rather than everything.
core::FolderPermission read_rule(const Result& r, int i) {
    core::FolderPermission p;
    p.id = r.i64(i, 0);
    p.user_id = r.i64(i, 1);
    p.path = r.text(i, 2);
    p.permissions = core::parse_permission_set(r.text(i, 3)).value_or(core::PermissionSet::none());
    p.created_at = r.i64(i, 4);
    return p;
}

template <typename T, typename Read>
std::vector<T> all_of(const Result& r, Read read) {
    std::vector<T> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
    return out;
}

}  // namespace

void PgStore::create_user(core::User& user) {
    const auto r = run_or_conflict(std::string("INSERT INTO users (") + (kUserColumns + 4) +
                                       ") VALUES (" + numbered(1, kUserFields) + ") RETURNING id",
                                   user_params(user), [&](std::string_view) {
                                       return "username '" + user.username + "' is already taken";
                                   });
    user.id = r.i64(0, 0);
}

std::optional<core::User> PgStore::find_user(std::int64_t id) {
    const auto r = run(kUserSelect + " FROM users WHERE id = $1", {id});
    if (r.rows() == 0) return std::nullopt;
    return read_user(r, 0);
}

std::optional<core::User> PgStore::find_user_by_name(std::string_view username) {
    const auto r = run(kUserSelect + " FROM users WHERE lower(username) = lower($1)", {username});
    if (r.rows() == 0) return std::nullopt;
    return read_user(r, 0);
}

std::vector<core::User> PgStore::list_users(const UserFilter& f) {
    std::string sql = kUserSelect + " FROM users WHERE true";
    Params p;
    auto next = [&](Param v) {
        p.push_back(std::move(v));
        return "$" + std::to_string(p.size());
    };
    if (f.search) {
        const auto s = next(*f.search);
        sql += " AND (strpos(lower(username), lower(" + s +
               ")) > 0 OR strpos(lower(email), lower(" + s + ")) > 0)";
    }
    if (f.disabled) sql += " AND disabled = " + next(*f.disabled ? 1 : 0) + "::int";
    if (f.method)
        sql += " AND authentication_method = " + next(core::to_string(*f.method)) + "::text";
    if (f.after_username)
        sql += " AND lower(username) COLLATE \"C\" > lower(" + next(*f.after_username) + ")";
    sql += " ORDER BY lower(username) COLLATE \"C\" LIMIT " + next(std::max(1, f.limit)) + "::int";
    return users_of(run(sql, p));
}

std::int64_t PgStore::count_users() {
    return run("SELECT count(*) FROM users").i64(0, 0);
}

std::vector<std::string> PgStore::user_ip_allow_lists() {
    const auto r =
        run("SELECT DISTINCT allowed_ips FROM users "
            "WHERE allowed_ips <> '' OR bypass_site_allowed_ips <> 0");
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
}

bool PgStore::any_user_with_ssl_required(core::SiteDefault value) {
    return run("SELECT 1 FROM users WHERE ssl_required = $1 LIMIT 1", {core::to_string(value)})
               .rows() > 0;
}

// The sessions the change revokes (Store::update_user) are compared with the row before it
// is written, in one transaction with the write.
void PgStore::update_user(const core::User& user) {
    std::string sql = "UPDATE users SET ";
    std::string_view cols = kUserColumns + 4;
    for (int i = 1; !cols.empty(); ++i) {
        const auto comma = cols.find(", ");
        sql +=
            (i > 1 ? ", " : "") + std::string(cols.substr(0, comma)) + " = $" + std::to_string(i);
        cols = comma == std::string_view::npos ? std::string_view{} : cols.substr(comma + 2);
    }
    sql += " WHERE id = $" + std::to_string(kUserFields + 1);
    auto params = user_params(user);
    params.emplace_back(user.id);
    transaction([&] {
        run("DELETE FROM sessions WHERE user_id = $1 AND ("
            " $2::int <> 0"
            " OR ($3::bigint IS NOT NULL AND"
            "     $3::bigint IS DISTINCT FROM (SELECT lockout_expires FROM users WHERE id = $1))"
            " OR (password_digest <> '' AND"
            "     $4::text IS DISTINCT FROM (SELECT password_hash FROM users WHERE id = $1)))",
            {user.id, user.disabled ? 1 : 0, user.lockout_expires, user.password_hash});
        run_or_conflict(sql, params, [&](std::string_view) {
            return "username '" + user.username + "' is already taken";
        });
    });
    changed_rights();
}

bool PgStore::delete_user(std::int64_t id) {
    const bool deleted = run("DELETE FROM users WHERE id = $1", {id}).affected() > 0;
    changed_rights();
    return deleted;
}

void PgStore::add_password_history(std::int64_t user_id, const std::string& hash, core::UnixTime at,
                                   int keep) {
    run("INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)",
        {user_id, hash, at});
    run("DELETE FROM password_history WHERE user_id = $1 AND id NOT IN "
        "(SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
        {user_id, std::max(0, keep)});
}

std::vector<std::string> PgStore::password_history(std::int64_t user_id, int newest) {
    const auto r =
        run("SELECT password_hash FROM password_history WHERE user_id = $1 "
            "ORDER BY id DESC LIMIT $2",
            {user_id, std::max(0, newest)});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
}

void PgStore::create_api_key(core::ApiKey& k) {
    const auto r = run_or_conflict(
        "INSERT INTO api_keys (user_id, name, description, digest_hex, created_at, expires_at, "
        "last_use_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {k.user_id, k.name, k.description, k.digest_hex, k.created_at, k.expires_at, k.last_use_at},
        [&](std::string_view constraint) {
            return constraint.find("digest_hex") != std::string_view::npos
                       ? std::string("an API key with this digest already exists")
                       : "user " + std::to_string(k.user_id) + " already has an API key named '" +
                             k.name + "'";
        });
    k.id = r.i64(0, 0);
}

std::optional<core::ApiKey> PgStore::find_api_key(std::int64_t id) {
    const auto r =
        run(std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE id = $1", {id});
    if (r.rows() == 0) return std::nullopt;
    return read_api_key(r, 0);
}

std::optional<core::ApiKey> PgStore::find_api_key_by_digest(const std::string& digest_hex) {
    const auto r =
        run(std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE digest_hex = $1",
            {digest_hex});
    if (r.rows() == 0) return std::nullopt;
    return read_api_key(r, 0);
}

std::vector<core::ApiKey> PgStore::list_api_keys(std::int64_t user_id) {
    return all_of<core::ApiKey>(run(std::string("SELECT ") + kApiKeyColumns +
                                        " FROM api_keys WHERE user_id = $1 ORDER BY id",
                                    {user_id}),
                                read_api_key);
}

bool PgStore::delete_api_key(std::int64_t id) {
    const bool deleted = run("DELETE FROM api_keys WHERE id = $1", {id}).affected() > 0;
    changed_rights();
    return deleted;
}

void PgStore::touch_api_key(std::int64_t id, core::UnixTime at) {
    run("UPDATE api_keys SET last_use_at = $1 WHERE id = $2", {at, id});
}

void PgStore::create_ssh_key(core::SshKey& k) {
    const auto r = run_or_conflict(
        "INSERT INTO ssh_keys (user_id, title, key_type, public_key_base64, fingerprint_sha256, "
        "created_at, last_login_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {k.user_id, k.title, k.key_type, k.public_key_base64, k.fingerprint_sha256, k.created_at,
         k.last_login_at},
        [&](std::string_view) {
            return "SSH key " + k.fingerprint_sha256 + " is already registered for user " +
                   std::to_string(k.user_id);
        });
    k.id = r.i64(0, 0);
}

std::optional<core::SshKey> PgStore::find_ssh_key(std::int64_t id) {
    const auto r =
        run(std::string("SELECT ") + kSshKeyColumns + " FROM ssh_keys WHERE id = $1", {id});
    if (r.rows() == 0) return std::nullopt;
    return read_ssh_key(r, 0);
}

std::vector<core::SshKey> PgStore::list_ssh_keys(std::int64_t user_id) {
    return all_of<core::SshKey>(run(std::string("SELECT ") + kSshKeyColumns +
                                        " FROM ssh_keys WHERE user_id = $1 ORDER BY id",
                                    {user_id}),
                                read_ssh_key);
}

bool PgStore::delete_ssh_key(std::int64_t id) {
    const bool deleted = run("DELETE FROM ssh_keys WHERE id = $1", {id}).affected() > 0;
    changed_rights();
    return deleted;
}

void PgStore::touch_ssh_key(std::int64_t id, core::UnixTime at) {
    run("UPDATE ssh_keys SET last_login_at = $1 WHERE id = $2", {at, id});
}

// An upsert, so that a rule replaced keeps its identity and creation time.
void PgStore::set_folder_permission(core::FolderPermission& rule) {
    const auto r =
        run("INSERT INTO folder_permissions (user_id, path, permissions, created_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, path) "
            "DO UPDATE SET permissions = excluded.permissions RETURNING id, created_at",
            {rule.user_id, rule.path, core::to_string(rule.permissions), rule.created_at});
    rule.id = r.i64(0, 0);
    rule.created_at = r.i64(0, 1);
}

std::vector<core::FolderPermission> PgStore::list_folder_permissions(std::int64_t user_id) {
    // COLLATE "C": paths in byte order, as SQLite's BINARY collation lists them.
    return all_of<core::FolderPermission>(
        run(std::string("SELECT ") + kRuleColumns +
                " FROM folder_permissions WHERE user_id = $1 ORDER BY path COLLATE \"C\"",
            {user_id}),
        read_rule);
}

std::optional<core::FolderPermission> PgStore::find_folder_permission(std::int64_t id) {
    const auto r =
        run(std::string("SELECT ") + kRuleColumns + " FROM folder_permissions WHERE id = $1", {id});
    if (r.rows() == 0) return std::nullopt;
    return read_rule(r, 0);
}

bool PgStore::delete_folder_permission(std::int64_t user_id, const std::string& path) {
    return run("DELETE FROM folder_permissions WHERE user_id = $1 AND path = $2", {user_id, path})
               .affected() > 0;
}

}  // namespace drawbridge::store::pg
