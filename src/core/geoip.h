// The country of an address, from a MaxMind DB (mmdb) file: GeoIP2/GeoLite2 Country or City,
// or any database that stores a country code under `country.iso_code` or a flat `country_code`
// (as DB-IP's and IPinfo's free country databases do).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
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

// The node's configured database file, watched, so that the country rules fail closed instead of
// open: re-opened when the file changes on disk (geoipupdate replaces it), and unavailable, with
// the reason, while it is missing or cannot be opened (docs/login-gate.md#countries).
class CountryDatabaseFile {
  public:
    explicit CountryDatabaseFile(std::filesystem::path file);  // opens it now if it can; no throw

    struct State {
        std::shared_ptr<const CountryDatabase> database;  // null: unavailable
        std::string problem;                              // why, when unavailable
    };
    // The database as the file is now: one stat() per call, an open only when the file changed.
    // Safe to call from many threads at once.
    State current() const;
    const std::filesystem::path& file() const { return file_; }

  private:
    struct Stamp {
        unsigned long long device = 0, inode = 0, size = 0;
        long long mtime_ns = 0;
        bool operator==(const Stamp&) const = default;
    };
    std::filesystem::path file_;
    mutable std::mutex mutex_;
    mutable std::optional<Stamp> stamp_;  // of the file `state_` was made from
    mutable State state_;
};

}  // namespace drawbridge::core
