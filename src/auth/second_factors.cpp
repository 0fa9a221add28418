#include "auth/second_factors.h"

#include <algorithm>

namespace drawbridge::auth {

TwoFactorStatus SecondFactors::status(const core::User& user) {
    TwoFactorStatus s;
    s.required = two_factor_required(user, store_.load_site_settings());
    const auto totp = store_.find_totp(user.id);
    s.totp = totp && totp->confirmed;
    s.recovery_codes_left = store_.count_recovery_codes(user.id);
    s.webauthn = store_.list_webauthn_keys(user.id);
    return s;
}

TotpSetup SecondFactors::begin_totp(const core::User& user, std::string_view issuer) {
    core::TotpEnrolment e;
    e.user_id = user.id;
    e.secret = core::totp::new_secret();
    e.created_at = clock_.now();
    try {
        store_.begin_totp(e);
    } catch (const store::Conflict& c) {
        throw AccountError(c.what());
    }
    TotpSetup setup;
    setup.secret_base32 = core::totp::base32_encode(e.secret);
    setup.otpauth_uri = core::totp::otpauth_uri(issuer, user.username, e.secret);
    setup.qr_svg = core::qr_svg(setup.otpauth_uri);
    return setup;
}

std::vector<std::string> SecondFactors::confirm_totp(const core::User& user, std::string_view code,
                                                     const Actor& actor) {
    const auto pending = store_.find_totp(user.id);
    if (!pending || pending->confirmed)
        throw AccountError(pending ? "the authenticator app is on already"
                                   : "no authenticator app is being set up: begin with POST "
                                     "/me/2fa/totp");
    const auto step = core::totp::match(pending->secret, code, clock_.now());
    if (!step)
        throw AccountError(
            "the code does not match: check the app's clock, and type the code it shows now");
    if (!store_.confirm_totp(user.id, *step))
        throw AccountError("the authenticator app is on already");
    auto codes = store_new_recovery_codes(user);
    accounts_.record(user, "user_update", "two-factor authentication: authenticator app turned on",
                     actor);
    return codes;
}

void SecondFactors::turn_off_totp(const core::User& user, std::string_view code,
                                  const Actor& actor) {
    const auto totp = store_.find_totp(user.id);
    if (!totp || !totp->confirmed) throw AccountError("the authenticator app is not on");
    prove(user, code, actor);
    if (two_factor_required(user, store_.load_site_settings()) &&
        store_.list_webauthn_keys(user.id).empty())
        throw AccountError(
            "two-factor authentication is required for this user: add a security key before "
            "turning the app off, or ask an administrator to reset it");
    store_.delete_totp(user.id);
    // Recovery codes stand in for a lost factor; with none left they would be a factor alone.
    if (store_.list_webauthn_keys(user.id).empty()) store_.replace_recovery_codes(user.id, {});
    accounts_.record(user, "user_update", "two-factor authentication: authenticator app turned off",
                     actor);
}

std::vector<std::string> SecondFactors::new_recovery_codes(const core::User& user,
                                                           std::string_view code,
                                                           const Actor& actor) {
    if (!user.active_2fa) throw AccountError("two-factor authentication is not set up");
    prove(user, code, actor);
    auto codes = store_new_recovery_codes(user);
    accounts_.record(user, "user_update", "two-factor authentication: new recovery codes", actor);
    return codes;
}

std::vector<std::string> SecondFactors::add_security_key(const core::User& user,
                                                         core::WebAuthnKey key,
                                                         const Actor& actor) {
    if (key.name.empty() || key.name.size() > 64)
        throw AccountError("name: give the key a name of 1 to 64 characters");
    const bool first = !user.active_2fa;
    key.user_id = user.id;
    key.created_at = clock_.now();
    store_.add_webauthn_key(key);  // Conflict: registered already
    std::vector<std::string> codes;
    if (first) codes = store_new_recovery_codes(user);
    accounts_.record(user, "user_update",
                     "two-factor authentication: security key '" + key.name + "' added", actor);
    return codes;
}

void SecondFactors::remove_security_key(const core::User& user, std::int64_t id,
                                        const Actor& actor) {
    const auto keys = store_.list_webauthn_keys(user.id);
    const auto it =
        std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.id == id; });
    if (it == keys.end()) throw NoSuchKey("no security key " + std::to_string(id));
    const auto totp = store_.find_totp(user.id);
    const bool last = keys.size() == 1 && !(totp && totp->confirmed);
    if (last && two_factor_required(user, store_.load_site_settings()))
        throw AccountError(
            "two-factor authentication is required for this user: set up another factor before "
            "removing the last one, or ask an administrator to reset it");
    store_.delete_webauthn_key(user.id, id);
    if (last) store_.replace_recovery_codes(user.id, {});
    accounts_.record(user, "user_update",
                     "two-factor authentication: security key '" + it->name + "' removed", actor);
}

void SecondFactors::reset(const core::User& user, const Actor& actor, std::string_view by) {
    store_.reset_second_factors(user.id);
    accounts_.record(user, "user_update",
                     "two-factor authentication reset by " + std::string(by) +
                         " (authenticator app, security keys and recovery codes removed)",
                     actor);
}

std::vector<std::string> SecondFactors::store_new_recovery_codes(const core::User& user) {
    auto codes = core::recovery_codes::generate();
    std::vector<std::string> digests;
    for (const auto& c : codes) digests.push_back(core::recovery_codes::digest(c));
    store_.replace_recovery_codes(user.id, digests);
    return codes;
}

void SecondFactors::prove(const core::User& user, std::string_view code, const Actor& actor) {
    if (auto refused = gate_.prove_code(user, actor.interface, actor.ip, code))
        throw AccountError(std::string(core::info(refused->reason).public_message));
}

}  // namespace drawbridge::auth
