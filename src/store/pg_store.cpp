// The PostgreSQL store's connections, transactions, schema and rights version
// (docs/store.md#postgresql).
//
// Threads: a thread outside transaction() borrows a pooled connection for each call; a thread
// inside it keeps one connection for the whole transaction, so that what it writes commits or
// rolls back together and other threads never see or join it. Every outermost transaction
// first takes one advisory lock (kWriteLock) held to its end: transactions run one at a time,
// across every node, as they do on SQLite (BEGIN IMMEDIATE), so a callback's read-then-write
// never races another's, and the log's ids commit in order (pg_action_log.cpp relies on that).
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <variant>

#include "store/pg_migrations.h"
#include "store/pg_store_impl.h"

namespace drawbridge::store::pg {
namespace {

// Advisory lock keys: any 64-bit numbers no other user of the database is likely to take
// ("drawbridge" in ASCII, then a serial).
constexpr std::int64_t kMigrationLock = 0x6472617762726964;
constexpr std::int64_t kWriteLock = 0x6472617762726965;
constexpr std::size_t kMaxConnections = 16;

// The store's own bookkeeping, beside the numbered steps: the schema version, and the counter
// behind rights_version() with the triggers that bump it and NOTIFY the other nodes. The
// triggers are defined again at every migration, so that a new table joins by being listed.
constexpr const char* kBookkeeping = R"SQL(
CREATE TABLE IF NOT EXISTS drawbridge_schema (
    id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO drawbridge_schema (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS drawbridge_rights (
    id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
INSERT INTO drawbridge_rights (id, version) VALUES (1, 1) ON CONFLICT DO NOTHING;
)SQL";

// What a session's rights rest on (Store::rights_version). Columns written on every use (a
// key's last use, a ban's refusals) are left out with UPDATE OF, so that a banned bot's
// knocking does not send every session through a full check.
constexpr const char* kRightsTriggers = R"SQL(
CREATE OR REPLACE FUNCTION drawbridge_rights_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE drawbridge_rights SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('drawbridge_rights', '');
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS rights ON users;
CREATE TRIGGER rights AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
DROP TRIGGER IF EXISTS rights ON api_keys;
CREATE TRIGGER rights AFTER INSERT OR DELETE OR TRUNCATE OR
    UPDATE OF user_id, name, digest_hex, expires_at ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
DROP TRIGGER IF EXISTS rights ON ssh_keys;
CREATE TRIGGER rights AFTER INSERT OR DELETE OR TRUNCATE OR
    UPDATE OF user_id, key_type, public_key_base64, fingerprint_sha256 ON ssh_keys
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
DROP TRIGGER IF EXISTS rights ON ip_bans;
CREATE TRIGGER rights AFTER INSERT OR DELETE OR TRUNCATE OR
    UPDATE OF cidr, created_at, expires_at, permanent ON ip_bans
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
DROP TRIGGER IF EXISTS rights ON ip_lists;
CREATE TRIGGER rights AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF list, cidr ON ip_lists
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
DROP TRIGGER IF EXISTS rights ON user_address_locks;
CREATE TRIGGER rights AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_address_locks
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
DROP TRIGGER IF EXISTS rights ON site_settings;
CREATE TRIGGER rights AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site_settings
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
DROP TRIGGER IF EXISTS rights ON folder_permissions;
CREATE TRIGGER rights AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON folder_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION drawbridge_rights_changed();
)SQL";

// How often the listener reads the counter even without a notification (one lost with a
// dropped connection): a change elsewhere is seen within this long.
constexpr int kRightsPollMs = 500;

}  // namespace

std::unique_ptr<Connection> Pool::take() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return !idle_.empty() || open_ < max_; });
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        lock.unlock();
        if (c->healthy()) return c;
        lock.lock();
        --open_;  // a server that went away: open a new one below
    }
    ++open_;
    lock.unlock();
    try {
        return std::make_unique<Connection>(uri_);
    } catch (...) {
        std::lock_guard again(mutex_);
        --open_;
        freed_.notify_one();
        throw;
    }
}

void Pool::give_back(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mutex_);
    if (c && PQtransactionStatus(c->raw()) == PQTRANS_IDLE)
        idle_.push_back(std::move(c));
    else
        --open_;  // broken, or left inside a transaction: closed rather than reused
    freed_.notify_one();
}

PgStore::PgStore(const std::string& uri) : pool_(uri, kMaxConnections) {
    migrate();
    {
        auto c = pool_.take();
        shared_rights_.store(read_rights_counter(*c));
        pool_.give_back(std::move(c));
    }
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw StoreError("cannot create an eventfd for the rights listener");
    listener_ = std::thread([this] { listen_for_rights(); });
}

PgStore::~PgStore() {
    stopping_.store(true);
    const std::uint64_t one = 1;
    if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof one) < 0) {
        // The listener still ends within kRightsPollMs.
    }
    if (listener_.joinable()) listener_.join();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void PgStore::quietly(Connection& c, const char* sql) {
    try {
        c.script(sql);
    } catch (const StoreError&) {
        // The connection may be gone; the exception on its way out says what went wrong.
    }
}

PgStore::Tx* PgStore::current_tx() {
    std::lock_guard lock(tx_mutex_);
    const auto it = txs_.find(std::this_thread::get_id());
    return it == txs_.end() ? nullptr : &it->second;
}

bool PgStore::in_transaction() const {
    std::lock_guard lock(tx_mutex_);
    return txs_.contains(std::this_thread::get_id());
}

// A nested call is a savepoint: its exception undoes its own writes only.
void PgStore::transaction(const std::function<void()>& fn) {
    if (Tx* tx = current_tx()) {
        const std::string name = "nested_" + std::to_string(tx->depth);
        tx->conn->script("SAVEPOINT " + name);
        ++tx->depth;
        try {
            fn();
        } catch (...) {
            --tx->depth;
            quietly(*tx->conn, ("ROLLBACK TO " + name + "; RELEASE " + name).c_str());
            throw;
        }
        --tx->depth;
        tx->conn->script("RELEASE " + name);
        return;
    }
    auto c = pool_.take();
    struct GiveBack {
        Pool& pool;
        std::unique_ptr<Connection>& c;
        ~GiveBack() { pool.give_back(std::move(c)); }
    } give_back{pool_, c};
    c->script("BEGIN");
    try {
        c->exec("SELECT pg_advisory_xact_lock($1)", {kWriteLock});
    } catch (...) {
        quietly(*c, "ROLLBACK");
        throw;
    }
    const auto me = std::this_thread::get_id();
    {
        std::lock_guard lock(tx_mutex_);
        txs_[me] = Tx{c.get(), 1};
    }
    auto forget = [&] {
        std::lock_guard lock(tx_mutex_);
        txs_.erase(me);
    };
    try {
        fn();
    } catch (...) {
        forget();
        quietly(*c, "ROLLBACK");
        throw;
    }
    forget();
    try {
        // A statement that failed inside fn, which fn caught, aborted the transaction:
        // PostgreSQL would answer COMMIT with a silent ROLLBACK.
        if (PQtransactionStatus(c->raw()) == PQTRANS_INERROR)
            throw StoreError("the transaction was rolled back after an error in it");
        c->script("COMMIT");
    } catch (...) {
        quietly(*c, "ROLLBACK");
        throw;
    }
}

int PgStore::schema_version() {
    return run("SELECT version FROM drawbridge_schema WHERE id = 1").i32(0, 0);
}

// Every step, the bookkeeping and the setting columns in one transaction, under an advisory
// lock: nodes starting together on a new database wait for the first, then find it done.
void PgStore::migrate() {
    auto c = pool_.take();
    struct GiveBack {
        Pool& pool;
        std::unique_ptr<Connection>& c;
        ~GiveBack() { pool.give_back(std::move(c)); }
    } give_back{pool_, c};
    c->script("BEGIN");
    try {
        c->exec("SELECT pg_advisory_xact_lock($1)", {kMigrationLock});
        c->script(kBookkeeping);
        const int known = static_cast<int>(pg_migrations().size());
        const int version = c->exec("SELECT version FROM drawbridge_schema WHERE id = 1").i32(0, 0);
        if (version > known)
            throw StoreError("the PostgreSQL database has schema version " +
                             std::to_string(version) + ", newer than this drawbridge knows (" +
                             std::to_string(known) + "): upgrade drawbridge");
        for (int v = version; v < known; ++v) c->script(std::string(pg_migrations()[v]));
        if (version < known) {
            c->script(kRightsTriggers);
            c->exec("UPDATE drawbridge_schema SET version = $1 WHERE id = 1", {known});
        }
        add_setting_columns(*c);
        c->script("COMMIT");
    } catch (...) {
        quietly(*c, "ROLLBACK");
        throw;
    }
}

// Site settings are columns named after the field table (as on SQLite: sqlite_store.cpp), so a
// new setting gets its column here with the struct's default.
void PgStore::add_setting_columns(Connection& c) {
    const auto cols = c.exec(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'site_settings'");
    std::set<std::string> have;
    for (int i = 0; i < cols.rows(); ++i) have.insert(cols.text(i, 0));
    const core::SiteSettings defaults;
    for (const auto& f : core::site_setting_fields()) {
        if (have.contains(std::string(f.name))) continue;
        const std::string decl = std::visit(
            [&](auto m) -> std::string {
                using T = std::decay_t<decltype(defaults.*m)>;
                if constexpr (std::is_same_v<T, std::string>) {
                    std::string quoted = "'";
                    for (char ch : defaults.*m)
                        quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
                    return "TEXT NOT NULL DEFAULT " + quoted + "'";
                } else {
                    return "INTEGER NOT NULL DEFAULT " +
                           std::to_string(static_cast<int>(defaults.*m));
                }
            },
            f.member);
        c.script("ALTER TABLE site_settings ADD COLUMN \"" + std::string(f.name) + "\" " + decl);
    }
}

std::uint64_t PgStore::read_rights_counter(Connection& c) {
    return static_cast<std::uint64_t>(
        c.exec("SELECT version FROM drawbridge_rights WHERE id = 1").i64(0, 0));
}

// Asked on every re-admission of every session, so it reads no database: the listener keeps
// shared_rights_ current (a NOTIFY at once, a read at least every kRightsPollMs), and this
// process's writes move local_rights_ as they return.
std::uint64_t PgStore::rights_version() {
    return (shared_rights_.load() << 32) + local_rights_.load();
}

// One connection of its own, LISTENing. A lost connection is retried every poll; until it is
// back, each poll moves the version, so that sessions are checked in full (against a database
// that may be unreachable: then they are refused) rather than trusted on stale state.
void PgStore::listen_for_rights() {
    std::unique_ptr<Connection> c;
    while (!stopping_.load()) {
        try {
            if (!c) {
                c = std::make_unique<Connection>(pool_.uri());
                c->script("LISTEN drawbridge_rights");
            }
            shared_rights_.store(read_rights_counter(*c));
        } catch (const StoreError&) {
            c.reset();
            shared_rights_.fetch_add(1);
        }
        pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {c ? PQsocket(c->raw()) : -1, POLLIN, 0}};
        ::poll(fds, 2, kRightsPollMs);
        if (c && (fds[1].revents & POLLIN)) {
            if (!PQconsumeInput(c->raw())) {
                c.reset();
                continue;
            }
            while (PGnotify* n = PQnotifies(c->raw())) PQfreemem(n);
        }
    }
}

core::SiteSettings PgStore::load_site_settings() {
    const auto r = run("SELECT * FROM site_settings WHERE id = 1");
    core::SiteSettings s;
    if (r.rows() == 0) return s;
    for (const auto& f : core::site_setting_fields()) {
        const int col = r.column(("\"" + std::string(f.name) + "\"").c_str());
        if (col < 0 || r.null(0, col)) continue;
        std::visit(
            [&](auto m) {
                using T = std::decay_t<decltype(s.*m)>;
                if constexpr (std::is_same_v<T, bool>)
                    s.*m = r.i64(0, col) != 0;
                else if constexpr (std::is_same_v<T, int>)
                    s.*m = r.i32(0, col);
                else
                    s.*m = r.text(0, col);
            },
            f.member);
    }
    return s;
}

void PgStore::save_site_settings(const core::SiteSettings& s) {
    std::string sql = "UPDATE site_settings SET ";
    Params params;
    for (const auto& f : core::site_setting_fields()) {
        sql += (params.empty() ? "\"" : ", \"") + std::string(f.name) + "\" = $" +
               std::to_string(params.size() + 1);
        std::visit(
            [&](auto m) {
                using T = std::decay_t<decltype(s.*m)>;
                if constexpr (std::is_same_v<T, std::string>)
                    params.emplace_back(s.*m);
                else
                    params.emplace_back(static_cast<int>(s.*m));
            },
            f.member);
    }
    run(sql + " WHERE id = 1", params);
    changed_rights();
}

}  // namespace drawbridge::store::pg

namespace drawbridge::store {

std::unique_ptr<Store> open_postgres_store(const std::string& uri) {
    return std::make_unique<pg::PgStore>(uri);
}

}  // namespace drawbridge::store
