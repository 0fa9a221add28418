#include "sftp/wire.h"

namespace drawbridge::sftp {

Attrs Attrs::from_stat(const struct stat& st) {
    Attrs a;
    a.flags = kAttrSize | kAttrUidGid | kAttrPermissions | kAttrAcModTime;
    a.size = static_cast<std::uint64_t>(st.st_size);
    a.uid = st.st_uid;
    a.gid = st.st_gid;
    a.permissions = st.st_mode;
    a.atime = static_cast<std::uint32_t>(st.st_atime);
    a.mtime = static_cast<std::uint32_t>(st.st_mtime);
    return a;
}

Frame frame(std::string_view start, std::uint32_t max) {
    if (start.size() < 4) return {Frame::more, 4 - start.size()};
    const auto* p = reinterpret_cast<const unsigned char*>(start.data());
    const std::uint32_t len =
        std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
    if (len == 0 || len > max) return {Frame::bad, 0};
    const std::size_t size = std::size_t{4} + len;
    return start.size() >= size ? Frame{Frame::whole, size}
                                : Frame{Frame::more, size - start.size()};
}

bool Reader::need(std::size_t n) {
    if (!ok_ || data_.size() < n) {
        ok_ = false;
        return false;
    }
    return true;
}

std::uint8_t Reader::u8() {
    if (!need(1)) return 0;
    const auto v = static_cast<std::uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return v;
}

std::uint32_t Reader::u32() {
    if (!need(4)) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint8_t>(data_[i]);
    data_.remove_prefix(4);
    return v;
}

std::uint64_t Reader::u64() {
    const std::uint64_t hi = u32();
    return hi << 32 | u32();
}

std::string_view Reader::str() {
    const std::uint32_t n = u32();
    if (!need(n)) return {};
    const auto s = data_.substr(0, n);
    data_.remove_prefix(n);
    return s;
}

Attrs Reader::attrs() {
    Attrs a;
    a.flags = u32();
    if (a.flags & kAttrSize) a.size = u64();
    if (a.flags & kAttrUidGid) {
        a.uid = u32();
        a.gid = u32();
    }
    if (a.flags & kAttrPermissions) a.permissions = u32();
    if (a.flags & kAttrAcModTime) {
        a.atime = u32();
        a.mtime = u32();
    }
    if (a.flags & kAttrExtended) {
        // Extended attributes are read and ignored: no extension defines any we act on.
        for (std::uint32_t n = u32(), i = 0; i < n && ok_; ++i) {
            str();
            str();
        }
    }
    return a;
}

Writer::Writer(std::uint8_t type) {
    buf_.reserve(64);
    buf_.append(4, '\0');
    buf_.push_back(static_cast<char>(type));
}

Writer& Writer::u8(std::uint8_t v) {
    buf_.push_back(static_cast<char>(v));
    return *this;
}

Writer& Writer::u32(std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
    buf_.append(b, 4);
    return *this;
}

Writer& Writer::u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    return u32(static_cast<std::uint32_t>(v));
}

Writer& Writer::str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    buf_.append(s);
    return *this;
}

char* Writer::str_space(std::size_t n) {
    u32(static_cast<std::uint32_t>(n));
    const auto at = buf_.size();
    buf_.resize(at + n);
    return buf_.data() + at;
}

void Writer::shrink_last_str(std::size_t reserved, std::size_t used) {
    if (used >= reserved || reserved + 4 > buf_.size()) return;
    buf_.resize(buf_.size() - (reserved - used));
    set_u32(buf_.size() - used - 4, static_cast<std::uint32_t>(used));
}

Writer& Writer::attrs(const Attrs& a) {
    u32(a.flags);
    if (a.flags & kAttrSize) u64(a.size);
    if (a.flags & kAttrUidGid) {
        u32(a.uid);
        u32(a.gid);
    }
    if (a.flags & kAttrPermissions) u32(a.permissions);
    if (a.flags & kAttrAcModTime) {
        u32(a.atime);
        u32(a.mtime);
    }
    return *this;
}

std::size_t Writer::reserve_u32() {
    const auto at = buf_.size();
    buf_.append(4, '\0');
    return at;
}

void Writer::set_u32(std::size_t at, std::uint32_t v) {
    buf_[at] = static_cast<char>(v >> 24);
    buf_[at + 1] = static_cast<char>(v >> 16);
    buf_[at + 2] = static_cast<char>(v >> 8);
    buf_[at + 3] = static_cast<char>(v);
}

std::string Writer::finish() {
    set_u32(0, static_cast<std::uint32_t>(buf_.size() - 4));
    return std::move(buf_);
}

}  // namespace drawbridge::sftp
