#include "http/file_response.h"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include "http/dav.h"
#include "http/dav_internal.h"
#include "http/user_content.h"

namespace drawbridge::http {
using davutil::text;

namespace {

// One "bytes=" range; nullopt when the header is not one we serve (the whole file is sent).
struct ByteRange {
    std::uint64_t first = 0, length = 0;
    bool satisfiable = true;
};
std::optional<ByteRange> parse_range(std::string_view h, std::uint64_t size) {
    if (!h.starts_with("bytes=")) return std::nullopt;
    h.remove_prefix(6);
    if (h.find(',') != std::string_view::npos) return std::nullopt;  // several: send it all
    const auto dash = h.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
        if (s.empty() || s.size() > 19) return std::nullopt;
        std::uint64_t v = 0;
        for (const char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return v;
    };
    const auto a = h.substr(0, dash), b = h.substr(dash + 1);
    ByteRange r;
    if (a.empty()) {  // the last N bytes
        const auto n = number(b);
        if (!n) return std::nullopt;
        if (*n == 0) return ByteRange{0, 0, false};
        r.length = std::min(*n, size);
        r.first = size - r.length;
    } else {
        const auto first = number(a);
        if (!first) return std::nullopt;
        std::uint64_t last = size ? size - 1 : 0;
        if (!b.empty()) {
            const auto l = number(b);
            if (!l || *l < *first) return std::nullopt;
            last = std::min(*l, last);
        }
        if (*first >= size) return ByteRange{0, 0, false};
        r.first = *first;
        r.length = last - *first + 1;
    }
    return r;
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view s) {
    std::tm tm{};
    const std::string text(s);
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end) return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

bool etag_matches(std::string_view list, const std::string& etag) {
    if (list == "*") return !etag.empty();
    std::size_t i = 0;
    while (i < list.size()) {
        const auto comma = list.find(',', i);
        std::string_view item =
            list.substr(i, comma == std::string_view::npos ? list.npos : comma - i);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.starts_with("W/")) item.remove_prefix(2);
        if (!etag.empty() && item == etag) return true;
        if (comma == std::string_view::npos) break;
        i = comma + 1;
    }
    return false;
}

Response file_response(const Request& req, vfs::FileSession& files, vfs::Download& file) {
    const bool head = req.method == "HEAD";
    const std::string& path = file.path();
    const struct stat& st = file.info();
    const std::string etag = etag_of_stat(st);
    const std::string modified = http_date(st.st_mtim.tv_sec);
    const auto with_validators = [&](Response r) {
        r.set("ETag", etag).set("Last-Modified", modified);
        return r;
    };
    if (const auto im = req.header("if-match"); !im.empty() && !etag_matches(im, etag))
        return with_validators(text(412, "the entity tag does not match"));
    if (const auto inm = req.header("if-none-match"); !inm.empty()) {
        if (etag_matches(inm, etag)) return with_validators(Response(304));
    } else if (const auto ims = parse_http_date(req.header("if-modified-since"))) {
        if (st.st_mtim.tv_sec <= *ims) return with_validators(Response(304));
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    Response r = with_validators(Response(200));
    set_user_file_headers(r, path);
    r.set("Accept-Ranges", "bytes");
    r.file_length = size;
    const auto if_range = req.header("if-range");
    if (const auto range = req.header("range");
        !range.empty() && (if_range.empty() || if_range == etag || if_range == modified)) {
        if (const auto br = parse_range(range, size)) {
            if (!br->satisfiable) {
                Response bad = with_validators(text(416, "range not satisfiable"));
                bad.set("Content-Range", "bytes */" + std::to_string(size));
                return bad;
            }
            r.status = 206;
            r.file_offset = br->first;
            r.file_length = br->length;
            r.set("Content-Range", "bytes " + std::to_string(br->first) + "-" +
                                       std::to_string(br->first + br->length - 1) + "/" +
                                       std::to_string(size));
        }
    }
    // HEAD reads nothing: its Download is dropped unlogged.
    if (head) {
        r.head_length = r.file_length;
        r.file_length = 0;
        return r;
    }
    r.file = files.hand_off(file, r.file_length);
    return r;
}

int UploadSink::write(const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(upload_.fd(), data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
        upload_.add_bytes(static_cast<std::uint64_t>(n));
    }
    return 0;
}

Response UploadSink::finish(int error) {
    const std::string path = upload_.path();
    if (error)
        files_.abort(upload_, error);
    else
        error = files_.commit(upload_);
    return reply_(error, path);
}

}  // namespace drawbridge::http
