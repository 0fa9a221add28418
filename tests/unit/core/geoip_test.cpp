// The country lookup against MaxMind's public test databases (../shared/testdata/geoip).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

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

// A minimal MaxMind DB (format 2.0) built by hand: IPv4 only, one network, 81.2.69.0/24, whose
// record has a flat {"country_code": "gb"} as DB-IP's and IPinfo's country databases do.
namespace mmdb {
std::string str(std::string_view s) {
    return char((2 << 5) | s.size()) + std::string(s);
}
std::string uint(int type, int bytes, std::uint64_t v) {
    std::string out;
    if (type <= 7) {
        out += char((type << 5) | bytes);
    } else {  // extended type
        out += char(bytes);
        out += char(type - 7);
    }
    for (int i = bytes - 1; i >= 0; --i) out += char((v >> (8 * i)) & 0xff);
    return out;
}
std::string map(const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string out(1, char((7 << 5) | entries.size()));
    for (const auto& [k, v] : entries) out += str(k) + v;
    return out;
}
std::string flat_country_db() {
    const std::uint32_t net = (81u << 24) | (2u << 16) | (69u << 8);
    const int depth = 24, node_count = depth;
    std::string tree;
    auto record = [&](std::uint32_t v) {
        tree += char((v >> 16) & 0xff);
        tree += char((v >> 8) & 0xff);
        tree += char(v & 0xff);
    };
    for (int i = 0; i < depth; ++i) {
        const bool bit = (net >> (31 - i)) & 1;
        const std::uint32_t next = i + 1 < depth ? i + 1 : node_count + 16;  // data offset 0
        record(bit ? node_count : next);
        record(bit ? next : node_count);
    }
    const std::string data = map({{"country_code", str("gb")}});
    const std::string metadata = map({
        {"node_count", uint(6, 4, node_count)},
        {"record_size", uint(5, 2, 24)},
        {"ip_version", uint(5, 2, 4)},
        {"database_type", str("Flat-Country-Test")},
        {"languages", std::string{char(0), char(11 - 7)}},
        {"binary_format_major_version", uint(5, 2, 2)},
        {"binary_format_minor_version", uint(5, 2, 0)},
        {"build_epoch", uint(9, 8, 1700000000)},
        {"description", map({})},
    });
    return tree + std::string(16, '\0') + data + "\xAB\xCD\xEFMaxMind.com" + metadata;
}
}  // namespace mmdb

TEST(GeoIp, ReadsAFlatCountryCode) {
    std::random_device rd;
    const auto path = std::filesystem::temp_directory_path() /
                      ("drawbridge-flat-" + std::to_string(rd()) + ".mmdb");
    std::ofstream(path, std::ios::binary) << mmdb::flat_country_db();
    const auto db = CountryDatabase::open(path);
    EXPECT_EQ(db->country_of(*IpAddress::parse("81.2.69.142")), "GB");  // upper-cased
    EXPECT_EQ(db->country_of(*IpAddress::parse("81.2.70.1")), std::nullopt);
    EXPECT_EQ(db->country_of(*IpAddress::parse("2001:218::1")), std::nullopt);  // IPv4-only file
    std::filesystem::remove(path);
}

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
