// The schema, as an ordered list of migrations. A database records how many it has applied in
// PRAGMA user_version; a binary refuses a database newer than it knows. A released step is never
// edited, only followed by new ones. Site settings are not here: their columns follow the field
// table (sqlite_store.cpp adds the missing ones on open).
#include "store/migrations.h"

namespace drawbridge::store {

const std::vector<std::string_view>& migrations() {
    static const std::vector<std::string_view> steps = {
        // 1: accounts, keys, the action log, and login-security state.
        R"SQL(
CREATE TABLE site_settings (id INTEGER PRIMARY KEY CHECK (id = 1));
INSERT INTO site_settings (id) VALUES (1);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL COLLATE NOCASE UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    authentication_method TEXT NOT NULL,
    site_admin INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    authenticate_until INTEGER,
    require_password_change INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL DEFAULT '',
    password_set_at INTEGER,
    password_validity TEXT NOT NULL DEFAULT 'site',
    password_breached INTEGER NOT NULL DEFAULT 0,
    self_managed INTEGER NOT NULL DEFAULT 1,
    sftp_permission INTEGER NOT NULL DEFAULT 1,
    ftp_permission INTEGER NOT NULL DEFAULT 1,
    dav_permission INTEGER NOT NULL DEFAULT 1,
    restapi_permission INTEGER NOT NULL DEFAULT 1,
    web_permission INTEGER NOT NULL DEFAULT 1,
    allowed_ips TEXT NOT NULL DEFAULT '',
    bypass_site_allowed_ips INTEGER NOT NULL DEFAULT 0,
    user_root TEXT NOT NULL DEFAULT '',
    ssl_required TEXT NOT NULL DEFAULT 'use_system_setting',
    require_2fa TEXT NOT NULL DEFAULT 'use_system_setting',
    lockout_expires INTEGER,
    last_login_at INTEGER,
    last_sftp_login_at INTEGER,
    last_ftp_login_at INTEGER,
    last_dav_login_at INTEGER,
    last_restapi_login_at INTEGER,
    last_web_login_at INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE password_history (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    set_at INTEGER NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    digest_hex TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_use_at INTEGER,
    UNIQUE (user_id, name)
);

CREATE TABLE ssh_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    key_type TEXT NOT NULL,
    public_key_base64 TEXT NOT NULL,
    fingerprint_sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_login_at INTEGER,
    UNIQUE (user_id, fingerprint_sha256)
);
CREATE INDEX ssh_keys_fingerprint ON ssh_keys(fingerprint_sha256);

-- AUTOINCREMENT: an id is never reused, so a cursor never lands on a different entry.
-- No foreign key on user_id: the log outlives the users it names.
CREATE TABLE action_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    interface TEXT NOT NULL,
    action TEXT NOT NULL,
    failure_type TEXT NOT NULL DEFAULT 'none',
    detail TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',
    destination TEXT NOT NULL DEFAULT '',
    bytes INTEGER,
    duration_ms INTEGER
);
-- Each filter walks its own index newest-first and stops after one page.
CREATE INDEX action_log_action ON action_log(action, id);
CREATE INDEX action_log_username ON action_log(username COLLATE NOCASE, id);
CREATE INDEX action_log_ip ON action_log(ip, id);
CREATE INDEX action_log_failure_type ON action_log(failure_type, id);
CREATE INDEX action_log_interface ON action_log(interface, id);
CREATE INDEX action_log_created_at ON action_log(created_at);

-- Login security (the logic that fills these comes with brute-force protection):
-- failed logins per user, for user lockout;
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(user_id, at);
-- the running score of each source address;
CREATE TABLE ip_scores (
    ip TEXT PRIMARY KEY,
    score INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- addresses banned for a while (or for good), with how often they offended;
CREATE TABLE ip_bans (
    id INTEGER PRIMARY KEY,
    cidr TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    offences INTEGER NOT NULL DEFAULT 1,
    permanent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ip_bans_expires ON ip_bans(expires_at);
-- and the administrators' safe list and block list.
CREATE TABLE ip_lists (
    id INTEGER PRIMARY KEY,
    list TEXT NOT NULL CHECK (list IN ('safe', 'block')),
    cidr TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (list, cidr)
);
)SQL",

        // 2: exact time ranges over a log whose timestamps are not in id order.
        // A login entry is stamped when the attempt began and written when it ended, and clocks
        // step back, so created_at does not grow with id. Two facts give back an order to
        // search by: high_water_at, the newest created_at of an entry and every earlier one,
        // never decreases with id; and action_log_lateness records, per bucket of 2^16 seconds
        // (~18 h) of high_water_at, how far at most created_at lags behind it. Hence
        // created_at >= since implies high_water_at >= since, and created_at < until implies
        // high_water_at < until + that bucket's lateness: both bound the ids to walk, through one
        // index. Per bucket, so that one clock step slows the searches of a day, not of every
        // day after it. The created_at index had nothing left to do.
        R"SQL(
ALTER TABLE action_log ADD COLUMN high_water_at INTEGER NOT NULL DEFAULT 0;
UPDATE action_log SET high_water_at = w.high
  FROM (SELECT id, max(created_at) OVER (ORDER BY id) AS high FROM action_log) AS w
  WHERE action_log.id = w.id;
CREATE INDEX action_log_high_water ON action_log(high_water_at);
DROP INDEX action_log_created_at;

CREATE TABLE action_log_lateness (
    bucket INTEGER PRIMARY KEY,  -- high_water_at >> 16
    seconds INTEGER NOT NULL
);
INSERT INTO action_log_lateness (bucket, seconds)
  SELECT high_water_at >> 16, max(high_water_at - created_at) FROM action_log
  WHERE high_water_at > created_at GROUP BY 1;
-- A trigger rather than store code, so that every connection, in any process, keeps it exact
-- within the inserting statement. It writes only when a bucket's lateness grows.
CREATE TRIGGER action_log_track_lateness AFTER INSERT ON action_log
  WHEN NEW.high_water_at - NEW.created_at >
       coalesce((SELECT seconds FROM action_log_lateness WHERE bucket = NEW.high_water_at >> 16), 0)
BEGIN
  REPLACE INTO action_log_lateness (bucket, seconds)
    VALUES (NEW.high_water_at >> 16, NEW.high_water_at - NEW.created_at);
END;
)SQL",

        // 3: per-path permissions of users (folder permissions). A rule's permissions are the
        // ones it grants, as "list,read,write,delete" names; '' grants none.
        R"SQL(
CREATE TABLE folder_permissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, path)
);
)SQL",

        // 4: brute-force protection's refusal counters: a ban (or a block-list entry) logs its
        // first refusal and only counts the rest, so a banned bot cannot flood the log.
        R"SQL(
ALTER TABLE ip_bans ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ip_lists ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS ip_scores_updated ON ip_scores(updated_at);
CREATE INDEX IF NOT EXISTS login_failures_at ON login_failures(at);
)SQL",

        // 5: locks of a user from one address (site setting user_lockout_scope = address), and
        // failures counted per address for them. `ip` is an offender key (IPv4, or IPv6 /64).
        R"SQL(
CREATE TABLE user_address_locks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, ip)
);
CREATE INDEX login_failures_user_ip ON login_failures(user_id, ip, at);
)SQL",

        // 6: REST sessions (docs/rest-api.md#sessions), so that a restart keeps them and nodes
        // sharing the database share them. A row holds the SHA-256 of its token, never the
        // token, and what the gate re-admits the session from. The foreign keys end a session
        // with the user, API key or SSH key it rests on; the store's user and lock writes end
        // it when the password changes, or the user is disabled or locked.
        R"SQL(
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_digest TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    interface TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    address_key TEXT NOT NULL,
    factors TEXT NOT NULL,
    api_key_id INTEGER REFERENCES api_keys(id) ON DELETE CASCADE,
    ssh_key_id INTEGER REFERENCES ssh_keys(id) ON DELETE CASCADE,
    password_digest TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id, address_key);
CREATE INDEX sessions_api_key ON sessions(api_key_id) WHERE api_key_id IS NOT NULL;
CREATE INDEX sessions_ssh_key ON sessions(ssh_key_id) WHERE ssh_key_id IS NOT NULL;
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX sessions_last_used ON sessions(last_used_at);
)SQL",

        // 7: web sessions that may only change the password
        // (docs/login-gate.md#web-password-change).
        R"SQL(
ALTER TABLE sessions ADD COLUMN password_change_only INTEGER NOT NULL DEFAULT 0;
)SQL",

        // 8: mail (docs/mail.md): the outbox, written before a message is sent; the sign-up and
        // reset tokens (their SHA-256 only); the expiry reminders sent, one row per user,
        // threshold and password; claims of scheduled jobs, so that one node runs each; and the
        // administrators' own texts of mail (a kind without a row uses the shipped default).
        // Self-contained: it references only users, so it can be renumbered at a merge.
        R"SQL(
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_attempt_at);
CREATE TABLE mail_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_digest TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    password_hash_digest TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX mail_tokens_user ON mail_tokens(user_id, purpose);
CREATE TABLE mail_reminders (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    threshold_days INTEGER NOT NULL,
    password_set_at INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, threshold_days, password_set_at)
);
CREATE TABLE job_claims (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until INTEGER NOT NULL
);
CREATE TABLE mail_templates (
    kind TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
)SQL",

        // 9: a cheaper write of each log entry (docs/action-log.md#group-commit). The
        // failure_type index holds only failures: the entries of files served, most of the log,
        // cost one index less. action_log_lateness is kept by the store's code, once per batch
        // (store/sqlite_action_log.cpp): the trigger's lookup cost a quarter of an entry's write,
        // and every process writes the log through that code.
        R"SQL(
DROP TRIGGER action_log_track_lateness;
DROP INDEX action_log_failure_type;
CREATE INDEX action_log_failure_type ON action_log(failure_type, id) WHERE failure_type <> 'none';
)SQL",

        // 10: logins and refused logins counted per hour (docs/action-log.md#login-counts), kept
        // by the store's code once per batch, so that a chart over months reads a few rows an
        // hour instead of every entry.
        R"SQL(
CREATE TABLE action_log_login_counts (
    hour INTEGER NOT NULL,
    action TEXT NOT NULL,
    failure_type TEXT NOT NULL,
    interface TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, action, failure_type, interface)
) WITHOUT ROWID;
INSERT INTO action_log_login_counts (hour, action, failure_type, interface, count)
  SELECT created_at / 3600, action, failure_type, interface, count(*) FROM action_log
  WHERE action IN ('login', 'failedlogin') GROUP BY 1, 2, 3, 4;
)SQL",

        // 11: second factors (docs/two-factor.md). totp.last_step is the replay record: the
        // step of the last code accepted, shared by every node using the database.
        R"SQL(
CREATE TABLE totp (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret BLOB NOT NULL,
    confirmed INTEGER NOT NULL DEFAULT 0,
    last_step INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    used_at INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);
CREATE TABLE webauthn_keys (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    credential_id BLOB NOT NULL UNIQUE,
    public_key BLOB NOT NULL,
    algorithm INTEGER NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX webauthn_keys_user ON webauthn_keys(user_id);
ALTER TABLE sessions ADD COLUMN two_factor_setup_only INTEGER NOT NULL DEFAULT 0;
)SQL",

        // 12: the node registry (docs/cluster.md#node-registry), one row per node name.
        R"SQL(
CREATE TABLE nodes (
    name TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    version TEXT NOT NULL,
    listeners TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    stopped_at INTEGER
);
)SQL",
    };
    return steps;
}

}  // namespace drawbridge::store
