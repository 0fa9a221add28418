#include "core/geoip.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace drawbridge::core {

struct CountryDatabase::Impl {
    MMDB_s mmdb{};
};

CountryDatabase::CountryDatabase(std::filesystem::path file, std::unique_ptr<Impl> impl)
    : file_(std::move(file)), impl_(std::move(impl)) {}

CountryDatabase::~CountryDatabase() {
    MMDB_close(&impl_->mmdb);
}

std::shared_ptr<const CountryDatabase> CountryDatabase::open(const std::filesystem::path& file) {
    auto impl = std::make_unique<Impl>();
    const int status = MMDB_open(file.c_str(), MMDB_MODE_MMAP, &impl->mmdb);
    if (status != MMDB_SUCCESS)
        throw GeoIpError("cannot open GeoIP database " + file.string() + ": " +
                         MMDB_strerror(status));
    return std::shared_ptr<const CountryDatabase>(new CountryDatabase(file, std::move(impl)));
}

std::optional<std::string> CountryDatabase::country_of(const IpAddress& ip) const {
    sockaddr_storage ss{};
    if (ip.v4) {
        auto& a = reinterpret_cast<sockaddr_in&>(ss);
        a.sin_family = AF_INET;
        std::memcpy(&a.sin_addr, ip.bytes.data() + 12, 4);
    } else {
        auto& a = reinterpret_cast<sockaddr_in6&>(ss);
        a.sin6_family = AF_INET6;
        std::memcpy(&a.sin6_addr, ip.bytes.data(), 16);
    }
    int error = MMDB_SUCCESS;
    // MMDB_lookup_sockaddr only reads the database, so concurrent lookups need no lock.
    auto result =
        MMDB_lookup_sockaddr(&impl_->mmdb, reinterpret_cast<const sockaddr*>(&ss), &error);
    if (error != MMDB_SUCCESS || !result.found_entry) return std::nullopt;
    static const char* const kNested[] = {"country", "iso_code", nullptr};
    static const char* const kFlat[] = {"country_code", nullptr};
    for (const char* const* path : {kNested, kFlat}) {
        MMDB_entry_data_s data{};
        if (MMDB_aget_value(&result.entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
            data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size == 0)
            continue;
        std::string code(data.utf8_string, data.data_size);
        for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return code;
    }
    return std::nullopt;
}

CountryDatabaseFile::CountryDatabaseFile(std::filesystem::path file) : file_(std::move(file)) {
    (void)current();
}

CountryDatabaseFile::State CountryDatabaseFile::current() const {
    struct stat st {};
    const bool present = ::stat(file_.c_str(), &st) == 0;
    const int stat_errno = errno;
    std::lock_guard lock(mutex_);
    if (!present) {
        // The mapping of a deleted file would still answer, but the operator removed the
        // database: refuse rather than keep deciding on data nobody means to use any more.
        stamp_.reset();
        state_ = {nullptr, "GeoIP database " + file_.string() + " is missing (" +
                               std::strerror(stat_errno) + ")"};
        return state_;
    }
    const Stamp now{static_cast<unsigned long long>(st.st_dev),
                    static_cast<unsigned long long>(st.st_ino),
                    static_cast<unsigned long long>(st.st_size),
                    static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
    if (stamp_ == now) return state_;  // unchanged: the same database, or the same problem
    stamp_ = now;
    try {
        state_ = {CountryDatabase::open(file_), ""};
    } catch (const GeoIpError& e) {
        state_ = {nullptr, e.what()};
    }
    return state_;
}

}  // namespace drawbridge::core
