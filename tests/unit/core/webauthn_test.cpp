// core/webauthn against registrations and assertions made by real keys in Python
// (tests/unit/core/webauthn/make_vectors.py): what passes, and each check of WebAuthn §7.1/§7.2.
#include "core/webauthn.h"

#include <gtest/gtest.h>

#include "unit/core/webauthn/vectors.h"

namespace drawbridge::core::webauthn {
namespace {

using testing::assertion_of;
using testing::credential;
using testing::error_of;
using testing::raw;
using testing::register_with;
using testing::rp;
using testing::vector_case;

TEST(Base64Url, RoundTripsWithoutPadding) {
    for (std::string raw_bytes : {"", "a", "ab", "abc", "\xfb\xff\xfe"}) {
        const auto text = base64url_encode(raw_bytes);
        EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << text;
        EXPECT_EQ(base64url_decode(text), raw_bytes);
    }
    EXPECT_EQ(base64url_encode("\xfb\xff\xfe"), "-__-");
}

TEST(Base64Url, RefusesOtherAlphabetsPaddingAndStrayBits) {
    EXPECT_EQ(base64url_decode("+//+"), std::nullopt);  // standard alphabet
    EXPECT_EQ(base64url_decode("YQ=="), std::nullopt);  // padded
    EXPECT_EQ(base64url_decode("Y"), std::nullopt);     // no encoding is 1 mod 4 long
    EXPECT_EQ(base64url_decode("YR"), std::nullopt);    // "a" is YQ: stray low bits
    EXPECT_EQ(base64url_decode("Y Q"), std::nullopt);
    EXPECT_EQ(base64url_decode("YQ"), "a");
}

class WebAuthnVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(WebAuthnVectors, RegistersThenAsserts) {
    const auto& cred = credential(GetParam());
    const auto registered = register_with(cred["registration"]);
    ASSERT_EQ(error_of(registered), "");
    const auto& key = std::get<Registered>(registered);
    EXPECT_EQ(key.credential_id, raw(cred["credentialId"]));
    // The DER that OpenSSL makes of the COSE key is the one Python's cryptography makes.
    EXPECT_EQ(key.public_key_der, raw(cred["publicKeyDer"]));
    EXPECT_EQ(key.algorithm, cred["algorithm"].get<int>());
    EXPECT_EQ(key.sign_count, 0u);
    EXPECT_EQ(key.user_verified, std::string(GetParam()) != "eddsa");

    const auto& a = cred["assertion"];
    const auto count = verify_assertion(assertion_of(a), key.public_key_der, key.algorithm, 0,
                                        raw(a["challenge"]), rp(), false);
    ASSERT_EQ(error_of(count), "");
    EXPECT_EQ(std::get<std::uint32_t>(count), a["signCount"].get<std::uint32_t>());
}

TEST_P(WebAuthnVectors, RefusesAFlippedSignatureByte) {
    const auto& cred = credential(GetParam());
    const auto& a = cred["assertion"];
    for (std::size_t at : {std::size_t{0}, std::size_t{8}, raw(a["signature"]).size() - 1}) {
        auto bad = assertion_of(a);
        bad.signature[at] ^= 0x01;
        const auto result = verify_assertion(bad, raw(cred["publicKeyDer"]), cred["algorithm"], 0,
                                             raw(a["challenge"]), rp(), false);
        EXPECT_NE(error_of(result), "") << at;
    }
}

TEST_P(WebAuthnVectors, RefusesASignatureOverOtherAuthenticatorData) {
    const auto& cred = credential(GetParam());
    const auto& a = cred["assertion"];
    auto bad = assertion_of(a);
    bad.authenticator_data[36] ^= 0x10;  // the sign count's low byte: parses, signed otherwise
    EXPECT_EQ(error_of(verify_assertion(bad, raw(cred["publicKeyDer"]), cred["algorithm"], 0,
                                        raw(a["challenge"]), rp(), false)),
              "the signature does not verify with the credential's public key");
}

INSTANTIATE_TEST_SUITE_P(Algorithms, WebAuthnVectors, ::testing::Values("es256", "eddsa", "rs256"));

TEST(WebAuthnRegistration, AcceptsNoneWithUserVerificationRequired) {
    // "none", UP|UV|AT, zero AAGUID, count 0, an extra clientDataJSON member.
    EXPECT_EQ(error_of(register_with(credential("es256")["registration"], rp(), true)), "");
}

// What Chrome's virtual authenticator (the web UI tests' key) really sent.
TEST(WebAuthnChrome, RegistersThenAssertsTwiceAndRefusesAReplay) {
    const auto& chrome = testing::chrome_vectors();
    const RelyingParty party{chrome["rp"]["id"], chrome["rp"]["origin"]};
    const auto registered = register_with(chrome["registration"], party, true);
    ASSERT_EQ(error_of(registered), "");
    const auto& key = std::get<Registered>(registered);
    EXPECT_EQ(key.credential_id, raw(chrome["registration"]["id"]));
    EXPECT_EQ(key.algorithm, kES256);
    EXPECT_TRUE(key.user_verified);
    std::uint32_t count = key.sign_count;
    for (const auto& a : chrome["assertions"]) {
        const auto next = verify_assertion(assertion_of(a), key.public_key_der, key.algorithm,
                                           count, raw(a["challenge"]), party, true);
        ASSERT_EQ(error_of(next), "");
        EXPECT_GT(std::get<std::uint32_t>(next), count);
        count = std::get<std::uint32_t>(next);
    }
    // The first assertion again: its challenge is spent, and its count is behind.
    const auto& first = chrome["assertions"][0];
    EXPECT_EQ(
        error_of(verify_assertion(assertion_of(first), key.public_key_der, key.algorithm, count,
                                  raw(chrome["assertions"][1]["challenge"]), party, true)),
        "clientDataJSON.challenge is not the challenge this server sent");
    EXPECT_NE(error_of(verify_assertion(assertion_of(first), key.public_key_der, key.algorithm,
                                        count, raw(first["challenge"]), party, true))
                  .find("the authenticator may have been cloned"),
              std::string::npos);
}

TEST(WebAuthnRegistration, ChecksTheClientData) {
    const auto& reg = credential("es256")["registration"];
    const auto cdj = raw(reg["clientDataJSON"]), att = raw(reg["attestationObject"]);
    EXPECT_EQ(error_of(verify_registration(cdj, att, "another challenge", rp(), false)),
              "clientDataJSON.challenge is not the challenge this server sent");
    EXPECT_EQ(
        error_of(verify_registration(cdj, att, raw(reg["challenge"]),
                                     {"localhost", "https://localhost:9443"}, false)),
        "clientDataJSON.origin is \"https://localhost:8443\", not \"https://localhost:9443\"");
    const auto& a = credential("es256")["assertion"];
    EXPECT_EQ(error_of(verify_registration(raw(a["clientDataJSON"]), att, raw(a["challenge"]), rp(),
                                           false)),
              "clientDataJSON.type is \"webauthn.get\", not \"webauthn.create\"");
}

TEST(WebAuthnRegistration, ChecksTheRpIdHashAndFlags) {
    EXPECT_EQ(error_of(register_with(credential("es256")["registration"],
                                     {"example.com", "https://localhost:8443"})),
              "authenticatorData.rpIdHash is not SHA-256 of the RP ID \"example.com\"");
    EXPECT_EQ(error_of(register_with(credential("eddsa")["registration"], rp(), true)),
              "authenticatorData's User Verified flag is not set, and it is required");
}

TEST(WebAuthnRegistration, AcceptsOtherAttestationFormatsUnverified) {
    for (const char* name : {"registration_packed_unverified", "registration_fido_u2f_unverified"})
        EXPECT_EQ(error_of(register_with(vector_case(name))), "") << name;
    EXPECT_EQ(error_of(register_with(vector_case("registration_none_with_statement"))),
              "attestationObject.attStmt is not empty, as \"none\" needs");
}

TEST(WebAuthnRegistration, RefusesCoseKeysThatDoNotFitTheirAlgorithm) {
    const std::pair<const char*, const char*> cases[] = {
        {"registration_ec2_key_with_eddsa_alg",
         "the credential public key's kty is 2, but EdDSA needs 1"},
        {"registration_rsa_key_with_es256_alg",
         "the credential public key's kty is 3, but ES256 needs 2"},
        {"registration_es384_alg",
         "the credential public key's alg is -35, not ES256 (-7), EdDSA (-8) or RS256 (-257)"},
        {"registration_p384_curve",
         "the credential public key's crv is not P-256 (1), which ES256 needs"},
        {"registration_point_off_curve", "the credential public key is not a point on P-256"},
        {"registration_short_x", "the credential public key's x and y are not 32 bytes each"},
        {"registration_rsa_1024",
         "the credential public key's RSA modulus has 1024 bits, not 2048 to 8192"},
        {"registration_cose_key_twice", "the credential public key has a key twice"},
    };
    for (const auto& [name, message] : cases)
        EXPECT_EQ(error_of(register_with(vector_case(name))), message) << name;
}

std::variant<std::uint32_t, Error> assert_with(const char* name, std::uint32_t stored,
                                               const RelyingParty& party = rp(),
                                               bool require_uv = false) {
    const auto& cred = credential(name);
    const auto& a = cred["assertion"];
    return verify_assertion(assertion_of(a), raw(cred["publicKeyDer"]), cred["algorithm"], stored,
                            raw(a["challenge"]), party, require_uv);
}

TEST(WebAuthnAssertion, ChecksTheClientData) {
    const auto& cred = credential("es256");
    const auto& a = cred["assertion"];
    EXPECT_EQ(error_of(verify_assertion(assertion_of(a), raw(cred["publicKeyDer"]), kES256, 0,
                                        "stale", rp(), false)),
              "clientDataJSON.challenge is not the challenge this server sent");
    EXPECT_EQ(error_of(assert_with("es256", 0, {"localhost", "https://evil.example"})),
              "clientDataJSON.origin is \"https://localhost:8443\", not \"https://evil.example\"");
    auto swapped = assertion_of(a);
    swapped.client_data_json = raw(cred["registration"]["clientDataJSON"]);
    EXPECT_EQ(error_of(verify_assertion(swapped, raw(cred["publicKeyDer"]), kES256, 0,
                                        raw(cred["registration"]["challenge"]), rp(), false)),
              "clientDataJSON.type is \"webauthn.create\", not \"webauthn.get\"");
}

TEST(WebAuthnAssertion, ChecksTheRpIdHashAndFlags) {
    EXPECT_EQ(error_of(assert_with("rs256", 0, {"localhost.evil", "https://localhost:8443"})),
              "authenticatorData.rpIdHash is not SHA-256 of the RP ID \"localhost.evil\"");
    EXPECT_EQ(error_of(assert_with("eddsa", 0, rp(), true)),
              "authenticatorData's User Verified flag is not set, and it is required");
    EXPECT_EQ(error_of(assert_with("es256", 0, rp(), true)), "");
    const auto& a = vector_case("es256_assertion_without_up");
    EXPECT_EQ(error_of(verify_assertion(assertion_of(a), raw(credential("es256")["publicKeyDer"]),
                                        kES256, 0, raw(a["challenge"]), rp(), false)),
              "authenticatorData's User Present flag is not set");
}

TEST(WebAuthnAssertion, RefusesASignCountThatDidNotGrow) {
    EXPECT_EQ(std::get<std::uint32_t>(assert_with("rs256", 6)), 7u);
    EXPECT_EQ(error_of(assert_with("rs256", 7)),
              "authenticatorData.signCount is 7, not more than the stored 7: the authenticator "
              "may have been cloned");
    EXPECT_NE(error_of(assert_with("es256", 1)), "");
    EXPECT_NE(error_of(assert_with("es256", 100)), "");
    // An authenticator without a counter sends 0 each time; 0 after a counted one is refused.
    EXPECT_EQ(std::get<std::uint32_t>(assert_with("eddsa", 0)), 0u);
    EXPECT_EQ(error_of(assert_with("eddsa", 3)),
              "authenticatorData.signCount is 0, not more than the stored 3: the authenticator "
              "may have been cloned");
}

TEST(WebAuthnAssertion, RefusesAStoredKeyOfAnotherAlgorithm) {
    const auto& a = credential("es256")["assertion"];
    const auto es256 = raw(credential("es256")["publicKeyDer"]);
    const auto rs256 = raw(credential("rs256")["publicKeyDer"]);
    const auto eddsa = raw(credential("eddsa")["publicKeyDer"]);
    const auto check = [&](const std::string& der, int algorithm) {
        return error_of(
            verify_assertion(assertion_of(a), der, algorithm, 0, raw(a["challenge"]), rp(), false));
    };
    EXPECT_EQ(check(rs256, kES256), "the stored public key is not a key for ES256");
    EXPECT_EQ(check(es256, kRS256), "the stored public key is not a key for RS256");
    EXPECT_EQ(check(es256, kEdDSA), "the stored public key is not a key for EdDSA");
    EXPECT_EQ(check(eddsa, kES256), "the stored public key is not a key for ES256");
    EXPECT_EQ(check(es256 + "x", kES256), "the stored public key is not a key for ES256");
    EXPECT_EQ(check("", kES256), "the stored public key is not a key for ES256");
    EXPECT_EQ(check(es256, -35), "the stored public key is not a key for an unknown algorithm");
}

TEST(WebAuthnAssertion, BoundsTheCredentialIdAndSignature) {
    const auto& cred = credential("es256");
    const auto& a = cred["assertion"];
    auto bad = assertion_of(a);
    bad.credential_id = std::string(1024, 'i');
    EXPECT_EQ(error_of(verify_assertion(bad, raw(cred["publicKeyDer"]), kES256, 0,
                                        raw(a["challenge"]), rp(), false)),
              "the credential id is 1024 bytes, not 1 to 1023");
    bad = assertion_of(a);
    bad.signature = std::string(2000, 's');
    EXPECT_EQ(error_of(verify_assertion(bad, raw(cred["publicKeyDer"]), kES256, 0,
                                        raw(a["challenge"]), rp(), false)),
              "the signature is 2000 bytes long");
}

}  // namespace
}  // namespace drawbridge::core::webauthn
