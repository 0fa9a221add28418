// Account administration with its rules: creating users, passwords under the site's policy,
// imported hashes, API keys and SSH keys. The CLI uses it now and the REST API later, so that no
// interface re-implements a rule. Every change is written to the action log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "audit/action_log.h"
#include "auth/user_roots.h"
#include "core/clock.h"
#include "core/folder_permission.h"
#include "core/user.h"
#include "store/store.h"

namespace drawbridge::auth {

// A request that breaks a rule; the message says which, and is safe to show the caller.
struct AccountError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Who asks, for the action log.
struct Actor {
    core::Interface interface = core::Interface::cli;
    std::string ip;
};

using FieldValues = std::vector<std::pair<std::string, std::string>>;

struct NewUser {
    std::string username;
    FieldValues fields;                   // any writable field of core::user_fields()
    std::optional<std::string> password;  // plaintext, checked against the policy
    std::optional<std::string> imported_hash;
};

struct CreatedApiKey {
    core::ApiKey key;
    std::string secret;  // shown once; only its digest is stored
};

class Accounts {
  public:
    // `roots` says where users' files are on this node: user_root values are checked against it
    // and a deleted user's default root is moved aside through it.
    Accounts(store::Store& store, audit::ActionLog& log, const core::Clock& clock,
             std::uint32_t pbkdf2_iterations, const UserRoots& roots)
        : store_(store), log_(log), clock_(clock), iterations_(pbkdf2_iterations), roots_(roots) {}

    core::User create_user(const NewUser& spec, const Actor& actor);
    // Called after a user is created (committed), by every interface alike: the welcome mail
    // (docs/mail.md#welcome) hangs here, so that auth does not depend on mail.
    using CreatedHook = std::function<void(const core::User&, const Actor&)>;
    void on_user_created(CreatedHook hook) { on_created_ = std::move(hook); }
    // A rename keeps the user's files: default roots are named by id (user_roots.h).
    core::User update_user(std::string_view username, const FieldValues& fields,
                           const Actor& actor);
    core::User set_disabled(std::string_view username, bool disabled, const Actor& actor);
    // Deletes the user with its keys. Its default root, if it has one on disk, is moved to
    // <files>/.deleted/<id>-<username>-<time> (returned, relative to the files folder), where
    // no later user can get it; a user_root set by an administrator is left as it is.
    std::optional<std::filesystem::path> delete_user(std::string_view username, const Actor& actor);
    core::User get_user(std::string_view username);  // throws AccountError when unknown

    // Sets a plaintext password under the site's policy (including reuse of the last n).
    // An email_signup or imported-hash user becomes a `password` user. `fields` are applied
    // first, in the same change: a new authentication method that takes a password gets this one.
    core::User set_password(std::string_view username, std::string_view password,
                            bool require_change, const Actor& actor,
                            const FieldValues& fields = {});
    // Stores a hash from another system as it is; the method becomes password_with_imported_hash.
    core::User import_password_hash(std::string_view username, std::string_view hash,
                                    const Actor& actor);
    // Lifts a lockout now.
    core::User unlock(std::string_view username, const Actor& actor);

    // Who may list, create and remove a user's keys: a site administrator any user's; a user
    // its own, where the site lets users (users_can_create_api_keys, _ssh_keys). Empty when
    // `actor` may manage `owner`'s keys of `kind`, otherwise why not, in words for the client.
    enum class KeyKind { api, ssh };
    std::string key_management_refusal(const core::User& actor, const core::User& owner,
                                       KeyKind kind);

    CreatedApiKey create_api_key(std::string_view username, std::string_view name,
                                 std::string_view description,
                                 std::optional<core::UnixTime> expires_at, const Actor& actor);
    std::vector<core::ApiKey> list_api_keys(std::string_view username);
    // `which` is the key's id or its name.
    void revoke_api_key(std::string_view username, std::string_view which, const Actor& actor);

    core::SshKey add_ssh_key(std::string_view username, std::string_view public_key_line,
                             std::string_view title, const Actor& actor);
    std::vector<core::SshKey> list_ssh_keys(std::string_view username);
    void remove_ssh_key(std::string_view username, std::string_view which, const Actor& actor);

    // Folder permissions (per-path rules, see core/folder_permission.h). `path` is a virtual
    // path of the user's tree, "/" for the whole root; set replaces the rule at that path.
    core::FolderPermission set_folder_permission(std::string_view username, std::string_view path,
                                                 core::PermissionSet granted, const Actor& actor);
    std::vector<core::FolderPermission> list_folder_permissions(std::string_view username);
    void remove_folder_permission(std::string_view username, std::string_view path,
                                  const Actor& actor);
    // The rules a session of `user` runs under, loaded when it starts.
    std::vector<core::FolderPermission> folder_permissions_of(const core::User& user) {
        return store_.list_folder_permissions(user.id);
    }

    std::string generate_password();

    // History is kept at the policy's maximum, so raising max_prior_passwords later still works.
    static constexpr int kPasswordHistoryKept = 30;

    // Writes one entry about `user` to the action log (also for auth/second_factors.h).
    void record(const core::User& user, std::string action, std::string detail, const Actor& actor,
                std::string path = {});

  private:
    void apply_password(core::User& user, std::string_view password, bool require_change);
    // Sets each field (checking a new user_root); returns their names, "a, b".
    std::string apply_fields(core::User& user, const FieldValues& fields);
    void save_user(const core::User& user);  // a taken username is an AccountError
    void set_aside_leftover(const core::User& user);

    store::Store& store_;
    audit::ActionLog& log_;
    const core::Clock& clock_;
    std::uint32_t iterations_;
    const UserRoots& roots_;
    CreatedHook on_created_;
};

// API key names: 1-64 of letters, digits, '.', '_' and '-', not all digits (so that
// "@api-<name>" and "@api-<id>" cannot be confused). Returns an error, or nullopt.
std::optional<std::string> validate_api_key_name(std::string_view name);

}  // namespace drawbridge::auth
