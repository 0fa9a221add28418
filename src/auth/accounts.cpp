#include "auth/accounts.h"

#include <algorithm>
#include <system_error>

#include "core/crypto.h"
#include "core/password_hash.h"
#include "core/password_policy.h"
#include "core/ssh_key.h"
#include "core/user_fields.h"

namespace drawbridge::auth {

using core::AuthMethod;

namespace {

bool has_password_method(AuthMethod m) {
    return m == AuthMethod::password || m == AuthMethod::password_and_ssh_key;
}

std::string rule_path(std::string_view path) {
    auto canonical = core::canonical_rule_path(path);
    if (!canonical)
        throw AccountError("path '" + std::string(path) +
                           "': give an absolute path in the user's tree (\"/\" for its root), "
                           "without \"..\"");
    return *canonical;
}

// The user_root being set, checked and normalised; throws AccountError naming the rule.
void check_root(const UserRoots& roots, core::User& user) {
    try {
        user.user_root = roots.check(user.user_root);
    } catch (const RootRefused& e) {
        throw AccountError(e.what());
    }
}

bool sets_field(const FieldValues& fields, std::string_view name) {
    return std::any_of(fields.begin(), fields.end(),
                       [&](const auto& f) { return f.first == name; });
}

std::string describe(core::PermissionSet s) {
    const auto names = core::to_string(s);
    return names.empty() ? "none" : names;
}

}  // namespace

std::optional<std::string> validate_api_key_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return "API key names are 1 to 64 characters";
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            return "API key names use letters, digits, '.', '_' and '-'";
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return "an API key name must not be all digits (that would read as a key id)";
    return std::nullopt;
}

void Accounts::record(const core::User& user, std::string action, std::string detail,
                      const Actor& actor, std::string path) {
    core::ActionLogEntry e;
    e.created_at = clock_.now();
    e.user_id = user.id;
    e.username = user.username;
    e.ip = actor.ip;
    e.interface = actor.interface;
    e.action = std::move(action);
    e.detail = std::move(detail);
    e.path = std::move(path);
    log_.record(std::move(e));
}

core::User Accounts::get_user(std::string_view username) {
    auto u = store_.find_user_by_name(username);
    if (!u) throw AccountError("no user named '" + std::string(username) + "'");
    return *u;
}

void Accounts::apply_password(core::User& user, std::string_view password, bool require_change) {
    const auto site = store_.load_site_settings();
    const auto history = user.id ? store_.password_history(user.id, site.max_prior_passwords)
                                 : std::vector<std::string>{};
    const auto violations = core::check_password(password, site, history);
    if (!violations.empty()) throw AccountError(core::describe_violations(violations));
    user.password_hash = core::hash_password(password, iterations_);
    user.password_set_at = clock_.now();
    user.require_password_change = require_change;
    user.password_breached = core::is_common_password(password);
    if (user.authentication_method == AuthMethod::email_signup ||
        user.authentication_method == AuthMethod::password_with_imported_hash)
        user.authentication_method = AuthMethod::password;
}

core::User Accounts::create_user(const NewUser& spec, const Actor& actor) {
    if (auto e = core::validate_username(spec.username)) throw AccountError(*e);
    core::User user;
    user.username = spec.username;
    user.created_at = clock_.now();
    for (const auto& [name, value] : spec.fields)
        if (auto e = core::set_user_field(user, name, value)) throw AccountError(*e);
    check_root(roots_, user);
    if (spec.password && spec.imported_hash)
        throw AccountError("give either a password or an imported hash, not both");

    if (spec.imported_hash) {
        const auto inspection = core::inspect_hash(*spec.imported_hash);
        if (!inspection.format) throw AccountError("imported hash refused: " + inspection.error);
        user.authentication_method = AuthMethod::password_with_imported_hash;
        user.password_hash = *spec.imported_hash;
        user.password_set_at = clock_.now();
    } else if (spec.password) {
        if (!has_password_method(user.authentication_method) &&
            user.authentication_method != AuthMethod::email_signup)
            throw AccountError("authentication method '" +
                               std::string(core::to_string(user.authentication_method)) +
                               "' takes no password");
        apply_password(user, *spec.password, user.require_password_change);
    } else if (has_password_method(user.authentication_method)) {
        throw AccountError("authentication method '" +
                           std::string(core::to_string(user.authentication_method)) +
                           "' needs a password (or choose email_signup or none)");
    }

    store_.transaction([&] {
        try {
            store_.create_user(user);
        } catch (const store::Conflict&) {
            throw AccountError("username '" + user.username + "' is already taken");
        }
        // SQLite may hand out the id of the last user deleted again; a folder still named by
        // it (left by a node that did not move it aside) belongs to no one: set it aside too.
        set_aside_leftover(user);
        if (spec.password)
            store_.add_password_history(user.id, user.password_hash, clock_.now(),
                                        kPasswordHistoryKept);
        record(user, "user_create",
               "user created with authentication_method " +
                   std::string(core::to_string(user.authentication_method)),
               actor);
    });
    if (on_created_) on_created_(user, actor);
    return user;
}

core::User Accounts::update_user(std::string_view username, const FieldValues& fields,
                                 const Actor& actor) {
    core::User user = get_user(username);
    const std::string changed = apply_fields(user, fields);
    if (has_password_method(user.authentication_method) && user.password_hash.empty())
        throw AccountError("set a password first (`user password`): authentication method '" +
                           std::string(core::to_string(user.authentication_method)) +
                           "' needs one");
    store_.transaction([&] {
        save_user(user);
        record(user, "user_update", "changed " + changed, actor);
    });
    return user;
}

std::string Accounts::apply_fields(core::User& user, const FieldValues& fields) {
    std::string changed;
    for (const auto& [name, value] : fields) {
        if (auto e = core::set_user_field(user, name, value)) throw AccountError(*e);
        changed += (changed.empty() ? "" : ", ") + name;
    }
    // A stored root is checked again at each login; only a new one is checked here, so that a
    // root the configuration no longer allows does not block unrelated changes.
    if (sets_field(fields, "user_root")) check_root(roots_, user);
    return changed;
}

void Accounts::save_user(const core::User& user) {
    try {
        store_.update_user(user);
    } catch (const store::Conflict&) {
        throw AccountError("username '" + user.username + "' is already taken");
    }
}

core::User Accounts::set_disabled(std::string_view username, bool disabled, const Actor& actor) {
    return update_user(username, {{"disabled", disabled ? "true" : "false"}}, actor);
}

void Accounts::set_aside_leftover(const core::User& user) {
    try {
        roots_.keep_aside(user.id, "unowned", clock_.now());
    } catch (const std::system_error& e) {
        throw AccountError(std::string("the new user's folder is taken by a leftover one: ") +
                           e.what());
    }
}

std::optional<std::filesystem::path> Accounts::delete_user(std::string_view username,
                                                           const Actor& actor) {
    const core::User user = get_user(username);
    std::optional<std::filesystem::path> kept;
    try {
        store_.transaction([&] {
            store_.delete_user(user.id);
            // Moved inside the transaction: if it cannot be moved, the user is not deleted.
            if (user.user_root.empty()) {
                try {
                    kept = roots_.keep_aside(user.id, user.username, clock_.now());
                } catch (const std::system_error& e) {
                    throw AccountError(std::string("user not deleted: ") + e.what());
                }
            }
            record(user, "user_destroy",
                   kept ? "user deleted; its files were moved to " + kept->generic_string() +
                              " in the files folder"
                        : "user deleted",
                   actor);
        });
    } catch (...) {
        if (kept) roots_.put_back(*kept, user.id);
        throw;
    }
    return kept;
}

core::User Accounts::set_password(std::string_view username, std::string_view password,
                                  bool require_change, const Actor& actor,
                                  const FieldValues& fields) {
    core::User user = get_user(username);
    const std::string changed = apply_fields(user, fields);
    if (user.authentication_method == AuthMethod::none ||
        user.authentication_method == AuthMethod::sso)
        throw AccountError("user '" + user.username + "' uses authentication method '" +
                           std::string(core::to_string(user.authentication_method)) +
                           "', which takes no password; change authentication_method first");
    apply_password(user, password, require_change);
    store_.transaction([&] {
        save_user(user);
        store_.add_password_history(user.id, user.password_hash, clock_.now(),
                                    kPasswordHistoryKept);
        record(
            user, "user_update",
            (changed.empty() ? "" : "changed " + changed + "; ") +
                (require_change ? "password set; must be changed at next login" : "password set"),
            actor);
    });
    return user;
}

core::User Accounts::import_password_hash(std::string_view username, std::string_view hash,
                                          const Actor& actor) {
    core::User user = get_user(username);
    const auto inspection = core::inspect_hash(hash);
    if (!inspection.format) throw AccountError("imported hash refused: " + inspection.error);
    user.authentication_method = AuthMethod::password_with_imported_hash;
    user.password_hash = std::string(hash);
    user.password_set_at = clock_.now();
    store_.transaction([&] {
        store_.update_user(user);
        record(user, "user_update",
               "imported a " + std::string(core::to_string(*inspection.format)) + " password hash",
               actor);
    });
    return user;
}

core::User Accounts::unlock(std::string_view username, const Actor& actor) {
    core::User user = get_user(username);
    user.lockout_expires.reset();
    store_.transaction([&] {
        store_.update_user(user);
        store_.clear_login_failures(user.id, "");  // the count starts again from nothing
        store_.clear_user_address_locks(user.id);
        record(user, "user_update", "unlocked", actor);
    });
    return user;
}

CreatedApiKey Accounts::create_api_key(std::string_view username, std::string_view name,
                                       std::string_view description,
                                       std::optional<core::UnixTime> expires_at,
                                       const Actor& actor) {
    const core::User user = get_user(username);
    if (auto e = validate_api_key_name(name)) throw AccountError(*e);
    if (description.size() > 1024)
        throw AccountError("description must be at most 1024 characters");
    if (expires_at && *expires_at <= clock_.now()) throw AccountError("expires_at is in the past");
    for (const auto& k : store_.list_api_keys(user.id))
        if (k.name == name)
            throw AccountError("user '" + user.username + "' already has an API key named '" +
                               std::string(name) + "'");
    CreatedApiKey created;
    // 256 random bits: a plain SHA-256 digest is enough to store it, no slow hash needed.
    created.secret = core::crypto::to_hex(core::crypto::random_bytes(32));
    created.key.user_id = user.id;
    created.key.name = std::string(name);
    created.key.description = std::string(description);
    created.key.digest_hex = core::crypto::to_hex(core::crypto::sha256(created.secret));
    created.key.created_at = clock_.now();
    created.key.expires_at = expires_at;
    store_.transaction([&] {
        try {
            store_.create_api_key(created.key);
        } catch (const store::Conflict&) {  // a key of that name created meanwhile
            throw AccountError("user '" + user.username + "' already has an API key named '" +
                               std::string(name) + "'");
        }
        record(user, "api_key_create",
               "API key '" + created.key.name + "' (id " + std::to_string(created.key.id) + ")",
               actor);
    });
    return created;
}

std::vector<core::ApiKey> Accounts::list_api_keys(std::string_view username) {
    return store_.list_api_keys(get_user(username).id);
}

void Accounts::revoke_api_key(std::string_view username, std::string_view which,
                              const Actor& actor) {
    const core::User user = get_user(username);
    for (const auto& k : store_.list_api_keys(user.id)) {
        if (std::to_string(k.id) == which || k.name == which) {
            store_.transaction([&] {
                store_.delete_api_key(k.id);
                record(user, "api_key_destroy",
                       "API key '" + k.name + "' (id " + std::to_string(k.id) + ")", actor);
            });
            return;
        }
    }
    throw AccountError("user '" + user.username + "' has no API key '" + std::string(which) + "'");
}

core::SshKey Accounts::add_ssh_key(std::string_view username, std::string_view public_key_line,
                                   std::string_view title, const Actor& actor) {
    const core::User user = get_user(username);
    auto parsed = core::parse_ssh_public_key(public_key_line);
    if (auto* error = std::get_if<std::string>(&parsed))
        throw AccountError("SSH key refused: " + *error);
    auto& p = std::get<core::ParsedSshKey>(parsed);
    core::SshKey key;
    key.user_id = user.id;
    key.title = !title.empty() ? std::string(title) : !p.comment.empty() ? p.comment : p.key_type;
    if (key.title.size() > 256) throw AccountError("title must be at most 256 characters");
    key.key_type = p.key_type;
    key.public_key_base64 = p.base64;
    key.fingerprint_sha256 = p.fingerprint;
    key.created_at = clock_.now();
    store_.transaction([&] {
        try {
            store_.create_ssh_key(key);
        } catch (const store::Conflict&) {
            throw AccountError("key " + key.fingerprint_sha256 + " is already registered for '" +
                               user.username + "'");
        }
        record(user, "ssh_key_create", key.key_type + " key " + key.fingerprint_sha256, actor);
    });
    return key;
}

std::vector<core::SshKey> Accounts::list_ssh_keys(std::string_view username) {
    return store_.list_ssh_keys(get_user(username).id);
}

void Accounts::remove_ssh_key(std::string_view username, std::string_view which,
                              const Actor& actor) {
    const core::User user = get_user(username);
    for (const auto& k : store_.list_ssh_keys(user.id)) {
        if (std::to_string(k.id) == which || k.fingerprint_sha256 == which) {
            store_.transaction([&] {
                store_.delete_ssh_key(k.id);
                record(user, "ssh_key_destroy", k.key_type + " key " + k.fingerprint_sha256, actor);
            });
            return;
        }
    }
    throw AccountError("user '" + user.username + "' has no SSH key '" + std::string(which) + "'");
}

core::FolderPermission Accounts::set_folder_permission(std::string_view username,
                                                       std::string_view path,
                                                       core::PermissionSet granted,
                                                       const Actor& actor) {
    const core::User user = get_user(username);
    core::FolderPermission rule;
    rule.user_id = user.id;
    rule.path = rule_path(path);
    rule.permissions = granted;
    rule.created_at = clock_.now();
    store_.transaction([&] {
        store_.set_folder_permission(rule);
        record(user, "permission_create", "allows " + describe(granted), actor, rule.path);
    });
    return rule;
}

std::vector<core::FolderPermission> Accounts::list_folder_permissions(std::string_view username) {
    return store_.list_folder_permissions(get_user(username).id);
}

void Accounts::remove_folder_permission(std::string_view username, std::string_view path,
                                        const Actor& actor) {
    const core::User user = get_user(username);
    const std::string canonical = rule_path(path);
    store_.transaction([&] {
        if (!store_.delete_folder_permission(user.id, canonical))
            throw AccountError("user '" + user.username + "' has no folder permission at '" +
                               canonical + "'");
        record(user, "permission_destroy", "rule removed", actor, canonical);
    });
}

std::string Accounts::generate_password() {
    return core::generate_password(store_.load_site_settings());
}

std::string Accounts::key_management_refusal(const core::User& actor, const core::User& owner,
                                             KeyKind kind) {
    if (actor.site_admin) return {};
    if (actor.id != owner.id) return "this needs a site administrator";
    const auto site = store_.load_site_settings();
    const bool allowed =
        kind == KeyKind::api ? site.users_can_create_api_keys : site.users_can_create_ssh_keys;
    return allowed ? std::string() : "this site does not let users manage their own keys";
}

}  // namespace drawbridge::auth
