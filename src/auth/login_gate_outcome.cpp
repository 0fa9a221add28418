// How a decision ends: a success (the user's record updated, the login logged, the grant made)
// or a refusal (scored, counted toward a lock, logged once per guess, and the connection's cap
// applied). Split from login_gate.cpp, which decides.
#include "auth/gate_context.h"
#include "auth/login_gate.h"
#include "core/crypto.h"
#include "core/guess_memo.h"
#include "core/password_hash.h"
#include "core/password_policy.h"

namespace drawbridge::auth {

using core::FailureReason;

core::LoginOutcome LoginGate::finish_success(Context& ctx) {
    core::User& user = *ctx.user;
    std::string detail;
    switch (ctx.kind) {
        case CredentialKind::password:
            detail = ctx.verified.hit()
                         ? "password (verified by a login within the last " +
                               std::to_string(VerifiedCredentials::kKeepFor / 60) + " minutes)"
                         : "password";
            break;
        case CredentialKind::ssh_key:
            detail = "SSH key " + ctx.ssh_key->fingerprint_sha256;
            break;
        case CredentialKind::api_key:
            detail = api_key_label(*ctx.api_key);
            break;
        case CredentialKind::second_factor:
            detail = "password";
            break;
    }
    if (!ctx.second_factor.empty()) detail += " and " + ctx.second_factor;
    if (ctx.attempt->verified_user_id == user.id && !ctx.attempt->verified.empty() &&
        ctx.kind != CredentialKind::second_factor)
        detail += " after a first factor";

    if (ctx.kind == CredentialKind::password) {
        const std::string& secret = ctx.password;
        if (ctx.rehash) {
            if (user.authentication_method == core::AuthMethod::password_with_imported_hash) {
                user.authentication_method = core::AuthMethod::password;
                detail += "; imported hash re-stored as PBKDF2";
            } else {
                detail += "; password re-hashed with " +
                          std::to_string(options_.pbkdf2_iterations) + " iterations";
            }
            user.password_hash = core::hash_password(secret, options_.pbkdf2_iterations);
        }
        // Existing passwords that are now known to be breachable are flagged, not refused.
        if (!user.password_breached && core::is_common_password(secret))
            user.password_breached = true;
    }
    user.last_login_at = ctx.now;
    if (auto* field = user.last_login_field(ctx.interface)) *field = ctx.now;
    store_.update_user(user);
    // Remembered once the login has succeeded in full, and not under a hash just replaced.
    if (!ctx.rehash) ctx.verified.succeeded(ctx.now);
    if (ctx.ip) security_.record_success(user, *ctx.ip, ctx.site);
    if (ctx.api_key) store_.touch_api_key(ctx.api_key->id, ctx.now);
    if (ctx.ssh_key) store_.touch_ssh_key(ctx.ssh_key->id, ctx.now);

    core::ActionLogEntry e;
    e.created_at = ctx.now;
    e.user_id = user.id;
    e.username = ctx.username;
    e.ip = ctx.ip ? ctx.ip->to_string() : ctx.ip_text;
    e.interface = ctx.interface;
    e.action = "login";
    e.detail = detail;
    log_.record(std::move(e));

    core::LoginOutcome out;
    out.kind = core::LoginOutcome::Kind::success;
    out.user = user;
    ctx.user = user;  // the grant holds the password as now stored (after any re-hash)
    out.grant = grant_of(ctx);
    out.grant->open_session = open_->lease(ctx.interface);
    return out;
}

core::LoginOutcome LoginGate::finish_failure(Context& ctx, Refusal refusal) {
    // Whatever refused it, this password no longer stands for a recent login of this user.
    if (ctx.attempt && ctx.user && ctx.kind == CredentialKind::password)
        verified_.forget(verified_.key_of(*ctx.user, ctx.password));
    core::LoginOutcome out;
    out.kind = core::LoginOutcome::Kind::failure;
    out.user = ctx.user;
    out.reason = refusal.reason;
    out.shown = refusal.shown == FailureReason::none ? refusal.reason : refusal.shown;
    // One guess of one secret on one connection counts once (docs/login-gate.md#one-guess):
    // the same refusal of the same credential again is answered alike and counted no more.
    const core::LoginAttempt* a = ctx.attempt;
    if (a && a->guesses && a->guesses->seen_before(ctx.username, a->credential, refusal.reason)) {
        out.repeated = true;
        out.end_connection = a->guesses->failures() >= kMaxFailedLoginsPerConnection;
        out.detail = std::move(refusal.detail);
        return out;
    }
    // Past the cap, the connection ends: a client trying one secret after another must
    // reconnect, which the address's score and bans then see (docs/login-gate.md).
    if (a && a->guesses && a->guesses->failures() >= kMaxFailedLoginsPerConnection) {
        out.end_connection = true;
        refusal.detail += "; the connection is closed after " +
                          std::to_string(kMaxFailedLoginsPerConnection) + " failed logins";
    }
    // The failure scores its address and counts toward locking the user; what that did is
    // part of this entry's detail.
    if (ctx.ip && ctx.attempt) {
        const auto effects = security_.record_failure(*ctx.ip, refusal.reason,
                                                      ctx.user ? &*ctx.user : nullptr, ctx.site);
        if (effects.locked_until)
            refusal.detail +=
                "; the user is now locked out until " + core::format_time(*effects.locked_until) +
                " after " + std::to_string(ctx.site.user_lockout_tries) + " failed logins within " +
                std::to_string(ctx.site.user_lockout_within) + " h";
        if (effects.banned)
            refusal.detail += "; " + ctx.ip->to_string() + " is now banned until " +
                              core::format_time(effects.banned->expires_at) + " (" +
                              effects.banned->reason + ")";
    }
    record_refusal(ctx, refusal);
    out.detail = std::move(refusal.detail);
    return out;
}

// A banned or blocked address: logged on the first refusal of its ban only, never scored. Its
// connection ends: whatever it tries next is refused alike.
core::LoginOutcome LoginGate::refuse_address(Context& ctx, const AddressRefusal& r) {
    if (r.first) record_refusal(ctx, {r.reason, r.detail});
    core::LoginOutcome out;
    out.kind = core::LoginOutcome::Kind::failure;
    out.reason = r.reason;
    out.shown = r.reason;
    out.detail = r.detail;
    out.end_connection = true;
    return out;
}

void LoginGate::record_refusal(Context& ctx, const Refusal& refusal) {
    core::ActionLogEntry e;
    e.created_at = ctx.now;
    if (ctx.user) e.user_id = ctx.user->id;
    e.username = ctx.username;
    e.ip = ctx.ip ? ctx.ip->to_string() : ctx.ip_text;
    e.interface = ctx.interface;
    e.action = "failedlogin";
    e.failure_type = refusal.reason;
    e.detail = refusal.detail;
    log_.record(std::move(e));
}

}  // namespace drawbridge::auth
