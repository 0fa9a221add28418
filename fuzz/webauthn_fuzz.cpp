// libFuzzer harness: core/webauthn's parsing of what a browser relays from an authenticator.
// The input is tried as an attestation object (verify_registration, with clientDataJSON that
// passes), as the authenticator data of an assertion (verify_assertion, against a real key), and
// as a COSE key and bare CBOR; every answer must keep the contract webauthn.h states.
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/webauthn.h"
#include "core/webauthn_cbor.h"
#include "core/webauthn_key.h"

namespace wa = drawbridge::core::webauthn;

namespace {

const std::string kChallenge = "fuzz challenge";
const wa::RelyingParty kParty{"localhost", "https://localhost:8443"};
const std::string kClientData = R"({"type":"webauthn.create","challenge":")" +
                                wa::base64url_encode(kChallenge) +
                                R"(","origin":"https://localhost:8443"})";
const std::string kGetClientData = R"({"type":"webauthn.get","challenge":")" +
                                   wa::base64url_encode(kChallenge) +
                                   R"(","origin":"https://localhost:8443"})";

// A registered key must be one OpenSSL reads back, of an algorithm we accept.
void check_key(const std::string& der, int algorithm) {
    if (algorithm != wa::kES256 && algorithm != wa::kEdDSA && algorithm != wa::kRS256)
        __builtin_trap();
    const auto* in = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &in, static_cast<long>(der.size()));
    if (key == nullptr) __builtin_trap();
    EVP_PKEY_free(key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);

    auto registered = wa::verify_registration(kClientData, input, kChallenge, kParty, false);
    if (auto* key = std::get_if<wa::Registered>(&registered)) {
        if (key->credential_id.empty() || key->credential_id.size() > wa::kMaxCredentialId)
            __builtin_trap();
        check_key(key->public_key_der, key->algorithm);
        // An assertion made of the same bytes is never signed by the key.
        const wa::Assertion forged{key->credential_id, kGetClientData, input, input};
        if (std::holds_alternative<std::uint32_t>(wa::verify_assertion(
                forged, key->public_key_der, key->algorithm, 0, kChallenge, kParty, false)))
            __builtin_trap();
    } else if (std::get<wa::Error>(registered).message.empty()) {
        __builtin_trap();  // a refusal always says why
    }

    auto cose = wa::detail::parse_cose_key(input);
    if (auto* key = std::get_if<wa::detail::PublicKey>(&cose)) check_key(key->der, key->algorithm);

    auto scanned = wa::detail::scan_item(input);
    if (auto* length = std::get_if<std::size_t>(&scanned)) {
        if (*length == 0 || *length > size) __builtin_trap();
        // What the scan passes, libcbor decodes without running past it.
        (void)wa::detail::load_item(std::string_view(input).substr(0, *length), "input");
    }
    return 0;
}
