// TOTP against RFC 6238's published vectors (Appendix B, SHA-1), base32 against RFC 4648's, and
// recovery codes' shape and digests.
#include <gtest/gtest.h>

#include <set>

#include "core/second_factor.h"

namespace drawbridge::core {
namespace {

const std::string kRfcSecret = "12345678901234567890";  // RFC 6238's SHA-1 seed

TEST(Totp, MatchesTheRfcVectors) {
    // RFC 6238 lists 8 digits; the 6-digit code is their last six (the modulus is 10^6).
    const std::pair<UnixTime, std::string> vectors[] = {
        {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
        {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
    for (const auto& [t, code] : vectors)
        EXPECT_EQ(totp::code_at(kRfcSecret, totp::step_at(t)), code) << t;
}

TEST(Totp, AcceptsOneStepOfDriftEitherWayAndNoMore) {
    const UnixTime now = 1234567890;
    const auto step = totp::step_at(now);
    EXPECT_EQ(totp::match(kRfcSecret, totp::code_at(kRfcSecret, step), now), step);
    EXPECT_EQ(totp::match(kRfcSecret, totp::code_at(kRfcSecret, step - 1), now), step - 1);
    EXPECT_EQ(totp::match(kRfcSecret, totp::code_at(kRfcSecret, step + 1), now), step + 1);
    EXPECT_FALSE(totp::match(kRfcSecret, totp::code_at(kRfcSecret, step - 2), now));
    EXPECT_FALSE(totp::match(kRfcSecret, totp::code_at(kRfcSecret, step + 2), now));
    EXPECT_FALSE(totp::match(kRfcSecret, "12345", now));
    EXPECT_FALSE(totp::match(kRfcSecret, "12345a", now));
    EXPECT_FALSE(totp::match(kRfcSecret, "", now));
}

TEST(Totp, Base32RoundTripsAndFollowsRfc4648) {
    EXPECT_EQ(totp::base32_encode("foobar"), "MZXW6YTBOI");
    EXPECT_EQ(totp::base32_encode("f"), "MY");
    EXPECT_EQ(totp::base32_decode("mzxw 6ytb oi"), "foobar");
    EXPECT_EQ(totp::base32_decode("MZXW6YTBOI======"), "foobar");
    EXPECT_FALSE(totp::base32_decode("MZXW1"));  // 1 is not in the alphabet
    const auto secret = totp::new_secret();
    EXPECT_EQ(secret.size(), totp::kSecretBytes);
    EXPECT_EQ(totp::base32_decode(totp::base32_encode(secret)), secret);
}

TEST(Totp, TheUriNamesTheIssuerAccountAndSecret) {
    EXPECT_EQ(totp::otpauth_uri("drawbridge", "al ice@x", "foobar"),
              "otpauth://totp/drawbridge:al%20ice%40x?secret=MZXW6YTBOI&issuer=drawbridge"
              "&algorithm=SHA1&digits=6&period=30");
}

TEST(RecoveryCodes, TenDistinctCodesOfOneShapeWhoseDigestIgnoresCaseAndDashes) {
    const auto codes = recovery_codes::generate();
    ASSERT_EQ(codes.size(), 10u);
    EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10u);
    for (const auto& c : codes) {
        EXPECT_EQ(c.size(), 14u) << c;
        EXPECT_TRUE(recovery_codes::looks_like_code(c)) << c;
    }
    EXPECT_EQ(recovery_codes::digest("abcd-efgh-ijk2"), recovery_codes::digest("ABCD EFGH IJK2"));
    EXPECT_FALSE(recovery_codes::looks_like_code("123456"));
    EXPECT_FALSE(recovery_codes::looks_like_code("abcd-efgh-ijk1"));  // 1 is not base32
}

TEST(QrCode, IsAnSvgPicture) {
    const auto svg = qr_svg("otpauth://totp/drawbridge:alice?secret=MZXW6YTBOI");
    EXPECT_TRUE(svg.starts_with("<svg "));
    EXPECT_NE(svg.find("<path"), std::string::npos);
    EXPECT_TRUE(svg.ends_with("</svg>"));
}

}  // namespace
}  // namespace drawbridge::core
