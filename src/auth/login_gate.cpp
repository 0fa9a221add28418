#include "auth/login_gate.h"

#include "auth/gate_context.h"

#include <algorithm>

#include "core/cidr.h"
#include "core/crypto.h"
#include "core/guess_memo.h"
#include "core/password_hash.h"
#include "core/password_policy.h"
#include "core/ssh_key.h"

namespace drawbridge::auth {

using core::FailureReason;
using core::Interface;

namespace {

constexpr std::string_view kApiLoginPrefix = "@api-";

FailureReason no_permission_reason(Interface i) {
    switch (i) {
        case Interface::sftp:
            return FailureReason::no_sftp_permission;
        case Interface::ftp:
            return FailureReason::no_ftp_permission;
        case Interface::dav:
            return FailureReason::no_dav_permission;
        case Interface::restapi:
            return FailureReason::no_restapi_permission;
        case Interface::web:
            return FailureReason::no_web_permission;
        case Interface::cli:
            break;
    }
    return FailureReason::method_not_allowed;
}

CredentialKind kind_of(const core::LoginAttempt& a) {
    if (std::holds_alternative<core::PublicKeyCredential>(a.credential))
        return CredentialKind::ssh_key;
    if (std::holds_alternative<core::ApiKeyCredential>(a.credential))
        return CredentialKind::api_key;
    if (std::holds_alternative<core::OneTimeCodeCredential>(a.credential) ||
        std::holds_alternative<core::WebAuthnCredential>(a.credential))
        return CredentialKind::second_factor;
    return a.username.starts_with(kApiLoginPrefix) ? CredentialKind::api_key
                                                   : CredentialKind::password;
}

}  // namespace

std::string_view to_string(CredentialKind k) {
    switch (k) {
        case CredentialKind::password:
            return "password";
        case CredentialKind::ssh_key:
            return "ssh_key";
        case CredentialKind::api_key:
            return "api_key";
        case CredentialKind::second_factor:
            return "second_factor";
    }
    return "password";
}

core::Factor factor_of(const core::Credential& c) {
    if (std::holds_alternative<core::PublicKeyCredential>(c)) return core::Factor::ssh_key;
    if (std::holds_alternative<core::ApiKeyCredential>(c)) return core::Factor::api_key;
    if (std::holds_alternative<core::OneTimeCodeCredential>(c) ||
        std::holds_alternative<core::WebAuthnCredential>(c))
        return core::Factor::second_factor;
    return core::Factor::password;
}

LoginGate::LoginGate(store::Store& store, audit::ActionLog& log, const core::Clock& clock,
                     GateOptions options)
    : store_(store),
      log_(log),
      clock_(clock),
      options_(std::move(options)),
      security_(store, clock, options_.brute_force) {}

// The checks that need the account but no credential, in the order they run. Each is cheap:
// none of them hashes anything, so a storm of bad logins is refused before it costs CPU.
const std::vector<std::pair<std::string_view, LoginGate::Check>>& LoginGate::account_checks() {
    static const std::vector<std::pair<std::string_view, Check>> checks = {
        {"ip_allowed", &LoginGate::check_ip_allowed},
        {"locked_out", &LoginGate::check_locked_out},
        {"disabled", &LoginGate::check_disabled},
        {"expired_access", &LoginGate::check_expired_access},
        {"protocol_permission", &LoginGate::check_protocol_permission},
        {"method_allowed", &LoginGate::check_method_allowed},
    };
    return checks;
}

core::LoginOutcome LoginGate::attempt(const core::LoginAttempt& a) {
    auto outcome = decide(a);
    if (outcome.kind == core::LoginOutcome::Kind::partial && !a.multi_step)
        outcome = refuse_partial(
            a.interface, a.username, a.client_ip, outcome,
            std::string(core::to_string(a.interface)) + " cannot ask for a second factor");
    if (!outcome.repeated) remember(a.client_ip, outcome.kind != core::LoginOutcome::Kind::failure);
    return outcome;
}

core::LoginOutcome LoginGate::refuse_partial(Interface interface, std::string_view username,
                                             std::string_view ip, const core::LoginOutcome& partial,
                                             std::string_view why) {
    Context ctx;  // no attempt: nothing is scored
    ctx.interface = interface;
    ctx.username = std::string(username);
    ctx.ip_text = std::string(ip);
    ctx.ip = core::IpAddress::parse(ip);
    ctx.now = clock_.now();
    ctx.site = store_.load_site_settings();
    ctx.user = partial.user;
    if (partial.missing == core::Factor::second_factor)
        return finish_failure(
            ctx, {FailureReason::second_factor_required,
                  "the password was right, but no code followed (" + std::string(why) + ")"});
    const bool key_missing = partial.missing == core::Factor::ssh_key;
    return finish_failure(
        ctx, {key_missing ? FailureReason::ssh_key_missing : FailureReason::password_missing,
              std::string("password_and_ssh_key: ") +
                  (key_missing ? "the password was right, but no registered SSH key followed"
                               : "the SSH key was accepted, but no right password followed") +
                  " (" + std::string(why) + ")"});
}

// Failures push an address back in the queue for hashing; a recent success with no failure
// since brings it forward. In memory only: it orders work, it decides nothing.
void LoginGate::remember(const std::string& ip, bool succeeded) {
    const auto now = clock_.now();
    std::lock_guard lock(history_mutex_);
    if (history_.size() > 100000)
        std::erase_if(history_,
                      [&](const auto& kv) { return now - kv.second.updated > kHistoryWindow; });
    auto& h = history_[ip];
    if (now - h.updated > kHistoryWindow) h = {};
    h.updated = now;
    if (succeeded) {
        h.failures = 0;
        h.succeeded = true;
    } else {
        ++h.failures;
    }
}

int LoginGate::queue_priority(const std::string& ip) const {
    std::lock_guard lock(history_mutex_);
    const auto it = history_.find(ip);
    if (it == history_.end() || clock_.now() - it->second.updated > kHistoryWindow) return 0;
    if (it->second.failures > 0) return it->second.failures;
    return it->second.succeeded ? -1 : 0;
}

core::LoginOutcome LoginGate::decide(const core::LoginAttempt& a) {
    Context ctx;
    ctx.attempt = &a;
    ctx.interface = a.interface;
    ctx.username = a.username;
    ctx.ip_text = a.client_ip;
    ctx.kind = kind_of(a);
    if (const auto* p = std::get_if<core::PasswordCredential>(&a.credential))
        ctx.password = p->secret;
    ctx.code = a.one_time_code;
    ctx.now = clock_.now();
    ctx.site = store_.load_site_settings();
    ctx.ip = core::IpAddress::parse(a.client_ip);
    if (!ctx.ip)
        return finish_failure(ctx, {FailureReason::ip_mismatch,
                                    "client address '" + a.client_ip + "' is not an IP address"});

    // Network checks first: they need neither the account nor any hashing. Bans come before
    // everything, so that a banned address costs one lookup and (mostly) no log write.
    if (auto r = security_.check_address(*ctx.ip, true, ctx.site.brute_force_protection))
        return refuse_address(ctx, *r);
    if (auto r = check_protocol_enabled(ctx)) return finish_failure(ctx, *r);
    if (auto r = check_region(ctx)) return finish_failure(ctx, *r);
    if (auto r = check_transport(ctx)) return finish_failure(ctx, *r);
    if (auto r = check_country(ctx)) return finish_failure(ctx, *r);

    if (auto r = resolve_identity(ctx)) return finish_failure(ctx, *r);
    // A lock is told only to whoever holds the credential: to anyone else a locked account
    // costs and answers exactly what a wrong password does (the log keeps the truth), so that
    // guessing cannot tell which names exist, nor which accounts it has locked.
    std::optional<Refusal> locked;
    for (const auto& [name, check] : account_checks()) {
        auto r = (this->*check)(ctx);
        if (r && r->reason == FailureReason::locked_out) {
            locked = std::move(r);
        } else if (r) {
            return finish_failure(ctx, *r);
        }
    }

    ctx.locked = locked.has_value();
    split_code_from_password(ctx);
    if (auto r = verify_credential(ctx)) {
        if (!locked) return finish_failure(ctx, *r);
        locked->detail += "; the credential given was wrong too (" + r->detail + ")";
        locked->shown = r->reason;
        return finish_failure(ctx, *locked);
    }
    if (locked) return finish_failure(ctx, *locked);
    // Before the password's state: a session that may only change the password needs the
    // second factor too.
    if (auto out = check_second_factor(ctx)) return std::move(*out);
    if (auto r = check_password_state(ctx)) {
        if (ctx.interface != Interface::web) return finish_failure(ctx, *r);
        // The web is where such a password is changed: the sign-in stays refused (and logged
        // so), but whoever proved the password gets a session that may only change it.
        r->detail += "; signed in to the web to change the password only";
        auto out = finish_failure(ctx, *r);
        out.grant = grant_of(ctx);
        out.grant->password_change_only = true;
        return out;
    }

    // password_and_ssh_key needs both factors, in either order, on one connection.
    if (ctx.user->authentication_method == core::AuthMethod::password_and_ssh_key) {
        std::set<core::Factor> verified;
        if (a.verified_user_id == ctx.user->id) verified = a.verified;
        verified.insert(factor_of(a.credential));
        for (auto needed : {core::Factor::password, core::Factor::ssh_key}) {
            if (!verified.contains(needed)) {
                core::LoginOutcome partial;
                partial.kind = core::LoginOutcome::Kind::partial;
                partial.user = ctx.user;
                partial.verified = verified;
                partial.missing = needed;
                return partial;
            }
        }
    }
    return finish_success(ctx);
}

std::optional<Refusal> LoginGate::resolve_identity(Context& ctx) const {
    const core::LoginAttempt& a = *ctx.attempt;
    // An unknown account is refused for its address first, exactly as a known one would be,
    // so that the allow list answers the same whether or not the name exists.
    auto unknown = [&](Refusal r) -> std::optional<Refusal> {
        if (auto ip = check_ip_allowed(ctx)) return ip;
        return r;
    };

    if (ctx.kind == CredentialKind::api_key) {
        const std::string* secret = api_key_secret(a);
        if (!secret)
            return unknown(
                {FailureReason::api_key_mismatch, "API-key logins take the key as the password"});
        // The secret is random and long, so one SHA-256 digest finds it; no per-key comparison.
        auto key =
            store_.find_api_key_by_digest(core::crypto::to_hex(core::crypto::sha256(*secret)));
        if (!key)
            return unknown({FailureReason::api_key_mismatch, "no API key matches the key given"});
        if (a.username.starts_with(kApiLoginPrefix)) {
            const auto ident = std::string_view(a.username).substr(kApiLoginPrefix.size());
            if (ident != std::to_string(key->id) && !iequals(ident, key->name))
                return unknown({FailureReason::api_key_mismatch,
                                "the key given is not the key named '" + std::string(ident) + "'"});
        }
        ctx.user = store_.find_user(key->user_id);
        if (!ctx.user) return unknown({FailureReason::api_key_mismatch, "the key's user is gone"});
        ctx.api_key = std::move(key);
        return std::nullopt;
    }

    ctx.user = store_.find_user_by_name(a.username);
    // A code is the second step of a login whose password this connection proved already.
    if (ctx.kind == CredentialKind::second_factor &&
        (!ctx.user || a.verified_user_id != ctx.user->id ||
         !a.verified.contains(core::Factor::password)))
        return unknown({FailureReason::second_factor_mismatch,
                        "a code was given with no accepted password before it for this user"});
    if (!ctx.user) {
        if (auto ip = check_ip_allowed(ctx)) return ip;
        // Spend what a real password check spends, so timing does not tell which names exist.
        if (ctx.kind == CredentialKind::password)
            core::dummy_password_work(options_.pbkdf2_iterations);
        return Refusal{FailureReason::username_not_found, "no user named '" + a.username + "'"};
    }
    return std::nullopt;
}

std::optional<Refusal> LoginGate::check_locked_out(Context& ctx) const {
    const auto until = security_.locked_until(*ctx.user, ctx.ip, ctx.now);
    if (!until) return std::nullopt;
    const bool everywhere = ctx.user->lockout_expires == until;
    return Refusal{FailureReason::locked_out,
                   std::string("locked out") + (everywhere ? "" : " from " + ctx.ip->to_string()) +
                       " after repeated failed logins until " + core::format_time(*until)};
}

std::optional<Refusal> LoginGate::check_disabled(Context& ctx) const {
    if (ctx.user->disabled) return Refusal{FailureReason::disabled, "the user is disabled"};
    return std::nullopt;
}

std::optional<Refusal> LoginGate::check_expired_access(Context& ctx) const {
    const auto& until = ctx.user->authenticate_until;
    if (until && *until <= ctx.now)
        return Refusal{FailureReason::expired_access,
                       "access expired at " + core::format_time(*until)};
    return std::nullopt;
}

std::optional<Refusal> LoginGate::check_protocol_permission(Context& ctx) const {
    if (ctx.user->permitted(ctx.interface)) return std::nullopt;
    return Refusal{no_permission_reason(ctx.interface),
                   "the user may not use " + std::string(core::to_string(ctx.interface))};
}

std::optional<Refusal> LoginGate::check_method_allowed(Context& ctx) const {
    using M = core::AuthMethod;
    const M method = ctx.user->authentication_method;
    auto refuse = [](std::string why) {
        return Refusal{FailureReason::method_not_allowed, std::move(why)};
    };
    switch (ctx.kind) {
        case CredentialKind::password:
            switch (method) {
                case M::password:
                case M::password_with_imported_hash:
                    return std::nullopt;
                case M::password_and_ssh_key:
                    if (ctx.interface == Interface::sftp) return std::nullopt;
                    return refuse("password_and_ssh_key users log in over SFTP only");
                case M::none:
                    return refuse("authentication method 'none' allows no password");
                case M::email_signup:
                    return Refusal{FailureReason::signup_incomplete,
                                   "the user has not set a password through the signup link yet"};
                case M::sso:
                    return refuse(
                        "sso users log in with a password only through an "
                        "LDAP/Active Directory provider, and none is configured");
            }
            break;
        case CredentialKind::ssh_key:
            if (ctx.interface != Interface::sftp) return refuse("SSH keys log in over SFTP only");
            return std::nullopt;
        case CredentialKind::second_factor:
            return std::nullopt;  // after a password, which was allowed
        case CredentialKind::api_key:
            if (method == M::password_and_ssh_key)
                return refuse("password_and_ssh_key users cannot log in with API keys");
            if (ctx.interface == Interface::web)
                return refuse("API keys do not log in to the web interface");
            return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Refusal> LoginGate::verify_credential(Context& ctx) const {
    const core::LoginAttempt& a = *ctx.attempt;
    switch (ctx.kind) {
        case CredentialKind::second_factor:
            return std::nullopt;  // the password was checked by the first step
        case CredentialKind::password: {
            const std::string& secret = ctx.password;
            if (ctx.user->password_hash.empty()) {
                core::dummy_password_work(options_.pbkdf2_iterations);
                return Refusal{FailureReason::password_mismatch, "the user has no password set"};
            }
            // A password that logged this user in a moment ago, with nothing it rests on
            // changed, needs no second hash; a locked account's holder pays the full check.
            const std::string key = verified_.key_of(*ctx.user, secret);
            if (ctx.locked) {
                verified_.forget(key);
            } else {
                ctx.verified = verified_.claim(
                    key, VerifiedCredentials::stamp_of(*ctx.user, ctx.site), ctx.now);
                if (ctx.verified.hit()) return std::nullopt;
            }
            const auto check =
                core::verify_password(secret, ctx.user->password_hash, options_.pbkdf2_iterations);
            if (!check.match) return Refusal{FailureReason::password_mismatch, "wrong password"};
            ctx.rehash = check.needs_rehash;
            return std::nullopt;
        }
        case CredentialKind::ssh_key: {
            const auto& key = std::get<core::PublicKeyCredential>(a.credential);
            const std::string fingerprint = core::ssh_fingerprint_sha256(key.blob);
            const std::string blob64 = core::crypto::base64_encode(key.blob);
            for (auto& k : store_.list_ssh_keys(ctx.user->id)) {
                if (k.fingerprint_sha256 == fingerprint && k.public_key_base64 == blob64) {
                    ctx.ssh_key = std::move(k);
                    return std::nullopt;
                }
            }
            return Refusal{FailureReason::key_mismatch, key.key_type + " key " + fingerprint +
                                                            " is not registered for this user"};
        }
        case CredentialKind::api_key: {
            const auto& expires = ctx.api_key->expires_at;
            if (expires && *expires <= ctx.now)
                return Refusal{
                    FailureReason::api_key_expired,
                    api_key_label(*ctx.api_key) + " expired at " + core::format_time(*expires)};
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// Checks on the password itself; a refusal here is only ever told to someone who knew it.
std::optional<Refusal> LoginGate::check_password_state(Context& ctx) const {
    if (ctx.kind != CredentialKind::password && ctx.kind != CredentialKind::second_factor)
        return std::nullopt;
    if (ctx.user->require_password_change)
        return Refusal{FailureReason::password_change_required,
                       "the password set by an administrator must be changed before logging in"};
    const auto expiry = core::password_expiry(*ctx.user, ctx.site, ctx.now);
    if (expiry.expired)
        return Refusal{FailureReason::password_expired,
                       "the password expired at " + core::format_time(*expiry.expire_at) +
                           " (after " + std::to_string(*expiry.validity_days) + " days)"};
    return std::nullopt;
}

bool LoginGate::accepts_key_probe(std::string_view username, std::string_view key_blob) {
    const auto user = store_.find_user_by_name(username);
    if (!user) return false;
    const std::string fingerprint = core::ssh_fingerprint_sha256(key_blob);
    for (const auto& k : store_.list_ssh_keys(user->id))
        if (k.fingerprint_sha256 == fingerprint) return true;
    return false;
}

std::vector<std::string_view> LoginGate::explained_checks(bool user_exists) {
    std::vector<std::string_view> out = {"address", "protocol_enabled", "region", "country"};
    if (!user_exists) {
        out.insert(out.end(), {"ip_allowed", "username"});
        return out;
    }
    for (const auto& [name, check] : account_checks()) out.push_back(name);
    out.push_back("password_state");
    out.push_back("second_factor");
    return out;
}

// Keep explained_checks() in step with the order below.
std::vector<Explanation> LoginGate::explain(std::string_view username, Interface interface,
                                            std::string_view ip) {
    std::vector<Explanation> out;
    auto add = [&](const Refusal& r, CredentialKind kind) {
        for (auto& e : out) {
            if (e.refusal.reason == r.reason && e.refusal.detail == r.detail) {
                if (std::find(e.applies_to.begin(), e.applies_to.end(), kind) == e.applies_to.end())
                    e.applies_to.push_back(kind);
                return;
            }
        }
        out.push_back({r, {kind}});
    };

    for (auto kind : {CredentialKind::password, CredentialKind::ssh_key, CredentialKind::api_key}) {
        Context ctx;
        ctx.interface = interface;
        ctx.username = std::string(username);
        ctx.ip_text = std::string(ip);
        ctx.kind = kind;
        ctx.now = clock_.now();
        ctx.site = store_.load_site_settings();
        ctx.ip = core::IpAddress::parse(ip);
        ctx.user = store_.find_user_by_name(username);
        if (ctx.ip)
            if (auto r = security_.check_address(*ctx.ip, false, ctx.site.brute_force_protection))
                add({r->reason, r->detail}, kind);
        if (auto r = check_protocol_enabled(ctx)) add(*r, kind);
        if (auto r = check_region(ctx)) add(*r, kind);
        if (auto r = check_country(ctx)) add(*r, kind);
        if (!ctx.user) {
            if (auto r = check_ip_allowed(ctx)) add(*r, kind);
            add({FailureReason::username_not_found, "no user named '" + ctx.username + "'"}, kind);
            continue;
        }
        for (const auto& [name, check] : account_checks())
            if (auto r = (this->*check)(ctx)) add(*r, kind);
        if (auto r = check_password_state(ctx)) add(*r, kind);
        if (auto r = check_second_factor_possible(ctx)) add(*r, kind);
    }
    return out;
}

}  // namespace drawbridge::auth
