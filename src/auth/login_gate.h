// LoginGate: the one place that decides every login on every protocol and records the real
// reason for every refusal. Protocols call attempt() and map the outcome to their wire form.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/action_log.h"
#include "auth/login_security.h"
#include "auth/open_sessions.h"
#include "auth/verified_credentials.h"
#include "core/clock.h"
#include "core/geoip.h"
#include "core/login.h"
#include "core/site_settings.h"
#include "store/store.h"

namespace drawbridge::auth {

// One connection may have this many failed logins counted (distinct guesses, whatever the
// protocol); the failure that reaches it says so (LoginOutcome::end_connection) and its protocol
// closes the connection after answering (docs/login-gate.md#per-connection-cap).
inline constexpr int kMaxFailedLoginsPerConnection = 3;

struct GateOptions {
    std::uint32_t pbkdf2_iterations = 600000;
    std::string region = "default";  // this node's region
    BruteForcePolicy brute_force = {};
    // The GeoIP country database file; null: none is configured, so that allowed/disallowed
    // countries cannot be set, and refuse logins from public addresses if they are set anyway.
    std::shared_ptr<const core::CountryDatabaseFile> countries = nullptr;
};

// What a change of site settings would do on this node, reviewed before it is saved.
struct SiteChangeReview {
    // The node cannot enforce the change (country lists without a GeoIP database).
    std::optional<std::string> error;
    // Logins the change would refuse on this node that were admitted before (region): the
    // change needs the administrator's confirmation.
    std::vector<std::string> refusals;
};

// Who makes a change of site settings (an administrator's session: its user, interface and
// address), so that the review can tell whether the change shuts that session out.
struct SiteChangeActor {
    std::string username;
    core::Interface interface = core::Interface::cli;
    std::string ip;
};

// What kind of credential a check is about; explain() reports per kind.
// second_factor: the second step of a login (a code after a password that was accepted).
enum class CredentialKind { password, ssh_key, api_key, second_factor };
std::string_view to_string(CredentialKind k);

struct Refusal {
    core::FailureReason reason = core::FailureReason::none;
    std::string detail;
    // What the client may be told when it is not `reason` (none: `reason` itself).
    core::FailureReason shown = core::FailureReason::none;
};

struct Explanation {
    Refusal refusal;
    // The credential kinds this refusal applies to (all three for network and account state).
    std::vector<CredentialKind> applies_to;
};

class LoginGate {
  public:
    LoginGate(store::Store& store, audit::ActionLog& log, const core::Clock& clock,
              GateOptions options);

    // Decides one attempt, records it in the action log (except a partial step, which is
    // recorded when the login completes or fails), and updates last-login times, the last use of
    // the key, and password storage (imported or outdated hashes are re-stored natively).
    // A partial outcome is returned only to a protocol that can ask for the missing factor
    // (LoginAttempt::multi_step); any other gets refuse_partial()'s failure. A wrong guess that
    // the attempt's memo has seen fail on this connection is refused without counting again.
    core::LoginOutcome attempt(const core::LoginAttempt& attempt);

    // The one mapping of a partial outcome to a refusal: a password_and_ssh_key user proved one
    // factor and the other never came (the client left, or the protocol has no second step).
    // Records failedlogin with the missing factor's reason (password_missing, ssh_key_missing)
    // and returns that failure; it scores nothing and counts toward no lock, since the factor
    // given was right. `why` ends the log's detail ("before the connection closed").
    core::LoginOutcome refuse_partial(core::Interface interface, std::string_view username,
                                      std::string_view ip, const core::LoginOutcome& partial,
                                      std::string_view why);

    // FTP's USER on a plain control connection, before any secret crosses the wire: the refusal
    // that every name gets when the site requires TLS and no user is excepted from it (recorded
    // as failedlogin / insecure_ftp, as a PASS would be). nullopt when the answer would depend
    // on the account: the name alone must not decide it, or the reply would tell which names
    // exist (docs/ftp.md#plain-ftp); the password's attempt then decides as usual.
    // `guesses`: the connection's, so that these refusals count toward its cap too.
    // Whether every login in clear would be refused now: the site requires TLS and no user is
    // excepted from it. Plain HTTP then asks for no password at all (no Basic challenge).
    bool refuses_every_plain_login();
    std::optional<core::LoginOutcome> refuse_plain_user(
        core::Interface interface, std::string_view username, std::string_view ip,
        std::shared_ptr<core::GuessMemo> guesses = {});

    // Whether a session opened by a successful login may go on, from the grant that login
    // returned: nullopt, or the refusal that ends it (the user was deleted, disabled, locked
    // out or expired, lost the protocol, left the allow list or was banned; the password it
    // logged in with was changed; the API or SSH key it used was revoked or expired). Records
    // nothing: the protocol ends the session and logs why. A few store reads, no hashing.
    // Cheap when nothing changed: one look at the store's rights version (the memo is kept in
    // the grant, which is why it is not const).
    std::optional<Refusal> readmit(core::SessionGrant& grant);
    // A stored session's token that arrived over plain HTTP where the site or the session's
    // user requires TLS (insecure_http): it has crossed in clear, so the session must end,
    // not merely the request be refused (docs/login-gate.md#readmission).
    std::optional<Refusal> refuse_token_in_clear(const core::SessionGrant& grant);

    // The order in which waiting attempts from `ip` should be decided (lower first): an address
    // whose recent attempts failed waits behind those with a clean record, so that a storm of
    // guesses cannot make a legitimate user wait for its hashes. From this node's memory of the
    // last minutes; 0 for an address it has not seen.
    int queue_priority(const std::string& ip) const;

    // Every reason that needs no credential for which `username` would be refused on `interface`
    // from `ip` right now. Records nothing and counts as no attempt.
    std::vector<Explanation> explain(std::string_view username, core::Interface interface,
                                     std::string_view ip);
    // The checks explain() runs, in order, for a username that names a user or none.
    static std::vector<std::string_view> explained_checks(bool user_exists);

    // The refusal that needs no username, decided when a connection is accepted, before any
    // handshake: the address is on the block list or banned by brute-force protection (rate
    // limited; recorded once per ban or block entry, then only counted), or it is outside the
    // site's IP allow list and no user's own list admits it (recorded, without a username).
    std::optional<Refusal> admit_connection(core::Interface interface, std::string_view ip);

    // A connection from `ip` closed without any login attempt: it scores like a small failure
    // (port scanners and banner grabbers). Records nothing in the action log.
    void connection_abandoned(core::Interface interface, std::string_view ip);

    // A code given outside a login, to change the user's own second factors (turn the app off,
    // new recovery codes): checked as a login's code is, a wrong one recorded and counted as a
    // failed login (second_factor_mismatch), so that a stolen session cannot guess its way to
    // turning two-factor authentication off. nullopt when it is right.
    std::optional<Refusal> prove_code(const core::User& user, core::Interface interface,
                                      std::string_view ip, std::string_view code);

    // Brute-force protection and user lockout, for administration (bans, safe/block lists).
    LoginSecurity& security() { return security_; }

    // Sessions of successful logins on this node whose protocol still holds their grant.
    int open_sessions(core::Interface interface) const { return open_->count(interface); }

    // The site settings as they are now (protocols read their switches from them).
    core::SiteSettings site_settings() { return store_.load_site_settings(); }

    // Answers an SSH client's question "would this key be accepted?" before it signs anything:
    // true when the user exists and has registered the key. Records nothing; the signed attempt
    // that follows goes through attempt().
    bool accepts_key_probe(std::string_view username, std::string_view key_blob);

    const GateOptions& options() const { return options_; }

    // Why this node cannot check countries now (no database configured, or the file is missing
    // or unreadable), or nullopt when it can.
    std::optional<std::string> country_database_problem() const;

    // Reviews a change of the site settings from `before` to `after` for this node: refuses what
    // it cannot enforce and names the logins the change would newly refuse here, among them
    // the `actor`'s own (its address left out of the allow list, its protocol turned off, ...).
    SiteChangeReview review_site_change(const core::SiteSettings& before,
                                        const core::SiteSettings& after,
                                        const SiteChangeActor* actor = nullptr) const;

  private:
    struct Context;
    using Check = std::optional<Refusal> (LoginGate::*)(Context&) const;
    static const std::vector<std::pair<std::string_view, Check>>& account_checks();

    std::optional<Refusal> check_protocol_enabled(Context&) const;
    std::optional<Refusal> check_region(Context&) const;
    std::optional<Refusal> check_transport(Context&) const;
    std::optional<Refusal> check_country(Context&) const;
    std::optional<Refusal> check_ip_allowed(Context&) const;
    std::optional<Refusal> check_locked_out(Context&) const;
    std::optional<Refusal> check_disabled(Context&) const;
    std::optional<Refusal> check_expired_access(Context&) const;
    std::optional<Refusal> check_protocol_permission(Context&) const;
    std::optional<Refusal> check_method_allowed(Context&) const;
    std::optional<Refusal> check_password_state(Context&) const;
    // The second factor (docs/two-factor.md): whether the login needs one, the code split from
    // a password that carries it, the step itself (an outcome to return, or nullopt to go on),
    // the check of a code, and what explain() can tell without any credential.
    bool needs_second_factor(const Context&) const;
    void split_code_from_password(Context&) const;
    std::optional<core::LoginOutcome> check_second_factor(Context&);
    std::optional<Refusal> verify_code(Context&, std::string_view code) const;
    std::optional<Refusal> verify_security_key(Context&, const core::WebAuthnCredential&) const;
    std::optional<Refusal> check_second_factor_possible(Context&) const;

    std::optional<Refusal> resolve_identity(Context&) const;
    // The refusals that site settings `site` decide for the actor's logins (protocol switch,
    // countries, IP allow lists, password expiry), region aside: it is reviewed for every login.
    std::vector<Refusal> actor_refusals(const SiteChangeActor& actor,
                                        const core::SiteSettings& site) const;
    core::SessionGrant grant_of(const Context&) const;
    std::optional<Refusal> verify_credential(Context&) const;
    core::LoginOutcome finish_success(Context&);
    core::LoginOutcome finish_failure(Context&, Refusal refusal);
    core::LoginOutcome refuse_address(Context&, const AddressRefusal& refusal);
    void record_refusal(Context&, const Refusal& refusal);

    store::Store& store_;
    audit::ActionLog& log_;
    const core::Clock& clock_;
    GateOptions options_;
    LoginSecurity security_;
    std::shared_ptr<OpenSessions> open_ = std::make_shared<OpenSessions>();
    // Passwords that logged in a moment ago (docs/login-gate.md#verified-credentials).
    mutable VerifiedCredentials verified_;

    core::LoginOutcome decide(const core::LoginAttempt& attempt);
    void remember(const std::string& ip, bool succeeded);
    struct History {
        int failures = 0;
        bool succeeded = false;
        core::UnixTime updated = 0;
    };
    static constexpr core::UnixTime kHistoryWindow = 600;
    mutable std::mutex history_mutex_;
    std::unordered_map<std::string, History> history_;
};

// Whether require_2fa (the user's, or the site's when the user's is use_system_setting) asks
// `user` to use two-factor authentication (docs/two-factor.md).
bool two_factor_required(const core::User& user, const core::SiteSettings& site);

// Which factor a credential proves.
core::Factor factor_of(const core::Credential& c);

}  // namespace drawbridge::auth
