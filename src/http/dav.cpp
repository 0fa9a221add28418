// WebDAV: the method table, the If header, GET, PUT and OPTIONS. Collections (DELETE, MKCOL, COPY,
// MOVE) are in dav_tree.cpp, properties in dav_props.cpp, locks in dav_lock_methods.cpp.
#include "http/dav.h"
#include "core/types.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "http/dav_internal.h"
#include "http/uri.h"
#include "http/user_content.h"

namespace drawbridge::http {
using vfs::Permission;
using namespace davutil;

namespace {

constexpr std::string_view kAllow =
    "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK";

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

// Streams a PUT's body into the file; the file appears under its name only when complete
// (unless the site turned atomic uploads off).
class UploadSink : public BodySink {
  public:
    UploadSink(vfs::FileSession& files, std::string path, bool existed)
        : files_(files),
          path_(std::move(path)),
          existed_(existed),
          started_(std::chrono::steady_clock::now()) {}
    ~UploadSink() override {
        if (!done_) {
            if (upload_) upload_->abort();
            files_.record("create", path_, {}, static_cast<std::int64_t>(bytes_), elapsed(),
                          ECONNRESET);
        }
    }

    int open() {
        if (files_.atomic_uploads()) {
            upload_.emplace();
            if (const int e = vfs::AtomicUpload::begin(files_.root(), path_, 0644, *upload_))
                return e;
            fd_ = upload_->fd();
            return 0;
        }
        if (const int e =
                files_.root().open_file(path_, O_WRONLY | O_CREAT | O_TRUNC, 0644, plain_))
            return e;
        fd_ = plain_.get();
        return 0;
    }

    int write(const char* data, std::size_t size) override {
        while (size > 0) {
            const ssize_t n = ::write(fd_, data, size);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            data += n;
            size -= static_cast<std::size_t>(n);
            bytes_ += static_cast<std::uint64_t>(n);
        }
        return 0;
    }

    Response finish(int error) override {
        done_ = true;
        if (upload_) {
            if (!error) error = upload_->commit(0);
            upload_->abort();
        }
        plain_.reset();
        files_.record("create", path_, {}, static_cast<std::int64_t>(bytes_), elapsed(), error);
        if (error) return text(status_of_errno(error), std::strerror(error));
        Response r(existed_ ? 204 : 201);
        struct stat st {};
        if (files_.root().stat(path_, true, st) == 0) r.set("ETag", etag_of_stat(st));
        return r;
    }

  private:
    std::chrono::milliseconds elapsed() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started_);
    }

    vfs::FileSession& files_;
    std::string path_;
    bool existed_;
    std::chrono::steady_clock::time_point started_;
    std::optional<vfs::AtomicUpload> upload_;
    vfs::UniqueFd plain_;
    int fd_ = -1;
    std::uint64_t bytes_ = 0;
    bool done_ = false;
};

}  // namespace

int status_of_errno(int error) {
    switch (error) {
        case 0:
            return 200;
        case ENOENT:
            return 404;
        case EACCES:
        case EPERM:
        case EXDEV:
        case ELOOP:
            return 403;
        case EEXIST:
            return 405;
        case ENOTDIR:
            return 409;
        case ENOTEMPTY:
            return 409;
        case ENOSPC:
        case EDQUOT:
            return 507;
        case ENAMETOOLONG:
            return 414;
        case EINVAL:  // a new name the vfs refuses (CR or LF)
            return 400;
        case EFBIG:
            return 413;
        case EISDIR:
            return 405;
        default:
            return 500;
    }
}

std::string http_date(std::int64_t t) {
    return core::format_utc(t, "%a, %d %b %Y %H:%M:%S GMT");
}

std::string etag_of_stat(const struct stat& st) {
    char buf[80];
    const auto mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ULL +
                          static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
    std::snprintf(buf, sizeof buf, "\"%llx-%llx-%llx\"", static_cast<unsigned long long>(st.st_ino),
                  static_cast<unsigned long long>(st.st_size),
                  static_cast<unsigned long long>(mtime_ns));
    return buf;
}

const Dav::MethodRow Dav::kMethods[] = {
    {"OPTIONS", &Dav::options}, {"GET", &Dav::get},           {"HEAD", &Dav::get},
    {"DELETE", &Dav::del},      {"MKCOL", &Dav::mkcol},       {"COPY", &Dav::copy},
    {"MOVE", &Dav::move},       {"PROPFIND", &Dav::propfind}, {"PROPPATCH", &Dav::proppatch},
    {"LOCK", &Dav::lock},       {"UNLOCK", &Dav::unlock},
};

Prepared Dav::prepare(Request& req, const std::string& path) {
    if (req.method == "PUT") {
        if (auto r = check_if(req, path)) return {std::move(r), nullptr};
        return put(req, path);
    }
    return {};  // the body (XML, small) is buffered and handle() runs
}

Response Dav::handle(Request& req, const std::string& path) {
    for (const auto& m : kMethods) {
        if (m.name != req.method) continue;
        if (auto r = check_if(req, path)) return std::move(*r);
        return (this->*m.fn)(req, path);
    }
    return std::move(text(405, "method not allowed").set("Allow", std::string(kAllow)));
}

std::string Dav::href(const std::string& path, bool collection) const {
    std::string h = encode_path(prefix_ + (path == "/" ? "" : path));
    if (collection) h += '/';
    return h;
}

std::optional<std::string> Dav::destination_path(const Request& req) const {
    // Another server's URL is never taken for one here because its path looks like ours.
    if (!names_this_server(req.header("destination"), req.header("host"), req.secure))
        return std::nullopt;
    const auto dest = decode_path(req.header("destination"));
    if (!dest) return std::nullopt;
    if (*dest == prefix_) return "/";
    if (!dest->starts_with(prefix_ + "/")) return std::nullopt;
    return dest->substr(prefix_.size());
}

std::string Dav::etag_of(const std::string& path) {
    struct stat st {};
    return files_.root().stat(path, true, st) == 0 ? etag_of_stat(st) : std::string();
}

std::optional<Response> Dav::check_if(const Request& req, const std::string& path) {
    submitted_.clear();
    auto token = req.header("lock-token");
    if (token.size() > 2 && token.front() == '<' && token.back() == '>')
        submitted_.emplace(token.substr(1, token.size() - 2));
    const auto h = req.header("if");
    if (h.empty()) return std::nullopt;
    const auto lists = parse_if_header(h);
    if (!lists) return text(400, "malformed If header");
    for (const auto& list : *lists)
        for (const auto& c : list.conditions)
            if (!c.is_etag && !c.negated) submitted_.insert(c.value);
    for (const auto& list : *lists) {
        std::string target = path;
        if (list.resource) {
            const auto p = decode_path(*list.resource);
            if (!p || !(*p == prefix_ || p->starts_with(prefix_ + "/")) ||
                !names_this_server(*list.resource, req.header("host"), req.secure))
                continue;
            target = *p == prefix_ ? "/" : p->substr(prefix_.size());
        }
        bool all = true;
        for (const auto& c : list.conditions) {
            bool holds = false;
            if (c.is_etag) {
                holds = etag_matches(c.value, etag_of(target));
            } else {
                for (const auto& l : locks_.covering(root_key_, target))
                    if (l.token == c.value) holds = true;
            }
            if (c.negated) holds = !holds;
            all = all && holds;
        }
        if (all) return std::nullopt;
    }
    return text(412, "the conditions of the If header do not hold");
}

std::optional<Response> Dav::check_locks(const std::string& path, bool recursive, bool membership) {
    if (locks_.may_write(root_key_, path, submitted_, files_.user().id, recursive, membership))
        return std::nullopt;
    return Response(423, "application/xml; charset=utf-8",
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\">"
                    "<D:lock-token-submitted><D:href>" +
                        href(path, false) + "</D:href></D:lock-token-submitted></D:error>\n");
}

Response Dav::options(Request&, const std::string&) {
    Response r(200);
    r.set("DAV", "1, 2").set("MS-Author-Via", "DAV").set("Allow", std::string(kAllow));
    r.set("Accept-Ranges", "bytes");
    return r;
}

Response Dav::get(Request& req, const std::string& path) {
    const bool head = req.method == "HEAD";
    // Opened first and stat'ed through the descriptor: one path resolution per request.
    vfs::UniqueFd fd;
    struct stat st {};
    if (const int e = files_.root().open_file(path, O_RDONLY | O_NONBLOCK, 0, fd)) {
        if (e != ENOENT && e != ENOTDIR) files_.record("read", path, {}, {}, {}, e);
        return text(status_of_errno(e), std::strerror(e));
    }
    if (::fstat(fd.get(), &st) != 0) return text(500, std::strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        fd.reset();
        if (const int e = files_.check(Permission::list, path)) {
            files_.record("list", path, {}, {}, {}, e);
            return text(403, "permission denied");
        }
        Response r = listing(path);
        if (head) {
            r.head_length = r.body.size();
            r.body.clear();
        }
        return r;
    }
    if (!S_ISREG(st.st_mode)) return text(403, "not a file");
    if (const int e = files_.check(Permission::read, path)) {
        files_.record("read", path, {}, {}, {}, e);
        return text(403, "permission denied");
    }
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
    r.file = std::move(fd);
    if (!head) files_.record("read", path, {}, static_cast<std::int64_t>(r.file_length));
    return r;
}

Response Dav::listing(const std::string& path) {
    vfs::DirReader dir;
    if (const int e = files_.root().open_dir(path, dir))
        return text(status_of_errno(e), "cannot list");
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                       xml_escape(path) + "</title></head><body><h1>" + xml_escape(path) +
                       "</h1><ul>\n";
    if (path != "/") html += "<li><a href=\"" + href(parent_of(path), true) + "\">..</a></li>\n";
    while (auto entry = dir.next()) {
        const bool is_dir = S_ISDIR(entry->second.st_mode);
        html += "<li><a href=\"" + href(child_of(path, entry->first), is_dir) + "\">" +
                xml_escape(entry->first) + (is_dir ? "/" : "") + "</a></li>\n";
    }
    html += "</ul></body></html>\n";
    // Our page, but with users' file names in it: no script may run there either.
    Response r(200, "text/html; charset=utf-8", std::move(html));
    sandbox_user_content(r);
    return r;
}

Prepared Dav::put(Request& req, const std::string& path) {
    const auto answer = [](Response r) { return Prepared{std::move(r), nullptr}; };
    if (path == "/") return answer(text(405, "the root is a collection"));
    if (const int e = files_.check(Permission::write, path)) {
        files_.record("create", path, {}, {}, {}, e);
        return answer(text(403, "permission denied"));
    }
    if (req.has_header("content-range"))
        return answer(text(400, "partial PUT (Content-Range) is not supported"));
    struct stat st {};
    const bool exists = files_.root().stat(path, true, st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return answer(text(405, "a collection exists there"));
    struct stat parent {};
    if (files_.root().stat(parent_of(path), true, parent) != 0 || !S_ISDIR(parent.st_mode))
        return answer(text(409, "the parent collection does not exist"));
    const std::string etag = exists ? etag_of_stat(st) : "";
    if (const auto im = req.header("if-match"); !im.empty() && !etag_matches(im, etag))
        return answer(text(412, "the entity tag does not match"));
    if (const auto inm = req.header("if-none-match"); !inm.empty() && etag_matches(inm, etag))
        return answer(text(412, "the resource exists"));
    if (auto r = check_locks(path, false, !exists)) return answer(std::move(*r));
    auto sink = std::make_unique<UploadSink>(files_, path, exists);
    if (const int e = sink->open()) return answer(sink->finish(e));
    return {std::nullopt, std::move(sink)};
}

}  // namespace drawbridge::http
