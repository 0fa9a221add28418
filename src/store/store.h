// Persistence for everything the site knows. One interface; SQLite embedded, or PostgreSQL
// for nodes that share one database (docs/store.md). Implementations are safe to call from several
// threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/action_log.h"
#include "core/folder_permission.h"
#include "core/ip_ban.h"
#include "core/login.h"
#include "core/mail.h"
#include "core/node_record.h"
#include "core/second_factor.h"
#include "core/site_settings.h"
#include "core/user.h"

namespace drawbridge::store {

struct StoreError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// A unique constraint refused the write (for example a username taken in another case).
struct Conflict : StoreError {
    using StoreError::StoreError;
};

struct UserFilter {
    std::optional<std::string> search;  // substring of username or email, case-insensitive
    std::optional<bool> disabled;
    std::optional<core::AuthMethod> method;
    std::optional<std::string> after_username;  // cursor: usernames after this one
    int limit = 1000;
};

class Store {
  public:
    virtual ~Store() = default;

    virtual int schema_version() = 0;
    // A number that changes whenever something a session's rights rest on may have changed
    // (users, API and SSH keys, bans, IP lists, locks, site settings), in this process or in
    // another one sharing the database. LoginGate::readmit re-checks a session in full only
    // when it moved; a spurious change only costs a full check.
    virtual std::uint64_t rights_version() = 0;

    // Runs `fn` in one transaction; an exception rolls it back and propagates.
    virtual void transaction(const std::function<void()>& fn) = 0;
    // Whether the calling thread is inside transaction(): what it writes commits with it.
    virtual bool in_transaction() const = 0;

    virtual core::SiteSettings load_site_settings() = 0;
    virtual void save_site_settings(const core::SiteSettings& s) = 0;

    // Sets user.id; throws Conflict when the username exists in any letter case.
    virtual void create_user(core::User& user) = 0;
    virtual std::optional<core::User> find_user(std::int64_t id) = 0;
    virtual std::optional<core::User> find_user_by_name(std::string_view username) = 0;
    virtual std::vector<core::User> list_users(const UserFilter& filter) = 0;  // by username
    virtual std::int64_t count_users() = 0;
    // The distinct per-user IP allow lists (comma-separated CIDRs) of every user that has one or
    // that bypasses the site list; an empty string means such a user admits every address.
    virtual std::vector<std::string> user_ip_allow_lists() = 0;
    // Whether any user has this ssl_required value.
    virtual bool any_user_with_ssl_required(core::SiteDefault value) = 0;
    // Writes every field of the row with user.id; throws Conflict on a username clash. In the
    // same transaction it ends the user's sessions that the change revokes: a new password
    // hash those that logged in with a password; a disable, or a new lock (lockout_expires
    // set to another time), every one (docs/rest-api.md#sessions).
    virtual void update_user(const core::User& user) = 0;
    // Removes the user with its keys, password history and sessions; false if there was none.
    virtual bool delete_user(std::int64_t id) = 0;

    // Records a previous password hash and keeps only the newest `keep` (0 keeps none).
    virtual void add_password_history(std::int64_t user_id, const std::string& hash,
                                      core::UnixTime at, int keep) = 0;
    virtual std::vector<std::string> password_history(std::int64_t user_id, int newest) = 0;

    virtual void create_api_key(core::ApiKey& key) = 0;  // sets key.id
    virtual std::optional<core::ApiKey> find_api_key(std::int64_t id) = 0;
    virtual std::optional<core::ApiKey> find_api_key_by_digest(const std::string& digest_hex) = 0;
    virtual std::vector<core::ApiKey> list_api_keys(std::int64_t user_id) = 0;
    virtual bool delete_api_key(std::int64_t id) = 0;  // and the sessions it opened
    virtual void touch_api_key(std::int64_t id, core::UnixTime at) = 0;  // last_use_at

    virtual void create_ssh_key(
        core::SshKey& key) = 0;  // sets key.id; Conflict on same key twice for a user
    virtual std::optional<core::SshKey> find_ssh_key(std::int64_t id) = 0;
    virtual std::vector<core::SshKey> list_ssh_keys(std::int64_t user_id) = 0;
    virtual bool delete_ssh_key(std::int64_t id) = 0;  // and the sessions it opened
    virtual void touch_ssh_key(std::int64_t id, core::UnixTime at) = 0;  // last_login_at

    // Second factors (docs/two-factor.md). begin_totp replaces an unconfirmed secret and throws
    // Conflict when a confirmed one exists; confirm_totp turns the unconfirmed one on with the
    // step of the code that confirmed it; claim_totp_step records an accepted code's step, once:
    // false when that step or a later one was accepted already (a replay), or there is no
    // confirmed secret. Recovery codes are kept as digests, each usable once.
    virtual std::optional<core::TotpEnrolment> find_totp(std::int64_t user_id) = 0;
    virtual void begin_totp(const core::TotpEnrolment& enrolment) = 0;
    virtual bool confirm_totp(std::int64_t user_id, std::int64_t step) = 0;
    virtual bool claim_totp_step(std::int64_t user_id, std::int64_t step) = 0;
    virtual bool delete_totp(std::int64_t user_id) = 0;
    virtual void replace_recovery_codes(std::int64_t user_id,
                                        const std::vector<std::string>& digests) = 0;
    virtual bool use_recovery_code(std::int64_t user_id, const std::string& digest,
                                   core::UnixTime at) = 0;
    virtual int count_recovery_codes(std::int64_t user_id) = 0;  // those not used
    // Security keys: add sets key.id (Conflict: the credential is registered already);
    // use_webauthn_key records a use with its signature counter, false when the counter did
    // not grow (a cloned key) unless both are zero (keys that keep no counter).
    virtual void add_webauthn_key(core::WebAuthnKey& key) = 0;
    virtual std::vector<core::WebAuthnKey> list_webauthn_keys(std::int64_t user_id) = 0;
    virtual bool use_webauthn_key(std::int64_t id, std::uint32_t sign_count, core::UnixTime at) = 0;
    virtual bool delete_webauthn_key(std::int64_t user_id, std::int64_t id) = 0;
    // An administrator's reset: the user's app, keys and recovery codes, all gone.
    virtual void reset_second_factors(std::int64_t user_id) = 0;

    // Folder permissions: one rule per (user, path). set replaces the rule at the same path
    // (keeping its id and created_at) or adds one, and sets rule.id; list is by path.
    virtual void set_folder_permission(core::FolderPermission& rule) = 0;
    virtual std::vector<core::FolderPermission> list_folder_permissions(std::int64_t user_id) = 0;
    virtual std::optional<core::FolderPermission> find_folder_permission(std::int64_t id) = 0;
    virtual bool delete_folder_permission(std::int64_t user_id, const std::string& path) = 0;

    // Login security (auth::LoginSecurity decides; the store only counts and remembers).
    // Failed logins of a user, for user lockout: add one, count those within a window
    // (after `since`: a failure exactly one window old no longer counts), forget them all.
    virtual void add_login_failure(std::int64_t user_id, const std::string& ip,
                                   core::UnixTime at) = 0;
    // `ip` "" counts or forgets the failures from every address; otherwise those from `ip`
    // (an offender key: an IPv4 address or an IPv6 /64).
    virtual int count_login_failures(std::int64_t user_id, core::UnixTime since,
                                     const std::string& ip) = 0;
    virtual void clear_login_failures(std::int64_t user_id, const std::string& ip) = 0;
    // Locks of a user from one address (site setting user_lockout_scope=address): set one (it
    // ends the user's sessions from that address), the end of the one in force at `now`,
    // forget them all (an administrator's unlock).
    virtual void lock_user_from(std::int64_t user_id, const std::string& ip,
                                core::UnixTime until) = 0;
    virtual std::optional<core::UnixTime> user_locked_from(std::int64_t user_id,
                                                           const std::string& ip,
                                                           core::UnixTime now) = 0;
    virtual void clear_user_address_locks(std::int64_t user_id) = 0;
    // Adds `points` to the address's score in one step and returns the score of its current
    // window; a window that began `window` seconds or more before `now` starts over.
    virtual int add_ip_score(const std::string& ip, int points, core::UnixTime now,
                             core::UnixTime window) = 0;
    virtual void clear_ip_score(const std::string& ip) = 0;
    // Bans, one row per address (kept after expiry, to count repeat offences).
    virtual std::optional<core::IpBan> find_ip_ban(const std::string& ip) = 0;
    virtual void save_ip_ban(core::IpBan& ban) = 0;  // insert or replace by ip; sets ban.id
    // Every ban, or (with active_at) only those still in force then; newest first.
    virtual std::vector<core::IpBan> list_ip_bans(std::optional<core::UnixTime> active_at) = 0;
    virtual bool delete_ip_ban(const std::string& ip) = 0;
    // Counts one refusal and returns the count so far (1 on the first).
    virtual int count_ban_refusal(std::int64_t ban_id) = 0;
    // The safe and block lists; add throws Conflict when the CIDR is already on that list.
    virtual void add_ip_list_entry(core::IpListEntry& entry) = 0;  // sets entry.id
    virtual std::vector<core::IpListEntry> list_ip_list(std::optional<core::IpListKind> list) = 0;
    virtual bool delete_ip_list_entry(core::IpListKind list, const std::string& cidr) = 0;
    virtual int count_list_refusal(std::int64_t entry_id) = 0;

    // Login sessions (REST tokens), found by the hex SHA-256 of the token; the token itself
    // is never stored. Writing them does not move rights_version: a session is looked up on
    // every request anyway. The user, key and lock writes above end sessions as they say.
    virtual void create_session(core::StoredSession& session) = 0;  // sets session.id
    virtual std::optional<core::StoredSession> find_session(const std::string& token_digest) = 0;
    virtual void touch_session(std::int64_t id, core::UnixTime at) = 0;  // last_used_at
    // A web session that could only set up two-factor authentication becomes a full one: its
    // user proved the password and, confirming the new factor, a code (docs/two-factor.md).
    virtual bool end_two_factor_setup(const std::string& token_digest) = 0;
    virtual bool delete_session(const std::string& token_digest) = 0;
    // Deletes the sessions past their expires_at at `now` or unused since `unused_since`;
    // returns how many.
    virtual int delete_ended_sessions(core::UnixTime now, core::UnixTime unused_since) = 0;
    virtual int count_sessions(std::int64_t user_id) = 0;

    // Mail (docs/mail.md). The outbox: enqueue sets mail.id; claim_due_mail takes the oldest
    // row that is queued and due at `now`, or sending with its lease (next_attempt_at) run
    // out (its sender died), marks it sending until `lease_until` and counts the attempt, in
    // one step, so that two senders never hold one row; finish_mail writes the outcome of a
    // claimed row (state, next_attempt_at, last_error, sent_at). list_mail is newest first.
    virtual void enqueue_mail(core::OutboxMail& mail) = 0;
    virtual std::optional<core::OutboxMail> claim_due_mail(core::UnixTime now,
                                                           core::UnixTime lease_until) = 0;
    virtual void finish_mail(const core::OutboxMail& mail) = 0;
    // `before_id`: only rows older than that one (the next page of a listing).
    virtual std::vector<core::OutboxMail> list_mail(
        std::optional<core::MailState> state, int limit,
        std::optional<std::int64_t> before_id = std::nullopt) = 0;
    // How many mails of `kind` to `recipient` (any, "") or for `user_id` were created at or
    // after `since`: the rate limits of password reset requests.
    virtual int count_recent_mail(std::string_view kind, std::string_view recipient,
                                  std::optional<std::int64_t> user_id, core::UnixTime since) = 0;
    // Sign-up and reset tokens, found by the token's SHA-256. use_mail_token sets used_at once:
    // false when it was already used (two requests racing with one link: one wins).
    virtual void create_mail_token(core::MailToken& token) = 0;  // sets token.id
    virtual std::optional<core::MailToken> find_mail_token(const std::string& token_digest) = 0;
    virtual bool use_mail_token(std::int64_t id, core::UnixTime at) = 0;
    // Expiry reminders: records that the reminder at `threshold_days` for the password set at
    // `password_set_at` went out; false when it already had.
    virtual bool record_reminder(std::int64_t user_id, int threshold_days,
                                 core::UnixTime password_set_at, core::UnixTime at) = 0;
    // A scheduled job's claim: true when `holder` holds `name` until `until` (it was free,
    // expired at `now`, or already this holder's), so that one node runs a job at a time.
    virtual bool claim_job(const std::string& name, const std::string& holder, core::UnixTime now,
                           core::UnixTime until) = 0;
    // The node registry (docs/cluster.md#node-registry): a node's row, written at its start
    // and at each heartbeat (insert or replace, by name); all rows, by name; forgetting one.
    virtual void save_node(const core::NodeRecord& node) = 0;
    virtual std::vector<core::NodeRecord> list_nodes() = 0;
    virtual bool delete_node(const std::string& name) = 0;
    // Administrators' mail templates, one per kind; delete goes back to the default.
    virtual std::optional<core::MailTemplateText> find_mail_template(const std::string& kind) = 0;
    virtual void save_mail_template(const core::MailTemplateText& t) = 0;  // insert or replace
    virtual bool delete_mail_template(const std::string& kind) = 0;

    virtual void append_action(core::ActionLogEntry& entry) = 0;  // sets entry.id
    // Several entries in one commit (one sync to disk); sets their ids.
    virtual void append_actions(std::span<core::ActionLogEntry* const> entries) {
        transaction([&] {
            for (auto* e : entries) append_action(*e);
        });
    }
    virtual core::ActionLogPage query_actions(const core::ActionLogQuery& query) = 0;
    // Logins and refused logins from `since` (inclusive) to `until` (exclusive), per bucket of
    // `bucket_seconds` (a multiple of an hour; buckets start at multiples of it since the
    // epoch), action, failure_type and interface; both times are taken to whole hours.
    virtual std::vector<core::LoginCount> count_logins(core::UnixTime since, core::UnixTime until,
                                                       core::UnixTime bucket_seconds) = 0;
    // Stored sessions (REST and web) not past their expires_at at `now` nor unused since
    // `unused_since`, per interface.
    virtual std::vector<std::pair<core::Interface, int>> count_live_sessions(
        core::UnixTime now, core::UnixTime unused_since) = 0;
};

// Opens (creating if needed) the SQLite database file, in WAL mode, and migrates it to the
// newest schema version. The file and its -wal/-shm are made mode 0600 (also when they exist).
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& file);

// Connects to PostgreSQL at `uri` (a libpq connection URI, postgresql://user@host:port/db) and
// migrates the database to the newest schema version under an advisory lock, so that nodes
// starting together do not race (docs/store.md#postgresql). Throws StoreError when the server
// cannot be reached or the schema is newer than this binary knows.
std::unique_ptr<Store> open_postgres_store(const std::string& uri);

}  // namespace drawbridge::store
