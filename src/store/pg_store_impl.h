// The PostgreSQL store (docs/store.md#postgresql), declared once and defined over several files
// by subject, as the SQLite one is: pg_store.cpp (connections, transactions, migrations, rights
// version, settings), pg_accounts.cpp (users, keys, folder permissions), pg_security.cpp,
// pg_sessions.cpp, pg_mail.cpp, pg_second_factor.cpp and pg_action_log.cpp.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "store/pg_connection.h"
#include "store/store.h"

namespace drawbridge::store::pg {

// Connections for the calls of threads that are not inside transaction(): each call borrows
// one for its statements and gives it back. At most `max` are open; a caller past that waits.
class Pool {
  public:
    Pool(std::string uri, std::size_t max) : uri_(std::move(uri)), max_(max) {}
    std::unique_ptr<Connection> take();
    void give_back(std::unique_ptr<Connection> c);
    const std::string& uri() const { return uri_; }

  private:
    std::string uri_;
    std::size_t max_;
    std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_ = 0;
};

class PgStore final : public Store {
  public:
    explicit PgStore(const std::string& uri);
    ~PgStore() override;

    int schema_version() override;
    std::uint64_t rights_version() override;
    void transaction(const std::function<void()>& fn) override;
    bool in_transaction() const override;

    core::SiteSettings load_site_settings() override;
    void save_site_settings(const core::SiteSettings& s) override;

    void create_user(core::User& user) override;
    std::optional<core::User> find_user(std::int64_t id) override;
    std::optional<core::User> find_user_by_name(std::string_view username) override;
    std::vector<core::User> list_users(const UserFilter& filter) override;
    std::int64_t count_users() override;
    std::vector<std::string> user_ip_allow_lists() override;
    bool any_user_with_ssl_required(core::SiteDefault value) override;
    void update_user(const core::User& user) override;
    bool delete_user(std::int64_t id) override;
    void add_password_history(std::int64_t user_id, const std::string& hash, core::UnixTime at,
                              int keep) override;
    std::vector<std::string> password_history(std::int64_t user_id, int newest) override;

    void create_api_key(core::ApiKey& key) override;
    std::optional<core::ApiKey> find_api_key(std::int64_t id) override;
    std::optional<core::ApiKey> find_api_key_by_digest(const std::string& digest_hex) override;
    std::vector<core::ApiKey> list_api_keys(std::int64_t user_id) override;
    bool delete_api_key(std::int64_t id) override;
    void touch_api_key(std::int64_t id, core::UnixTime at) override;
    void create_ssh_key(core::SshKey& key) override;
    std::optional<core::SshKey> find_ssh_key(std::int64_t id) override;
    std::vector<core::SshKey> list_ssh_keys(std::int64_t user_id) override;
    bool delete_ssh_key(std::int64_t id) override;
    void touch_ssh_key(std::int64_t id, core::UnixTime at) override;

    std::optional<core::TotpEnrolment> find_totp(std::int64_t user_id) override;
    void begin_totp(const core::TotpEnrolment& enrolment) override;
    bool confirm_totp(std::int64_t user_id, std::int64_t step) override;
    bool claim_totp_step(std::int64_t user_id, std::int64_t step) override;
    bool delete_totp(std::int64_t user_id) override;
    void replace_recovery_codes(std::int64_t user_id,
                                const std::vector<std::string>& digests) override;
    bool use_recovery_code(std::int64_t user_id, const std::string& digest,
                           core::UnixTime at) override;
    int count_recovery_codes(std::int64_t user_id) override;
    void add_webauthn_key(core::WebAuthnKey& key) override;
    std::vector<core::WebAuthnKey> list_webauthn_keys(std::int64_t user_id) override;
    bool use_webauthn_key(std::int64_t id, std::uint32_t sign_count, core::UnixTime at) override;
    bool delete_webauthn_key(std::int64_t user_id, std::int64_t id) override;
    void reset_second_factors(std::int64_t user_id) override;

    void set_folder_permission(core::FolderPermission& rule) override;
    std::vector<core::FolderPermission> list_folder_permissions(std::int64_t user_id) override;
    std::optional<core::FolderPermission> find_folder_permission(std::int64_t id) override;
    bool delete_folder_permission(std::int64_t user_id, const std::string& path) override;

    void add_login_failure(std::int64_t user_id, const std::string& ip, core::UnixTime at) override;
    int count_login_failures(std::int64_t user_id, core::UnixTime since,
                             const std::string& ip) override;
    void clear_login_failures(std::int64_t user_id, const std::string& ip) override;
    void lock_user_from(std::int64_t user_id, const std::string& ip, core::UnixTime until) override;
    std::optional<core::UnixTime> user_locked_from(std::int64_t user_id, const std::string& ip,
                                                   core::UnixTime now) override;
    void clear_user_address_locks(std::int64_t user_id) override;
    int add_ip_score(const std::string& ip, int points, core::UnixTime now,
                     core::UnixTime window) override;
    void clear_ip_score(const std::string& ip) override;
    std::optional<core::IpBan> find_ip_ban(const std::string& ip) override;
    void save_ip_ban(core::IpBan& ban) override;
    std::vector<core::IpBan> list_ip_bans(std::optional<core::UnixTime> active_at) override;
    bool delete_ip_ban(const std::string& ip) override;
    int count_ban_refusal(std::int64_t ban_id) override;
    void add_ip_list_entry(core::IpListEntry& entry) override;
    std::vector<core::IpListEntry> list_ip_list(std::optional<core::IpListKind> list) override;
    bool delete_ip_list_entry(core::IpListKind list, const std::string& cidr) override;
    int count_list_refusal(std::int64_t entry_id) override;

    void create_session(core::StoredSession& session) override;
    std::optional<core::StoredSession> find_session(const std::string& token_digest) override;
    void touch_session(std::int64_t id, core::UnixTime at) override;
    bool end_two_factor_setup(const std::string& token_digest) override;
    bool delete_session(const std::string& token_digest) override;
    int delete_ended_sessions(core::UnixTime now, core::UnixTime unused_since) override;
    int count_sessions(std::int64_t user_id) override;
    std::vector<std::pair<core::Interface, int>> count_live_sessions(
        core::UnixTime now, core::UnixTime unused_since) override;

    void enqueue_mail(core::OutboxMail& mail) override;
    std::optional<core::OutboxMail> claim_due_mail(core::UnixTime now,
                                                   core::UnixTime lease_until) override;
    void finish_mail(const core::OutboxMail& mail) override;
    std::vector<core::OutboxMail> list_mail(std::optional<core::MailState> state, int limit,
                                            std::optional<std::int64_t> before_id) override;
    int count_recent_mail(std::string_view kind, std::string_view recipient,
                          std::optional<std::int64_t> user_id, core::UnixTime since) override;
    void create_mail_token(core::MailToken& token) override;
    std::optional<core::MailToken> find_mail_token(const std::string& token_digest) override;
    bool use_mail_token(std::int64_t id, core::UnixTime at) override;
    bool record_reminder(std::int64_t user_id, int threshold_days, core::UnixTime password_set_at,
                         core::UnixTime at) override;
    bool claim_job(const std::string& name, const std::string& holder, core::UnixTime now,
                   core::UnixTime until) override;
    std::optional<core::MailTemplateText> find_mail_template(const std::string& kind) override;
    void save_mail_template(const core::MailTemplateText& t) override;
    bool delete_mail_template(const std::string& kind) override;
    void save_node(const core::NodeRecord& node) override;
    std::vector<core::NodeRecord> list_nodes() override;
    bool delete_node(const std::string& name) override;

    void append_action(core::ActionLogEntry& entry) override;
    void append_actions(std::span<core::ActionLogEntry* const> entries) override;
    core::ActionLogPage query_actions(const core::ActionLogQuery& query) override;
    std::vector<core::LoginCount> count_logins(core::UnixTime since, core::UnixTime until,
                                               core::UnixTime bucket_seconds) override;

    // PostgreSQL's EXPLAIN of the page statement query_actions(query) runs (its tests check
    // that a search walks an index).
    std::string explain_actions(const core::ActionLogQuery& query);

  private:
    struct Tx {
        Connection* conn = nullptr;
        int depth = 0;
    };
    Tx* current_tx();

    // Runs fn(connection) on the calling thread's transaction's connection, or on one borrowed
    // from the pool.
    template <typename Fn>
    auto with(Fn&& fn) -> std::invoke_result_t<Fn, Connection&> {
        if (Tx* tx = current_tx()) return fn(*tx->conn);
        struct Lease {
            Pool& pool;
            std::unique_ptr<Connection> c;
            ~Lease() { pool.give_back(std::move(c)); }
        } lease{pool_, pool_.take()};
        return fn(*lease.c);
    }
    // One statement.
    Result run(const std::string& sql, const Params& params = {}) {
        return with([&](Connection& c) { return c.exec(sql, params); });
    }
    // One statement whose unique violation becomes a Conflict saying `message(constraint)`.
    // Inside a transaction it runs in a savepoint, so that the caller may catch the Conflict
    // and go on, as on SQLite (any other failed statement fails the whole transaction: a
    // savepoint around every statement would cost a subtransaction each).
    template <typename Message>
    Result run_or_conflict(const std::string& sql, const Params& params, Message message) {
        try {
            Tx* tx = current_tx();
            if (!tx) return run(sql, params);
            tx->conn->script("SAVEPOINT drawbridge_conflict");
            try {
                auto r = tx->conn->exec(sql, params);
                tx->conn->script("RELEASE drawbridge_conflict");
                return r;
            } catch (...) {
                quietly(*tx->conn, "ROLLBACK TO drawbridge_conflict; RELEASE drawbridge_conflict");
                throw;
            }
        } catch (const UniqueViolation& e) {
            throw Conflict(message(e.constraint));
        }
    }
    // Runs fn(connection) in one read-only snapshot (REPEATABLE READ), or in the calling
    // thread's transaction.
    template <typename Fn>
    auto snapshot(Fn&& fn) -> std::invoke_result_t<Fn, Connection&> {
        if (current_tx()) return with(fn);
        return with([&](Connection& c) {
            c.script("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            try {
                auto result = fn(c);
                c.script("COMMIT");
                return result;
            } catch (...) {
                quietly(c, "ROLLBACK");
                throw;
            }
        });
    }
    static void quietly(Connection& c, const char* sql);

    void migrate();
    void add_setting_columns(Connection& c);
    std::uint64_t read_rights_counter(Connection& c);
    void listen_for_rights();
    void changed_rights() { local_rights_.fetch_add(1); }

    void append_batch(Connection& c, std::span<core::ActionLogEntry* const> entries);

    Pool pool_;
    mutable std::mutex tx_mutex_;
    std::unordered_map<std::thread::id, Tx> txs_;

    std::atomic<std::uint64_t> shared_rights_{0};  // drawbridge_rights.version, as last read
    std::atomic<std::uint64_t> local_rights_{0};   // this process's own writes
    std::atomic<bool> stopping_{false};
    int wake_fd_ = -1;  // an eventfd that ends the listener's wait
    std::thread listener_;
};

}  // namespace drawbridge::store::pg
