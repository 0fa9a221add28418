// The gate's second question: may an open session go on? A login is decided once, but what it
// granted can be taken back at any time (docs/login-gate.md#sessions), so every protocol asks
// again from the grant the login returned: on each HTTP request, and once a second for every
// open SFTP and FTP session.
#include "auth/gate_context.h"
#include "auth/login_gate.h"
#include "core/crypto.h"

namespace drawbridge::auth {

using core::FailureReason;

namespace {
// Even with nothing changed, a full check now and then (a clock step, a change the version
// did not see).
constexpr core::UnixTime kFullRecheckSeconds = 60;
}  // namespace

std::string password_digest(const core::User& user) {
    return core::crypto::to_hex(core::crypto::sha256(user.password_hash));
}

core::SessionGrant LoginGate::grant_of(const Context& ctx) const {
    core::SessionGrant g;
    g.user_id = ctx.user->id;
    g.interface = ctx.interface;
    g.client_ip = ctx.ip ? ctx.ip->to_string() : ctx.ip_text;
    if (ctx.attempt && ctx.attempt->verified_user_id == ctx.user->id)
        g.factors = ctx.attempt->verified;
    g.factors.insert(ctx.kind == CredentialKind::password        ? core::Factor::password
                     : ctx.kind == CredentialKind::ssh_key       ? core::Factor::ssh_key
                     : ctx.kind == CredentialKind::second_factor ? core::Factor::second_factor
                                                                 : core::Factor::api_key);
    if (!ctx.second_factor.empty()) g.factors.insert(core::Factor::second_factor);
    if (ctx.api_key) g.api_key_id = ctx.api_key->id;
    if (ctx.ssh_key) g.ssh_key_id = ctx.ssh_key->id;
    if (g.factors.contains(core::Factor::password)) g.password_digest = password_digest(*ctx.user);
    return g;
}

std::optional<Refusal> LoginGate::readmit(core::SessionGrant& grant) {
    const auto version = store_.rights_version();
    const auto now = clock_.now();
    if (grant.recheck_by != 0 && grant.checked_version == version && now < grant.recheck_by)
        return std::nullopt;
    Context ctx;
    ctx.interface = grant.interface;
    ctx.ip_text = grant.client_ip;
    ctx.ip = core::IpAddress::parse(grant.client_ip);
    ctx.now = now;
    ctx.site = store_.load_site_settings();
    if (ctx.ip)
        if (auto r = security_.check_address(*ctx.ip, false, ctx.site.brute_force_protection))
            return Refusal{r->reason, r->detail};
    // A protocol switched off ends its open sessions too, not only the logins after it.
    if (auto r = check_protocol_enabled(ctx)) return r;
    // The site's region and country rules end the sessions they would now refuse, as a ban does.
    if (auto r = check_region(ctx)) return r;
    if (auto r = check_country(ctx)) return r;
    ctx.user = store_.find_user(grant.user_id);
    if (!ctx.user) return Refusal{FailureReason::username_not_found, "the user was deleted"};
    ctx.username = ctx.user->username;
    for (Check check :
         {&LoginGate::check_ip_allowed, &LoginGate::check_locked_out, &LoginGate::check_disabled,
          &LoginGate::check_expired_access, &LoginGate::check_protocol_permission})
        if (auto r = (this->*check)(ctx)) return r;
    // An authentication method that no longer admits a factor the session logged in with
    // (password to none, an API key for a password_and_ssh_key user) ends it.
    for (const auto factor : grant.factors) {
        ctx.kind = factor == core::Factor::ssh_key   ? CredentialKind::ssh_key
                   : factor == core::Factor::api_key ? CredentialKind::api_key
                                                     : CredentialKind::password;
        if (auto r = check_method_allowed(ctx)) return r;
    }
    if (grant.factors.contains(core::Factor::password) &&
        !core::crypto::constant_time_equal(password_digest(*ctx.user), grant.password_digest))
        return Refusal{FailureReason::password_mismatch,
                       "the password this session logged in with was changed"};
    core::UnixTime recheck_by = now + kFullRecheckSeconds;
    if (const auto& until = ctx.user->authenticate_until) recheck_by = std::min(recheck_by, *until);
    if (grant.api_key_id) {
        const auto key = store_.find_api_key(*grant.api_key_id);
        if (!key || key->user_id != grant.user_id)
            return Refusal{FailureReason::api_key_mismatch,
                           "the API key this session logged in with was revoked"};
        if (key->expires_at && *key->expires_at <= ctx.now)
            return Refusal{FailureReason::api_key_expired,
                           "the API key this session logged in with expired at " +
                               core::format_time(*key->expires_at)};
        if (key->expires_at) recheck_by = std::min(recheck_by, *key->expires_at);
    }
    if (grant.ssh_key_id) {
        const auto key = store_.find_ssh_key(*grant.ssh_key_id);
        if (!key || key->user_id != grant.user_id)
            return Refusal{FailureReason::key_mismatch,
                           "the SSH key this session logged in with was removed"};
    }
    grant.checked_version = version;
    grant.recheck_by = recheck_by;
    return std::nullopt;
}

std::optional<Refusal> LoginGate::refuse_token_in_clear(const core::SessionGrant& grant) {
    bool required = store_.load_site_settings().ssl_required;
    if (const auto user = store_.find_user(grant.user_id)) {
        if (user->ssl_required == core::SiteDefault::always_require) required = true;
        if (user->ssl_required == core::SiteDefault::never_require) required = false;
    }
    if (!required) return std::nullopt;
    return Refusal{FailureReason::insecure_http,
                   "the session's token was sent over plain HTTP, where the site or the user "
                   "requires TLS: it has crossed in clear, so the session is ended"};
}

}  // namespace drawbridge::auth
