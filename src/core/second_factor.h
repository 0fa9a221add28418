// Second factors of a login (docs/two-factor.md): TOTP codes (RFC 6238) with recovery codes, and
// WebAuthn security keys as the store keeps them. Pure functions and values: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace drawbridge::core {

// An authenticator app's shared secret, as enrolled for a user. `confirmed` once the user typed a
// code from it; `last_step` the time step of the last code accepted, so that no code is accepted
// twice (docs/two-factor.md: replay).
struct TotpEnrolment {
    std::int64_t user_id = 0;
    std::string secret;  // raw bytes (20)
    bool confirmed = false;
    std::int64_t last_step = 0;
    UnixTime created_at = 0;
};

// A registered security key or passkey (WebAuthn).
struct WebAuthnKey {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string name;
    std::string credential_id;   // raw bytes
    std::string public_key_der;  // SubjectPublicKeyInfo
    int algorithm = 0;           // COSE algorithm (-7 ES256, -8 EdDSA, -257 RS256)
    std::uint32_t sign_count = 0;
    UnixTime created_at = 0;
    std::optional<UnixTime> last_used_at;
};

namespace totp {

inline constexpr int kDigits = 6;
inline constexpr int kStepSeconds = 30;
inline constexpr std::size_t kSecretBytes = 20;  // RFC 4226's recommended 160 bits

std::string new_secret();                         // kSecretBytes random bytes
std::string base32_encode(std::string_view raw);  // RFC 4648, no padding (as apps expect)
std::optional<std::string> base32_decode(std::string_view text);  // any case, spaces ignored
std::int64_t step_at(UnixTime t);
std::string code_at(std::string_view secret, std::int64_t step);  // 6 digits
// The step of `code` within one step of `now` either way (RFC 6238 §5.2's drift), or nullopt.
// Every candidate is computed and compared in constant time.
std::optional<std::int64_t> match(std::string_view secret, std::string_view code, UnixTime now);
// Whether `text` has the shape of a code (6 ASCII digits).
bool looks_like_code(std::string_view text);
// otpauth://totp/<issuer>:<account>?secret=...&issuer=...: what an app's QR code scan reads.
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace totp

namespace recovery_codes {

inline constexpr int kCount = 10;
// Ten new codes, each "xxxx-xxxx-xxxx" of base32 letters and digits (60 random bits).
std::vector<std::string> generate();
// The form that is hashed: letters and digits only, lower case ("ABCD-efgh ijkl" ->
// "abcdefghijkl").
std::string normalise(std::string_view code);
// Whether `text` has the shape of a recovery code (12 base32 characters once normalised).
bool looks_like_code(std::string_view text);
// The stored form: hex SHA-256 of the normalised code (the codes are random; no salt needed).
std::string digest(std::string_view code);

}  // namespace recovery_codes

// An SVG picture of `text` as a QR code (libqrencode), for an authenticator app to scan.
std::string qr_svg(std::string_view text);

}  // namespace drawbridge::core
