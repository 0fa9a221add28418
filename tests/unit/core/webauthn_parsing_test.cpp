// core/webauthn against what a hostile client can send: truncated and padded authenticator
// data, CBOR that is garbage, deep, huge or repeated, and odd clientDataJSON. Every input must
// end in a precise refusal, never a crash, a hang or an allocation its size does not justify.
#include <gtest/gtest.h>

#include <random>

#include "core/webauthn.h"
#include "core/webauthn_cbor.h"
#include "unit/core/webauthn/vectors.h"

namespace drawbridge::core::webauthn {
namespace {

using testing::credential;
using testing::error_of;
using testing::raw;
using testing::rp;

constexpr char kChallenge[] = "the server's challenge";
constexpr unsigned char kAttested = 0x40;

// clientDataJSON that passes for kChallenge, with `extra` members appended.
std::string client_data(const std::string& type = "webauthn.create",
                        const std::string& extra = "") {
    return R"({"type":")" + type + R"(","challenge":")" + base64url_encode(kChallenge) +
           R"(","origin":"https://localhost:8443")" + extra + "}";
}

// The attestation object {"fmt": "none", "attStmt": {}, "authData": auth_data}.
std::string attestation_object(const std::string& auth_data) {
    std::string out =
        "\xa3\x63"
        "fmt\x64none\x67"
        "attStmt\xa0\x68"
        "authData\x59";
    out += static_cast<char>(auth_data.size() >> 8);
    out += static_cast<char>(auth_data.size() & 0xff);
    return out + auth_data;
}

// The ES256 vector's authData, taken out of its attestation object.
std::string registration_auth_data() {
    const auto object = raw(credential("es256")["registration"]["attestationObject"]);
    auto loaded = detail::load_item(object, "attestationObject");
    const cbor_item_t* map = std::get<detail::CborItem>(loaded).get();
    return std::string(detail::as_bytes(detail::find(map, std::string_view("authData"))).value());
}

std::string register_error(const std::string& object, const std::string& cdj = client_data()) {
    return error_of(verify_registration(cdj, object, kChallenge, rp(), false));
}

TEST(WebAuthnParsing, TheRebuiltVectorStillRegisters) {
    EXPECT_EQ(register_error(attestation_object(registration_auth_data())), "");
}

TEST(WebAuthnParsing, RefusesEveryTruncationOfAuthenticatorData) {
    const auto data = registration_auth_data();
    for (std::size_t size = 0; size < data.size(); ++size)
        EXPECT_NE(register_error(attestation_object(data.substr(0, size))), "") << size;
    EXPECT_EQ(register_error(attestation_object(data.substr(0, 36))),
              "authenticatorData is 36 bytes, shorter than its 37-byte header");
    EXPECT_EQ(register_error(attestation_object(data.substr(0, 50))),
              "authenticatorData's attested credential data is truncated");
    EXPECT_EQ(register_error(attestation_object(data.substr(0, 60))),
              "authenticatorData's credential id runs past its end");
    EXPECT_EQ(register_error(attestation_object(data.substr(0, data.size() - 1)))
                  .rfind("authenticatorData's credential public key is not CBOR: ", 0),
              0u);
}

TEST(WebAuthnParsing, RefusesBytesAfterTheLastField) {
    EXPECT_EQ(register_error(attestation_object(registration_auth_data() + '\0')),
              "authenticatorData goes on for 1 bytes after its last field");
    const auto& cred = credential("es256");
    auto a = testing::assertion_of(cred["assertion"]);
    a.authenticator_data += "\xa0";  // an extensions map, but the ED flag is not set
    EXPECT_EQ(error_of(verify_assertion(a, raw(cred["publicKeyDer"]), kES256, 0,
                                        raw(cred["assertion"]["challenge"]), rp(), false)),
              "authenticatorData goes on for 1 bytes after its last field");
    a.authenticator_data[32] |= 0x80;  // now it is set: the signature no longer matches
    EXPECT_EQ(error_of(verify_assertion(a, raw(cred["publicKeyDer"]), kES256, 0,
                                        raw(cred["assertion"]["challenge"]), rp(), false)),
              "the signature does not verify with the credential's public key");
}

TEST(WebAuthnParsing, NeedsAttestedCredentialDataOnRegistration) {
    auto data = registration_auth_data().substr(0, 37);
    data[32] &= ~kAttested;
    EXPECT_EQ(register_error(attestation_object(data)),
              "authenticatorData has no attested credential data (the AT flag is not set)");
}

TEST(WebAuthnParsing, RefusesBackupStateWithoutBackupEligibility) {
    auto data = registration_auth_data();
    data[32] |= 0x10;
    EXPECT_EQ(register_error(attestation_object(data)),
              "authenticatorData's Backup State flag is set without Backup Eligibility");
    data[32] |= 0x08;  // a synced passkey
    EXPECT_EQ(register_error(attestation_object(data)), "");
}

TEST(WebAuthnParsing, BoundsTheCredentialIdLength) {
    auto data = registration_auth_data();
    for (auto [high, low, length] : {std::tuple{0, 0, 0}, {4, 0, 1024}, {0xff, 0xff, 65535}}) {
        data[53] = static_cast<char>(high);
        data[54] = static_cast<char>(low);
        EXPECT_EQ(register_error(attestation_object(data)),
                  "authenticatorData's credentialIdLength is " + std::to_string(length) +
                      ", not 1 to 1023");
    }
}

TEST(WebAuthnParsing, RefusesCborGarbage) {
    using namespace std::string_literals;
    const std::pair<std::string, std::string> cases[] = {
        {"", "attestationObject is empty"},
        {std::string(kMaxInput + 1, '\xa0'), "attestationObject is 65537 bytes, more than 65536"},
        {"\xff", "attestationObject is not CBOR: CBOR indefinite lengths are not accepted"},
        {"\x9f\x00\xff", "attestationObject is not CBOR: CBOR indefinite lengths are not accepted"},
        {"\x1c", "attestationObject is not CBOR: CBOR has a reserved additional-information value"},
        {"\xa3", "attestationObject is not CBOR: a CBOR map runs past the end"},
        {"\x82\x01\x18", "attestationObject is not CBOR: CBOR ends in the middle of an item"},
        {"\x1b\x00\x00"s, "attestationObject is not CBOR: CBOR ends in the middle of an item"},
        {std::string(17, '\x81') + '\0', "attestationObject is not CBOR: CBOR nests too deeply"},
        {std::string(16, '\x81') + '\0', "attestationObject is not a CBOR map"},
        {std::string(5000, '\xc6') + '\0', "attestationObject is not CBOR: CBOR nests too deeply"},
        {"\x5b\xff\xff\xff\xff\xff\xff\xff\xff",
         "attestationObject is not CBOR: a CBOR string runs past the end"},
        {"\x7a\x00\x00\x01\x00"s
         "abc",
         "attestationObject is not CBOR: a CBOR string runs past the end"},
        {"\x9a\xff\xff\xff\xff", "attestationObject is not CBOR: a CBOR array runs past the end"},
        {"\xbb\xff\xff\xff\xff\xff\xff\xff\xff",
         "attestationObject is not CBOR: a CBOR map runs past the end"},
        {"\x99\x13\x88"s + std::string(5000, '\0'),
         "attestationObject is not CBOR: CBOR has too many items"},
        {"\x80", "attestationObject is not a CBOR map"},
        {"\xd8\x18\xa0", "attestationObject is not a CBOR map"},  // a tagged map
        {"\xa0\x00"s, "attestationObject has bytes after its CBOR item"},
        {"\xa0", "attestationObject.fmt is not a short text string"},
        {"\xa2\x63"
         "fmt\x64none\x63"
         "fmt\x64none",
         "attestationObject has a key twice"},
        {"\xa2\x63"
         "fmt\x64none\x67"
         "attStmt\x80",
         "attestationObject.attStmt is not a CBOR map"},
        {"\xa2\x63"
         "fmt\x64none\x67"
         "attStmt\xa0",
         "attestationObject.authData is not a byte string"},
        {"\xa3\x63"
         "fmt\x64none\x67"
         "attStmt\xa0\x68"
         "authData\x61x",
         "attestationObject.authData is not a byte string"},
    };
    for (const auto& [object, message] : cases)
        EXPECT_EQ(register_error(object), message)
            << ::testing::PrintToString(object.substr(0, 16));
}

TEST(WebAuthnParsing, RandomBytesAreRefused) {
    std::mt19937 random(15);
    const auto prefix = attestation_object(registration_auth_data());
    for (int i = 0; i < 3000; ++i) {
        std::string bytes(random() % 200, '\0');
        for (char& c : bytes) c = static_cast<char>(random());
        // Alone, and in place of the credential public key and what follows it.
        EXPECT_NE(register_error(bytes), "");
        std::string data = registration_auth_data().substr(0, 55 + 32) + bytes;
        register_error(attestation_object(data));
    }
}

TEST(WebAuthnParsing, ScansCborItemsOfEveryMajorType) {
    using detail::scan_item;
    using namespace std::string_literals;
    const std::pair<std::string, std::size_t> cases[] = {
        {std::string("\x00", 1), 1},
        {"\x38\x63", 2},
        {"\x43"
         "abc"
         "rest",
         4},
        {"\x62hi", 3},
        {"\xa1\x01\x82\x02\x03\x04", 5},
        {"\xc0\x00"s, 2},
        {"\xf9\x3c\x00"s, 3},
        {"\xfb\x3f\xf0\0\0\0\0\0\0"s, 9},
        {"\xf5", 1},
        {"\xf8\x20", 2},
    };
    for (const auto& [bytes, size] : cases) {
        const auto scanned = scan_item(bytes);
        ASSERT_TRUE(std::holds_alternative<std::size_t>(scanned)) << std::get<std::string>(scanned);
        EXPECT_EQ(std::get<std::size_t>(scanned), size);
    }
}

TEST(WebAuthnParsing, RefusesOddClientData) {
    const std::string passes = "attestationObject.fmt is not a short text string";
    const std::pair<std::string, std::string> cases[] = {
        {"", "clientDataJSON is empty"},
        {std::string(kMaxInput + 1, ' '), "clientDataJSON is 65537 bytes, more than 65536"},
        {"{", "clientDataJSON is not a JSON object"},
        {"[]", "clientDataJSON is not a JSON object"},
        {"\"webauthn.create\"", "clientDataJSON is not a JSON object"},
        {client_data("webauthn.create\xff"), "clientDataJSON is not a JSON object"},  // not UTF-8
        {R"({"challenge":"x","origin":"y"})", "clientDataJSON.type is missing"},
        {R"({"type":7})", "clientDataJSON.type is missing"},
        {client_data("a\\nb\\\"c"), "clientDataJSON.type is \"a?b?c\", not \"webauthn.create\""},
        {client_data(std::string(100, 'x')),
         "clientDataJSON.type is \"" + std::string(64, 'x') + "...\", not \"webauthn.create\""},
        {R"({"type":"webauthn.create","challenge":"a+b","origin":"https://localhost:8443"})",
         "clientDataJSON.challenge is not base64url"},
        {R"({"type":"webauthn.create","origin":"https://localhost:8443"})",
         "clientDataJSON.challenge is not base64url"},
        {R"({"type":"webauthn.create","challenge":"YQ","origin":"https://localhost:8443"})",
         "clientDataJSON.challenge is not the challenge this server sent"},
        {R"({"type":"webauthn.create","challenge":")" + base64url_encode(kChallenge) + R"("})",
         "clientDataJSON.origin is missing"},
        {client_data("webauthn.create", R"(,"crossOrigin":true)"),
         "clientDataJSON.crossOrigin is not false"},
        {client_data("webauthn.create", R"(,"crossOrigin":"false")"),
         "clientDataJSON.crossOrigin is not false"},
        {client_data("webauthn.create", R"(,"crossOrigin":false)"), passes},
        {client_data("webauthn.create", R"(,"tokenBinding":{"status":"present","id":"x"})"),
         "clientDataJSON.tokenBinding.status is \"present\", unsupported"},
        {client_data("webauthn.create", R"(,"tokenBinding":"present")"),
         "clientDataJSON.tokenBinding is not an object"},
        {client_data("webauthn.create", R"(,"tokenBinding":{"status":"supported"})"), passes},
        // Deep values are dropped while parsing: no tree, no recursion, and the rest still reads.
        {client_data("webauthn.create",
                     ",\"deep\":" + std::string(30000, '[') + std::string(30000, ']')),
         passes},
    };
    for (const auto& [cdj, message] : cases)
        EXPECT_EQ(register_error("\xa0", cdj), message) << cdj.substr(0, 80);
}

}  // namespace
}  // namespace drawbridge::core::webauthn
