// WebAuthn (Level 2) relying-party verification: what a server checks of
// navigator.credentials.create()'s and .get()'s answers (§7.1, §7.2). Pure: no I/O, no store;
// the caller keeps challenges and registered keys. Every input is bounded (kMaxInput), and every
// refusal says precisely what was wrong, in words safe to log (no key, signature or challenge).
//
// Attestation: "none" is accepted; any other format ("packed", "fido-u2f", "tpm", ...) is accepted
// WITHOUT verifying its statement, as if it were "none". That is what a site that does not
// restrict which authenticators its users buy does (the spec's "no attestation" conveyance): the
// key is trusted because the signed-in user registered it, not because of who made it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace drawbridge::core::webauthn {

// COSE algorithm identifiers (RFC 9053) that we accept.
inline constexpr int kES256 = -7;
inline constexpr int kEdDSA = -8;
inline constexpr int kRS256 = -257;

// The largest clientDataJSON, attestationObject or authenticatorData accepted (browsers send a
// few hundred bytes; attestation certificates a few KiB).
inline constexpr std::size_t kMaxInput = 64 * 1024;
// The longest credential id (WebAuthn Level 3 §6.5.1: credentialIdLength ≤ 1023).
inline constexpr std::size_t kMaxCredentialId = 1023;

struct RelyingParty {
    std::string id;      // "localhost", "files.example.com": rpIdHash = SHA-256(id)
    std::string origin;  // "https://localhost:8443": clientDataJSON.origin must equal it
};

struct Registered {
    std::string credential_id;   // raw bytes
    std::string public_key_der;  // SubjectPublicKeyInfo DER (OpenSSL i2d_PUBKEY)
    int algorithm = 0;           // kES256, kEdDSA or kRS256
    std::uint32_t sign_count = 0;
    bool user_verified = false;
};

struct Error {
    std::string message;  // "clientDataJSON.type is \"webauthn.get\", not \"webauthn.create\""
};

// navigator.credentials.create()'s answer (response.clientDataJSON, response.attestationObject,
// raw bytes), against the challenge the server sent (raw bytes).
std::variant<Registered, Error> verify_registration(std::string_view client_data_json,
                                                    std::string_view attestation_object,
                                                    std::string_view expected_challenge,
                                                    const RelyingParty& rp,
                                                    bool require_user_verification);

// navigator.credentials.get()'s answer, raw bytes. credential_id (rawId) is what the caller looked
// the stored key up by; it is checked for length only.
struct Assertion {
    std::string credential_id;
    std::string client_data_json;
    std::string authenticator_data;
    std::string signature;
};

// Verifies an assertion against the stored key and sign count; on success, the new sign count to
// store. A count that does not grow, when either count is non-zero, is refused: the key may
// have been cloned.
std::variant<std::uint32_t, Error> verify_assertion(const Assertion& assertion,
                                                    std::string_view public_key_der, int algorithm,
                                                    std::uint32_t stored_sign_count,
                                                    std::string_view expected_challenge,
                                                    const RelyingParty& rp,
                                                    bool require_user_verification);

// RFC 4648 §5 base64url without padding, as WebAuthn's JSON uses it.
std::string base64url_encode(std::string_view raw);
// Refuses anything but the base64url alphabet, padding, and lengths no encoding has.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace drawbridge::core::webauthn
