// The country of an address, from a MaxMind DB (mmdb) file: GeoIP2/GeoLite2 Country or City,
// or any database that stores a country code under `country.iso_code` or a flat `country_code`
// (as DB-IP's and IPinfo's free country databases do).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/cidr.h"

namespace drawbridge::core {

struct GeoIpError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class CountryDatabase {
  public:
    // Opens (memory-maps) the file; throws GeoIpError naming the file and the problem.
    static std::shared_ptr<const CountryDatabase> open(const std::filesystem::path& file);
    ~CountryDatabase();
    CountryDatabase(const CountryDatabase&) = delete;
    CountryDatabase& operator=(const CountryDatabase&) = delete;

    // The upper-case ISO 3166 code, or nothing when the database does not know the address.
    // Safe to call from many threads at once.
    std::optional<std::string> country_of(const IpAddress& ip) const;
    const std::filesystem::path& file() const { return file_; }

  private:
    struct Impl;
    CountryDatabase(std::filesystem::path file, std::unique_ptr<Impl> impl);
    std::filesystem::path file_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace drawbridge::core
