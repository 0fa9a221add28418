// The second factor of a login (docs/two-factor.md): who must give one, how each protocol's
// attempt carries it, and its check against the store, which keeps the replay record so that a
// code works once on every node. Split from login_gate.cpp, which calls it once the first
// factor is proved.
#include "auth/gate_context.h"
#include "auth/login_gate.h"
#include "core/second_factor.h"
#include "core/webauthn.h"

namespace drawbridge::auth {

using core::FailureReason;
using core::Interface;

namespace {

// WebAuthn-less protocols that send credentials with every request cannot use a code that
// works once.
constexpr std::string_view kDavUsesApiKeys =
    "WebDAV cannot ask for a code, and a client sends its password with every request: a user "
    "with two-factor authentication logs in to WebDAV with an API key as the password "
    "(username @api-<key name>)";

// Whether a password login of this user must carry a second factor: always once one is set up
// (whatever require_2fa says), and when require_2fa asks for it. password_and_ssh_key users
// prove two factors already (the password and the key).
bool applies_to(const core::User& user, const core::SiteSettings& site) {
    if (user.authentication_method == core::AuthMethod::password_and_ssh_key) return false;
    return user.active_2fa || two_factor_required(user, site);
}

std::string missing_code_detail(Interface i) {
    switch (i) {
        case Interface::ftp:
            return "no code followed the password (FTP takes the password followed by the "
                   "6-digit code)";
        case Interface::dav:
            return std::string(kDavUsesApiKeys);
        case Interface::restapi:
            return "no code was given (POST /sessions takes it as otp)";
        default:
            return "no code was given";
    }
}

}  // namespace

bool two_factor_required(const core::User& user, const core::SiteSettings& site) {
    switch (user.require_2fa) {
        case core::SiteDefault::always_require:
            return true;
        case core::SiteDefault::never_require:
            return false;
        case core::SiteDefault::use_system_setting:
            break;
    }
    return site.require_2fa;
}

std::optional<Refusal> LoginGate::prove_code(const core::User& user, Interface interface,
                                             std::string_view ip, std::string_view code) {
    const core::LoginAttempt attempt{user.username,
                                     interface,
                                     std::string(ip),
                                     core::OneTimeCodeCredential{std::string(code)},
                                     {},
                                     {}};
    Context ctx;
    ctx.attempt = &attempt;
    ctx.interface = interface;
    ctx.username = user.username;
    ctx.ip_text = std::string(ip);
    ctx.ip = core::IpAddress::parse(ip);
    ctx.kind = CredentialKind::second_factor;
    ctx.now = clock_.now();
    ctx.site = store_.load_site_settings();
    ctx.user = user;
    auto refusal = verify_code(ctx, code);
    if (refusal) {
        refusal->detail += " (to change the user's two-factor authentication)";
        finish_failure(ctx, *refusal);
    }
    return refusal;
}

// API keys (as a header, or as the password of an @api- login) and SSH keys never need one: a
// key is itself a possession factor, and scripts sign in so while people use 2FA (seed 001).
bool LoginGate::needs_second_factor(const Context& ctx) const {
    if (ctx.kind == CredentialKind::second_factor) return true;
    if (ctx.kind != CredentialKind::password) return false;
    if (ctx.attempt && ctx.attempt->second_factor_proven) return false;
    return applies_to(*ctx.user, ctx.site);
}

// FTP has one PASS, so the code rides at the end of the password; taken off only for a user with
// an authenticator app, so that nobody else's password ever loses its last digits.
void LoginGate::split_code_from_password(Context& ctx) const {
    const core::LoginAttempt& a = *ctx.attempt;
    if (!a.code_may_follow_password || ctx.kind != CredentialKind::password || ctx.code ||
        !ctx.user->active_2fa || ctx.password.size() <= core::totp::kDigits)
        return;
    const auto tail =
        std::string_view(ctx.password).substr(ctx.password.size() - core::totp::kDigits);
    if (!core::totp::looks_like_code(tail)) return;
    const auto totp = store_.find_totp(ctx.user->id);
    if (!totp || !totp->confirmed) return;
    ctx.code = std::string(tail);
    ctx.password.resize(ctx.password.size() - core::totp::kDigits);
}

std::optional<core::LoginOutcome> LoginGate::check_second_factor(Context& ctx) {
    if (!needs_second_factor(ctx)) return std::nullopt;
    const core::LoginAttempt& a = *ctx.attempt;
    std::optional<std::string> code = ctx.code;
    if (const auto* c = std::get_if<core::OneTimeCodeCredential>(&a.credential)) code = c->code;
    if (const auto* key = std::get_if<core::WebAuthnCredential>(&a.credential)) {
        if (auto r = verify_security_key(ctx, *key)) return finish_failure(ctx, *r);
        return std::nullopt;
    }

    if (!ctx.user->active_2fa && !code) {
        // A password that must be changed is changed first: a session made to set up 2FA
        // becomes a full one, which must not skip the change.
        if (check_password_state(ctx)) return std::nullopt;
        Refusal r{FailureReason::second_factor_required,
                  "two-factor authentication is required (require_2fa) and the user has set up "
                  "none"};
        if (ctx.interface != Interface::web) {
            r.detail += "; it is set up by signing in to the web interface";
            return finish_failure(ctx, r);
        }
        // The web is where it is set up: the sign-in stays refused (and logged so), but whoever
        // proved the password gets a session that may only set it up.
        r.detail += "; signed in to the web to set it up only";
        auto out = finish_failure(ctx, r);
        out.grant = grant_of(ctx);
        out.grant->two_factor_setup_only = true;
        return out;
    }
    if (!code) {
        if (a.multi_step) {
            core::LoginOutcome partial;
            partial.kind = core::LoginOutcome::Kind::partial;
            partial.user = ctx.user;
            if (a.verified_user_id == ctx.user->id) partial.verified = a.verified;
            partial.verified.insert(core::Factor::password);
            partial.missing = core::Factor::second_factor;
            return partial;
        }
        return finish_failure(
            ctx, {FailureReason::second_factor_required, missing_code_detail(ctx.interface)});
    }
    if (auto r = verify_code(ctx, *code)) return finish_failure(ctx, *r);
    return std::nullopt;
}

// Each kind of code is told by its shape, so that one attempt costs at most one check.
std::optional<Refusal> LoginGate::verify_code(Context& ctx, std::string_view code) const {
    const auto user_id = ctx.user->id;
    if (core::totp::looks_like_code(code)) {
        const auto totp = store_.find_totp(user_id);
        if (!totp || !totp->confirmed)
            return Refusal{FailureReason::second_factor_mismatch,
                           "a 6-digit code was given, but the user has no authenticator app"};
        const auto step = core::totp::match(totp->secret, code, ctx.now);
        if (!step)
            return Refusal{FailureReason::second_factor_mismatch,
                           "wrong code from the authenticator app"};
        if (!store_.claim_totp_step(user_id, *step))
            return Refusal{FailureReason::second_factor_mismatch,
                           "the code, or a later one, was used already (a code works once)"};
        ctx.second_factor = "a code from the authenticator app";
        return std::nullopt;
    }
    if (core::recovery_codes::looks_like_code(code)) {
        if (!store_.use_recovery_code(user_id, core::recovery_codes::digest(code), ctx.now))
            return Refusal{FailureReason::second_factor_mismatch,
                           "wrong recovery code, or one used already"};
        ctx.second_factor =
            "a recovery code (" + std::to_string(store_.count_recovery_codes(user_id)) + " left)";
        return std::nullopt;
    }
    return Refusal{FailureReason::second_factor_mismatch,
                   "the code is neither 6 digits nor a recovery code"};
}

// The assertion of one of the user's own keys, over the challenge this sign-in was sent; the
// store takes the new signature counter only if it grew, so that a cloned key is refused on
// every node.
std::optional<Refusal> LoginGate::verify_security_key(Context& ctx,
                                                      const core::WebAuthnCredential& c) const {
    for (const auto& key : store_.list_webauthn_keys(ctx.user->id)) {
        if (key.credential_id != c.credential_id) continue;
        const auto result = core::webauthn::verify_assertion(
            {c.credential_id, c.client_data_json, c.authenticator_data, c.signature},
            key.public_key_der, key.algorithm, key.sign_count, c.expected_challenge,
            {c.rp_id, c.origin}, false);
        if (const auto* e = std::get_if<core::webauthn::Error>(&result))
            return Refusal{FailureReason::second_factor_mismatch,
                           "security key '" + key.name + "': " + e->message};
        if (!store_.use_webauthn_key(key.id, std::get<std::uint32_t>(result), ctx.now))
            return Refusal{FailureReason::second_factor_mismatch,
                           "security key '" + key.name +
                               "': its signature counter did not grow (a cloned key, or an "
                               "answer used twice)"};
        ctx.second_factor = "security key '" + key.name + "'";
        return std::nullopt;
    }
    return Refusal{FailureReason::second_factor_mismatch,
                   "the security key is not one of the user's"};
}

// What explain() can tell before any credential: a password login that can never pass here.
std::optional<Refusal> LoginGate::check_second_factor_possible(Context& ctx) const {
    if (ctx.kind != CredentialKind::password || !ctx.user || !applies_to(*ctx.user, ctx.site))
        return std::nullopt;
    if (!ctx.user->active_2fa && ctx.interface != Interface::web)
        return Refusal{FailureReason::second_factor_required,
                       "two-factor authentication is required (require_2fa) and the user has set "
                       "up none: it is set up by signing in to the web interface"};
    if (ctx.interface == Interface::dav)
        return Refusal{FailureReason::second_factor_required, std::string(kDavUsesApiKeys)};
    return std::nullopt;
}

}  // namespace drawbridge::auth
