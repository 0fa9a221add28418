// SFTP wire encoding (draft-ietf-secsh-filexfer-02): big-endian integers, length-prefixed
// strings, and the ATTRS structure.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drawbridge::sftp {

enum AttrFlags : std::uint32_t {
    kAttrSize = 0x1,
    kAttrUidGid = 0x2,
    kAttrPermissions = 0x4,
    kAttrAcModTime = 0x8,
    kAttrExtended = 0x80000000,
};

struct Attrs {
    std::uint32_t flags = 0;
    std::uint64_t size = 0;
    std::uint32_t uid = 0, gid = 0;
    std::uint32_t permissions = 0;
    std::uint32_t atime = 0, mtime = 0;

    static Attrs from_stat(const struct stat& st);
};

// Reads fields from one packet; any read past the end marks the reader bad (and returns zeros),
// so a handler checks ok() once after reading all its arguments.
class Reader {
  public:
    explicit Reader(std::string_view data) : data_(data) {}
    std::uint8_t u8();
    std::uint32_t u32();
    std::uint64_t u64();
    std::string_view str();
    Attrs attrs();
    bool ok() const { return ok_; }
    bool empty() const { return data_.empty(); }

  private:
    bool need(std::size_t n);
    std::string_view data_;
    bool ok_ = true;
};

class Writer {
  public:
    // Starts a packet of `type`; the length is filled in by finish().
    explicit Writer(std::uint8_t type);
    Writer& u8(std::uint8_t v);
    Writer& u32(std::uint32_t v);
    Writer& u64(std::uint64_t v);
    Writer& str(std::string_view s);
    Writer& attrs(const Attrs& a);
    // Reserves room for a string of `n` bytes and returns where to write them.
    char* str_space(std::size_t n);
    // A u32 written later (a count known only at the end): returns where it goes.
    std::size_t reserve_u32();
    void set_u32(std::size_t at, std::uint32_t v);
    std::string finish();

  private:
    std::string buf_;
};

}  // namespace drawbridge::sftp
