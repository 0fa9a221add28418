#include "core/webauthn.h"

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/webauthn_cbor.h"
#include "core/webauthn_key.h"

namespace drawbridge::core::webauthn {

namespace {

using detail::as_bytes;
using detail::as_text;

// authenticatorData flags (WebAuthn §6.1).
constexpr unsigned kUserPresent = 0x01, kUserVerified = 0x04;
constexpr unsigned kBackupEligible = 0x08, kBackedUp = 0x10;  // Level 3
constexpr unsigned kAttestedCredentialData = 0x40, kExtensionData = 0x80;
constexpr std::size_t kRpIdHashSize = 32, kHeaderSize = 37, kAaguidSize = 16;
// clientDataJSON is a flat object (tokenBinding one level down): deeper values are dropped
// while parsing, so that no client builds a large tree.
constexpr int kMaxJsonDepth = 4;

// A client's text for an error message: printable ASCII only and short, so that a log line
// stays one line of bounded length.
std::string printable(std::string_view text) {
    constexpr std::size_t kMax = 64;
    std::string out = "\"";
    for (char c : text.substr(0, kMax)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
    return out + (text.size() > kMax ? "...\"" : "\"");
}

std::optional<std::string> check_size(std::string_view value, std::string_view what) {
    if (value.empty()) return std::string(what) + " is empty";
    if (value.size() > kMaxInput)
        return std::string(what) + " is " + std::to_string(value.size()) + " bytes, more than " +
               std::to_string(kMaxInput);
    return std::nullopt;
}

// §7.1 steps 5-12, §7.2 steps 10-16: type, challenge, origin, and what we do not support.
std::optional<std::string> check_client_data(std::string_view json, std::string_view type,
                                             std::string_view challenge, const RelyingParty& rp) {
    if (auto error = check_size(json, "clientDataJSON")) return error;
    auto drop_deep = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        return depth <= kMaxJsonDepth;
    };
    const auto data = nlohmann::json::parse(json.begin(), json.end(), drop_deep, false);
    if (data.is_discarded() || !data.is_object())
        return std::string("clientDataJSON is not a JSON object");
    auto text = [&](const char* key) -> std::optional<std::string_view> {
        auto it = data.find(key);
        if (it == data.end() || !it->is_string()) return std::nullopt;
        return std::string_view(it->get_ref<const std::string&>());
    };
    const auto got_type = text("type");
    if (!got_type) return std::string("clientDataJSON.type is missing");
    if (*got_type != type)
        return "clientDataJSON.type is " + printable(*got_type) + ", not " + printable(type);
    const auto got_challenge = text("challenge");
    const auto decoded = got_challenge ? base64url_decode(*got_challenge) : std::nullopt;
    if (!decoded) return std::string("clientDataJSON.challenge is not base64url");
    if (!crypto::constant_time_equal(*decoded, challenge))
        return std::string("clientDataJSON.challenge is not the challenge this server sent");
    const auto origin = text("origin");
    if (!origin) return std::string("clientDataJSON.origin is missing");
    if (*origin != rp.origin)
        return "clientDataJSON.origin is " + printable(*origin) + ", not " + printable(rp.origin);
    // The web UI is never framed by another site: a cross-origin ceremony is not ours.
    if (auto it = data.find("crossOrigin"); it != data.end() && *it != false)
        return std::string("clientDataJSON.crossOrigin is not false");
    // Token Binding is not negotiated on our TLS connections, so a client that says it used
    // one is not talking to us directly.
    if (auto it = data.find("tokenBinding"); it != data.end()) {
        if (!it->is_object()) return std::string("clientDataJSON.tokenBinding is not an object");
        if (auto status = it->find("status"); status != it->end() && *status == "present")
            return std::string("clientDataJSON.tokenBinding.status is \"present\", unsupported");
    }
    return std::nullopt;
}

struct AuthenticatorData {
    std::string_view rp_id_hash;
    unsigned flags = 0;
    std::uint32_t sign_count = 0;
    std::string_view credential_id;   // with the AT flag only
    std::string_view credential_key;  // its COSE_Key, CBOR
};

std::uint32_t big_endian(std::string_view bytes) {
    std::uint32_t value = 0;
    for (char c : bytes) value = value << 8 | static_cast<unsigned char>(c);
    return value;
}

// §6.1: rpIdHash, flags, signCount, then attested credential data (AT) and extensions (ED).
// Every byte must belong to a field.
std::variant<AuthenticatorData, std::string> parse_authenticator_data(std::string_view bytes) {
    if (auto error = check_size(bytes, "authenticatorData")) return std::move(*error);
    if (bytes.size() < kHeaderSize)
        return "authenticatorData is " + std::to_string(bytes.size()) +
               " bytes, shorter than its 37-byte header";
    AuthenticatorData out;
    out.rp_id_hash = bytes.substr(0, kRpIdHashSize);
    out.flags = static_cast<unsigned char>(bytes[kRpIdHashSize]);
    out.sign_count = big_endian(bytes.substr(kRpIdHashSize + 1, 4));
    std::string_view rest = bytes.substr(kHeaderSize);
    if (out.flags & kAttestedCredentialData) {
        if (rest.size() < kAaguidSize + 2)
            return std::string("authenticatorData's attested credential data is truncated");
        const std::size_t id_length = big_endian(rest.substr(kAaguidSize, 2));
        rest.remove_prefix(kAaguidSize + 2);
        if (id_length == 0 || id_length > kMaxCredentialId)
            return "authenticatorData's credentialIdLength is " + std::to_string(id_length) +
                   ", not 1 to 1023";
        if (rest.size() < id_length)
            return std::string("authenticatorData's credential id runs past its end");
        out.credential_id = rest.substr(0, id_length);
        rest.remove_prefix(id_length);
        auto key_size = detail::scan_item(rest);
        if (auto* error = std::get_if<std::string>(&key_size))
            return "authenticatorData's credential public key is not CBOR: " + *error;
        out.credential_key = rest.substr(0, std::get<std::size_t>(key_size));
        rest.remove_prefix(out.credential_key.size());
    }
    if (out.flags & kExtensionData) {
        auto size = detail::scan_item(rest);
        if (auto* error = std::get_if<std::string>(&size))
            return "authenticatorData's extensions are not CBOR: " + *error;
        if ((static_cast<unsigned char>(rest[0]) >> 5) != 5)
            return std::string("authenticatorData's extensions are not a CBOR map");
        rest.remove_prefix(std::get<std::size_t>(size));
    }
    if (!rest.empty())
        return "authenticatorData goes on for " + std::to_string(rest.size()) +
               " bytes after its last field";
    return out;
}

// §7.1 steps 13-15, §7.2 steps 17-19 (and Level 3's backup flags).
std::optional<std::string> check_authenticator(const AuthenticatorData& data,
                                               const RelyingParty& rp, bool require_uv) {
    if (!crypto::constant_time_equal(data.rp_id_hash, crypto::sha256(rp.id)))
        return "authenticatorData.rpIdHash is not SHA-256 of the RP ID " + printable(rp.id);
    if (!(data.flags & kUserPresent))
        return std::string("authenticatorData's User Present flag is not set");
    if (require_uv && !(data.flags & kUserVerified))
        return std::string("authenticatorData's User Verified flag is not set, and it is required");
    // Level 3 §7.1 step 17: a credential that cannot be backed up is never backed up.
    if ((data.flags & kBackedUp) && !(data.flags & kBackupEligible))
        return std::string(
            "authenticatorData's Backup State flag is set without Backup Eligibility");
    return std::nullopt;
}

// §7.1 steps 8, 19-20: fmt, attStmt and authData. Statements are not verified (webauthn.h).
// On success, `authenticator_data` is its authData.
std::optional<std::string> attested_authenticator_data(std::string_view attestation_object,
                                                       std::string& authenticator_data) {
    if (auto error = check_size(attestation_object, "attestationObject")) return *error;
    auto loaded = detail::load_item(attestation_object, "attestationObject");
    if (auto* error = std::get_if<std::string>(&loaded)) return std::move(*error);
    const cbor_item_t* map = std::get<detail::CborItem>(loaded).get();
    if (auto error = detail::check_map(map, "attestationObject")) return *error;
    const auto fmt = as_text(detail::find(map, std::string_view("fmt")));
    if (!fmt || fmt->empty() || fmt->size() > 32)
        return std::string("attestationObject.fmt is not a short text string");
    const cbor_item_t* statement = detail::find(map, std::string_view("attStmt"));
    if (auto error = detail::check_map(statement, "attestationObject.attStmt")) return *error;
    if (*fmt == "none" && cbor_map_size(statement) != 0)
        return std::string("attestationObject.attStmt is not empty, as \"none\" needs");
    const auto data = as_bytes(detail::find(map, std::string_view("authData")));
    if (!data) return std::string("attestationObject.authData is not a byte string");
    authenticator_data = *data;
    return std::nullopt;
}

}  // namespace

std::variant<Registered, Error> verify_registration(std::string_view client_data_json,
                                                    std::string_view attestation_object,
                                                    std::string_view expected_challenge,
                                                    const RelyingParty& rp,
                                                    bool require_user_verification) {
    if (auto error = check_client_data(client_data_json, "webauthn.create", expected_challenge, rp))
        return Error{std::move(*error)};
    std::string authenticator_data;
    if (auto error = attested_authenticator_data(attestation_object, authenticator_data))
        return Error{std::move(*error)};
    auto parsed = parse_authenticator_data(authenticator_data);
    if (auto* error = std::get_if<std::string>(&parsed)) return Error{std::move(*error)};
    const auto& data = std::get<AuthenticatorData>(parsed);
    if (auto error = check_authenticator(data, rp, require_user_verification))
        return Error{std::move(*error)};
    if (!(data.flags & kAttestedCredentialData))
        return Error{"authenticatorData has no attested credential data (the AT flag is not set)"};
    auto key = detail::parse_cose_key(data.credential_key);
    if (auto* error = std::get_if<std::string>(&key)) return Error{std::move(*error)};
    auto& public_key = std::get<detail::PublicKey>(key);
    return Registered{std::string(data.credential_id), std::move(public_key.der),
                      public_key.algorithm, data.sign_count, (data.flags & kUserVerified) != 0};
}

std::variant<std::uint32_t, Error> verify_assertion(const Assertion& assertion,
                                                    std::string_view public_key_der, int algorithm,
                                                    std::uint32_t stored_sign_count,
                                                    std::string_view expected_challenge,
                                                    const RelyingParty& rp,
                                                    bool require_user_verification) {
    if (assertion.credential_id.empty() || assertion.credential_id.size() > kMaxCredentialId)
        return Error{"the credential id is " + std::to_string(assertion.credential_id.size()) +
                     " bytes, not 1 to 1023"};
    if (auto error =
            check_client_data(assertion.client_data_json, "webauthn.get", expected_challenge, rp))
        return Error{std::move(*error)};
    auto parsed = parse_authenticator_data(assertion.authenticator_data);
    if (auto* error = std::get_if<std::string>(&parsed)) return Error{std::move(*error)};
    const auto& data = std::get<AuthenticatorData>(parsed);
    if (auto error = check_authenticator(data, rp, require_user_verification))
        return Error{std::move(*error)};
    // §7.2 step 20: the signature covers authenticatorData || SHA-256(clientDataJSON).
    const std::string message =
        assertion.authenticator_data + crypto::sha256(assertion.client_data_json);
    if (auto error =
            detail::check_signature(public_key_der, algorithm, message, assertion.signature))
        return Error{std::move(*error)};
    // §7.2 step 21: authenticators that keep no counter send 0 every time.
    if ((data.sign_count != 0 || stored_sign_count != 0) && data.sign_count <= stored_sign_count)
        return Error{"authenticatorData.signCount is " + std::to_string(data.sign_count) +
                     ", not more than the stored " + std::to_string(stored_sign_count) +
                     ": the authenticator may have been cloned"};
    return data.sign_count;
}

std::string base64url_encode(std::string_view raw) {
    std::string text = crypto::base64_encode(raw, false);
    for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return text;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    std::string standard(text);
    for (char& c : standard) {
        if (c == '+' || c == '/' || c == '=') return std::nullopt;  // not the URL alphabet
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    auto raw = crypto::base64_decode(standard);
    // One encoding per value: no padding, no stray bits in the last character.
    if (!raw || base64url_encode(*raw) != text) return std::nullopt;
    return raw;
}

}  // namespace drawbridge::core::webauthn
