// SFTP wire encoding (draft-ietf-secsh-filexfer-02): big-endian integers, length-prefixed
// strings, and the ATTRS structure.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drawbridge::sftp {

// Packet types and open flags of draft-ietf-secsh-filexfer-02.
enum PacketType : std::uint8_t {
    SSH_FXP_INIT = 1,
    SSH_FXP_VERSION = 2,
    SSH_FXP_OPEN = 3,
    SSH_FXP_CLOSE = 4,
    SSH_FXP_READ = 5,
    SSH_FXP_WRITE = 6,
    SSH_FXP_LSTAT = 7,
    SSH_FXP_FSTAT = 8,
    SSH_FXP_SETSTAT = 9,
    SSH_FXP_FSETSTAT = 10,
    SSH_FXP_OPENDIR = 11,
    SSH_FXP_READDIR = 12,
    SSH_FXP_REMOVE = 13,
    SSH_FXP_MKDIR = 14,
    SSH_FXP_RMDIR = 15,
    SSH_FXP_REALPATH = 16,
    SSH_FXP_STAT = 17,
    SSH_FXP_RENAME = 18,
    SSH_FXP_READLINK = 19,
    SSH_FXP_SYMLINK = 20,
    SSH_FXP_STATUS = 101,
    SSH_FXP_HANDLE = 102,
    SSH_FXP_DATA = 103,
    SSH_FXP_NAME = 104,
    SSH_FXP_ATTRS = 105,
    SSH_FXP_EXTENDED = 200,
    SSH_FXP_EXTENDED_REPLY = 201,
};

enum OpenFlags : std::uint32_t {
    SSH_FXF_READ = 0x01,
    SSH_FXF_WRITE = 0x02,
    SSH_FXF_APPEND = 0x04,
    SSH_FXF_CREAT = 0x08,
    SSH_FXF_TRUNC = 0x10,
    SSH_FXF_EXCL = 0x20,
};

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

// The SFTP stream's framing: a packet is a u32 length, then that many bytes (1 to `max`).
// What the packet that `start` begins is: whole (and `size` bytes long, its length included),
// short of `size` more bytes (of its length first, when `start` has fewer than 4), or bad (a
// length of 0 or over `max`).
struct Frame {
    enum Kind { whole, more, bad } kind;
    std::size_t size;
};
Frame frame(std::string_view start, std::uint32_t max);

// What an engine did with the bytes it was offered (Session::consume).
struct Taken {
    std::size_t bytes = 0;  // whole packets from the start, handled
    bool ok = true;         // false: the stream is unusable and the connection should close
    bool paused = false;    // stopped before a whole packet, as the output side is full
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
    // Marks the packet bad for a reason the client is told (a field that read fine but holds
    // what no request may: a path with a NUL byte).
    void fail(std::string_view why) {
        if (ok_) why_ = why;
        ok_ = false;
    }
    // Why the packet is bad; empty for a short or malformed packet.
    std::string_view why() const { return why_; }

  private:
    bool need(std::size_t n);
    std::string_view data_;
    bool ok_ = true;
    std::string_view why_;
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
    // The string str_space(`reserved`) made, the packet's last field, holds only `used` bytes.
    void shrink_last_str(std::size_t reserved, std::size_t used);
    // A u32 written later (a count known only at the end): returns where it goes.
    std::size_t reserve_u32();
    void set_u32(std::size_t at, std::uint32_t v);
    std::string finish();

  private:
    std::string buf_;
};

}  // namespace drawbridge::sftp
