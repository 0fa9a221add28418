// The country lookup against MaxMind's public test databases (../shared/testdata/geoip).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/geoip.h"

namespace drawbridge::core {
namespace {

std::filesystem::path testdata(const char* file) {
    const char* src = std::getenv("DRAWBRIDGE_SOURCE_DIR");
    return std::filesystem::path(src ? src : ".") / ".." / "shared" / "testdata" / "geoip" / file;
}

class GeoIpTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GeoIpTest, FindsTheCountriesOfTheTestNetworks) {
    const auto path = testdata(GetParam());
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is missing";
    const auto db = CountryDatabase::open(path);
    EXPECT_EQ(db->country_of(*IpAddress::parse("81.2.69.142")), "GB");
    EXPECT_EQ(db->country_of(*IpAddress::parse("216.160.83.58")), "US");
    EXPECT_EQ(db->country_of(*IpAddress::parse("89.160.20.115")), "SE");
    EXPECT_EQ(db->country_of(*IpAddress::parse("202.196.224.5")), "PH");
    EXPECT_EQ(db->country_of(*IpAddress::parse("2001:218::1")), "JP");
    EXPECT_EQ(db->country_of(*IpAddress::parse("1.1.1.1")), std::nullopt);
    EXPECT_EQ(db->country_of(*IpAddress::parse("127.0.0.1")), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(TestDatabases, GeoIpTest,
                         ::testing::Values("GeoIP2-Country-Test.mmdb",
                                           "GeoLite2-Country-Test.mmdb"));

TEST(GeoIp, AMissingOrBrokenFileIsAnErrorNamingIt) {
    try {
        CountryDatabase::open("/nonexistent/countries.mmdb");
        FAIL();
    } catch (const GeoIpError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/countries.mmdb"), std::string::npos);
    }
    EXPECT_THROW(CountryDatabase::open(testdata("README.md")), GeoIpError);
}

}  // namespace
}  // namespace drawbridge::core
