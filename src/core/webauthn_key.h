// Public keys of core/webauthn: a COSE_Key (RFC 9052 §7, as authenticators send it) into an
// OpenSSL key kept as SubjectPublicKeyInfo DER, and signatures checked against that DER.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace drawbridge::core::webauthn::detail {

struct PublicKey {
    std::string der;  // SubjectPublicKeyInfo
    int algorithm = 0;
};

// The COSE_Key that `cbor` is exactly: EC2 P-256 with ES256, OKP Ed25519 with EdDSA, or RSA
// (2048 to 8192 bits) with RS256; any other combination is refused with its reason.
std::variant<PublicKey, std::string> parse_cose_key(std::string_view cbor);

// Whether `signature` is `algorithm`'s signature of `message` by the key `der` (ES256: DER
// ECDSA-Sig-Value over SHA-256; EdDSA: pure Ed25519; RS256: PKCS#1 v1.5 over SHA-256).
// nullopt when it is; otherwise why not.
std::optional<std::string> check_signature(std::string_view der, int algorithm,
                                           std::string_view message, std::string_view signature);

}  // namespace drawbridge::core::webauthn::detail
