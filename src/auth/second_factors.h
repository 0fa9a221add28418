// A user's second factors (docs/two-factor.md) as the REST API and the CLI change them: setting
// up an authenticator app (confirmed by one of its codes), recovery codes, turning the app off,
// and an administrator's reset. Logins check the factors in LoginGate; this only manages them,
// and writes each change to the action log (user_update).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/accounts.h"
#include "auth/login_gate.h"
#include "core/second_factor.h"

namespace drawbridge::auth {

// The security key a change names is not the user's.
struct NoSuchKey : AccountError {
    using AccountError::AccountError;
};

struct TwoFactorStatus {
    bool required = false;  // require_2fa asks it of the user
    bool totp = false;      // an authenticator app is on
    int recovery_codes_left = 0;
    std::vector<core::WebAuthnKey> webauthn;
};

// What an authenticator app needs to be set up: the secret to type, or the URI its QR code holds.
struct TotpSetup {
    std::string secret_base32;
    std::string otpauth_uri;
    std::string qr_svg;
};

class SecondFactors {
  public:
    SecondFactors(store::Store& store, LoginGate& gate, Accounts& accounts,
                  const core::Clock& clock)
        : store_(store), gate_(gate), accounts_(accounts), clock_(clock) {}

    TwoFactorStatus status(const core::User& user);
    // A new secret for the app, not in force until confirm_totp(); replaces one not confirmed.
    // AccountError when an app is on already. `issuer`: the name the app shows (site_hostname).
    TotpSetup begin_totp(const core::User& user, std::string_view issuer);
    // Turns the app on with a code from it; returns ten new recovery codes, shown this once.
    std::vector<std::string> confirm_totp(const core::User& user, std::string_view code,
                                          const Actor& actor);
    // These need a current code (or a recovery code), proved through the gate.
    void turn_off_totp(const core::User& user, std::string_view code, const Actor& actor);
    std::vector<std::string> new_recovery_codes(const core::User& user, std::string_view code,
                                                const Actor& actor);
    // A security key verified by core::webauthn: stored under `name`. Returns ten recovery codes
    // when it is the user's first factor (none otherwise).
    std::vector<std::string> add_security_key(const core::User& user, core::WebAuthnKey key,
                                              const Actor& actor);
    // AccountError when it is the user's last factor and 2FA is required.
    void remove_security_key(const core::User& user, std::int64_t id, const Actor& actor);
    // An administrator's reset (the user lost the phone): app, keys and recovery codes gone.
    void reset(const core::User& user, const Actor& actor, std::string_view by);

  private:
    std::vector<std::string> store_new_recovery_codes(const core::User& user);
    void prove(const core::User& user, std::string_view code, const Actor& actor);

    store::Store& store_;
    LoginGate& gate_;
    Accounts& accounts_;
    const core::Clock& clock_;
};

}  // namespace drawbridge::auth
