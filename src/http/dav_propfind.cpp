// PROPFIND (RFC 4918 §9.1): the properties of a resource and, with Depth 1, of every entry of
// its folder. A folder may hold many thousand entries, so each one is written straight into the
// reply from the stat that came with the listing and one read of its dead properties relative
// to the folder's descriptor, and whatever the request shares (the folder's href, the locks of
// the folder) is worked out once (docs/webdav.md#speed).
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http/dav.h"
#include "http/dav_internal.h"
#include "http/dav_props.h"
#include "http/uri.h"

namespace drawbridge::http {
using namespace davprops;
using davxml::QName;

namespace {

// A Depth 1 reply repeats every property asked for in each entry: 10,000 entries times this.
constexpr std::size_t kMaxRequestedProperties = 256;
// A PROPFIND reply past this is refused (507) rather than built: 10,000 plain entries take ~7 MB.
constexpr std::size_t kMaxMultistatusBytes = 64u << 20;

constexpr std::string_view kSupportedLock =
    "<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>"
    "</D:lockentry><D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/>"
    "</D:locktype></D:lockentry>";

// The live properties PROPFIND answers: kLive's, in its order, and RFC 4331's quota.
enum class Live {
    resourcetype,
    getcontentlength,
    getlastmodified,
    creationdate,
    getetag,
    getcontenttype,
    supportedlock,
    lockdiscovery,
    quota,
    none  // a dead property, or none at all
};

Live live_of(const QName& q) {
    if (q.ns != "DAV:") return Live::none;
    for (std::size_t i = 0; i < kLive.size(); ++i)
        if (q.local == kLive[i]) return static_cast<Live>(i);
    return q.local == "quota-available-bytes" ? Live::quota : Live::none;
}

std::string_view local_name(Live l) {
    return l == Live::quota ? "quota-available-bytes" : kLive[static_cast<std::size_t>(l)];
}

enum class Mode { all, names, some };

// What the request body asks for.
struct Query {
    Mode mode = Mode::all;
    std::vector<QName> wanted;  // Mode::some
    std::vector<Live> live;     // wanted's, each as a live property or none
    bool needs_dead = true;     // only when some property may be a dead one
    bool needs_quota = false;
};

std::optional<Response> parse_query(const Request& req, Query& q) {
    if (req.body.empty()) return std::nullopt;  // allprop
    std::string error;
    const auto doc = davxml::Document::parse(req.body, error);
    if (!doc) return bad_request(error);
    const auto root = doc->top_element();
    if (!doc->is_dav(root, "propfind")) return bad_request("the body is not a DAV:propfind");
    if (doc->dav_child(root, "propname")) {
        q.mode = Mode::names;
    } else if (const auto prop = doc->dav_child(root, "prop")) {
        q.mode = Mode::some;
        for (auto c = prop.first_child(); c; c = c.next_sibling())
            if (const auto* name = doc->name(c)) q.wanted.push_back(*name);
        // Every entry of a Depth 1 reply names each property asked for.
        if (q.wanted.size() > kMaxRequestedProperties)
            return bad_request("a PROPFIND may ask for at most " +
                               std::to_string(kMaxRequestedProperties) + " properties");
        for (const auto& name : q.wanted) q.live.push_back(live_of(name));
        q.needs_dead = std::find(q.live.begin(), q.live.end(), Live::none) != q.live.end();
        q.needs_quota = std::find(q.live.begin(), q.live.end(), Live::quota) != q.live.end();
    } else if (!doc->dav_child(root, "allprop")) {
        return bad_request("DAV:propfind needs prop, allprop or propname");
    }
    return std::nullopt;
}

// One resource of the reply.
struct Resource {
    const struct stat& st;
    std::string_view name;  // the content type comes from its extension
    const DeadProps& dead;
    std::string_view locks;  // its lockdiscovery: the activelock elements
};

// Room for the whole reply at once: growing a reply of megabytes step by step copies it and
// faults its pages in several times over. A folder's size says roughly how many entries it has
// (tmpfs: 20 bytes each; ext4 and XFS: at least about as much); room that is never written
// costs no memory.
std::size_t expected_size(const struct stat& st, bool with_entries) {
    constexpr std::size_t kMin = 16 << 10, kPerByte = 40;
    if (!with_entries) return kMin;
    const auto guess = static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)) * kPerByte;
    return std::clamp(guess, kMin, kMaxMultistatusBytes);
}

void read_dead_at(vfs::FileSession& files, const std::string& path, DeadProps& dead) {
    vfs::UniqueFd fd;
    dead.clear();
    if (files.open_properties(path, false, fd) == 0) read_dead(fd.get(), dead);
}

}  // namespace

// The multistatus reply, written as it is built: one buffer for the whole reply, and one for
// an entry's missing properties, reused from entry to entry.
class PropfindReply {
  public:
    PropfindReply(const Query& q, std::optional<std::uint64_t> quota, std::size_t expected)
        : q_(q), quota_(quota) {
        out_.reserve(expected);
        out_ = davxml::kHeader;
        out_ += "<D:multistatus xmlns:D=\"DAV:\">";
    }
    std::size_t size() const { return out_.size(); }

    // `href` encoded, then `href_name` (an entry of that folder) encoded after it.
    void write(const Resource& r, std::string_view href, std::string_view href_name) {
        out_ += "<D:response><D:href>";
        out_ += href;
        if (!href_name.empty()) {
            append_encoded_path(out_, href_name);
            if (S_ISDIR(r.st.st_mode)) out_ += '/';
        }
        out_ += "</D:href>";
        if (q_.mode == Mode::some)
            write_some(r);
        else
            write_all(r, q_.mode == Mode::all);
        out_ += "</D:response>";
    }

    Response finish() {
        out_ += "</D:multistatus>\n";
        return Response(207, "application/xml; charset=utf-8", std::move(out_));
    }

  private:
    bool applies(Live l, const Resource& r) const {
        if (l == Live::quota) return quota_.has_value();
        return !S_ISDIR(r.st.st_mode) || (l != Live::getcontentlength && l != Live::getcontenttype);
    }

    void write_all(const Resource& r, bool values) {
        out_ += "<D:propstat><D:prop>";
        for (std::size_t i = 0; i < kLive.size(); ++i)
            if (const auto l = static_cast<Live>(i); applies(l, r)) append_live(l, r, values);
        for (const auto& d : r.dead) davxml::append_element(out_, d.name, values ? d.value : "");
        close_propstat(200);
    }

    void write_some(const Resource& r) {
        missing_.clear();
        const std::size_t start = out_.size();
        out_ += "<D:propstat><D:prop>";
        const std::size_t first = out_.size();
        for (std::size_t i = 0; i < q_.wanted.size(); ++i) {
            if (q_.live[i] != Live::none && applies(q_.live[i], r)) {
                append_live(q_.live[i], r, true);
                continue;
            }
            const auto d = std::find_if(r.dead.begin(), r.dead.end(),
                                        [&](const DeadProp& p) { return p.name == q_.wanted[i]; });
            if (d != r.dead.end())
                davxml::append_element(out_, d->name, d->value);
            else
                davxml::append_element(missing_, q_.wanted[i], "");
        }
        if (out_.size() == first)
            out_.resize(start);  // nothing found: no 200 propstat
        else
            close_propstat(200);
        if (!missing_.empty()) append_propstat(out_, missing_, 404);
    }

    void close_propstat(int status) {
        out_ += "</D:prop><D:status>";
        out_ += status_line(status);
        out_ += "</D:status></D:propstat>";
    }

    // <D:name>value</D:name>, or <D:name/> when the value is empty or not wanted (propname).
    void append_live(Live l, const Resource& r, bool with_value) {
        const std::string_view local = local_name(l);
        const std::size_t start = out_.size();
        out_ += "<D:";
        out_ += local;
        out_ += '>';
        const std::size_t value_start = out_.size();
        if (with_value) append_value(l, r);
        if (out_.size() == value_start) {
            out_.resize(start);
            out_ += "<D:";
            out_ += local;
            out_ += "/>";
            return;
        }
        out_ += "</D:";
        out_ += local;
        out_ += '>';
    }

    void append_value(Live l, const Resource& r) {
        const struct stat& st = r.st;
        switch (l) {
            case Live::resourcetype:
                if (S_ISDIR(st.st_mode)) out_ += "<D:collection/>";
                break;
            case Live::getcontentlength:
                append_decimal(out_, static_cast<long long>(st.st_size));
                break;
            case Live::getlastmodified:
                append_http_date(out_, st.st_mtim.tv_sec);
                break;
            case Live::creationdate:
                append_iso_date(out_, st.st_ctim.tv_sec);
                break;
            case Live::getetag:
                append_etag(out_, st);
                break;
            case Live::getcontenttype:
                out_ += content_type_of(r.name);
                break;
            case Live::supportedlock:
                out_ += kSupportedLock;
                break;
            case Live::lockdiscovery:
                out_ += r.locks;
                break;
            case Live::quota:
                append_decimal(out_, static_cast<long long>(*quota_));
                break;
            case Live::none:
                break;
        }
    }

    const Query& q_;
    std::optional<std::uint64_t> quota_;
    std::string out_;
    std::string missing_;
};

Response Dav::propfind(Request& req, const std::string& path) {
    const auto depth = req.header("depth");
    if (depth != "0" && depth != "1")
        return Response(403, "application/xml; charset=utf-8",
                        std::string(davxml::kHeader) +
                            "<D:error xmlns:D=\"DAV:\"><D:propfind-finite-depth/></D:error>\n");
    Query query;
    if (auto refusal = parse_query(req, query)) return std::move(*refusal);
    struct stat st {};
    if (const int e = files_.stat(path, true, st))
        return Response(status_of_errno(e), "text/plain", "not found\n");
    std::optional<std::uint64_t> quota;
    if (struct statvfs v{}; query.needs_quota && files_.statvfs(v) == 0)
        quota = static_cast<std::uint64_t>(v.f_bavail) * v.f_frsize;  // RFC 4331 (macOS)

    const bool folder = S_ISDIR(st.st_mode);
    PropfindReply reply(query, quota, expected_size(st, depth == "1" && folder));
    const auto locks = locks_.covering(root_key_, path);
    std::string locks_xml;
    for (const auto& l : locks) locks_xml += lock_xml(l);
    DeadProps dead;
    if (query.needs_dead) read_dead_at(files_, path, dead);
    reply.write({st, path, dead, locks_xml}, href(path, folder), "");
    if (depth == "1" && folder)
        if (auto refusal = propfind_entries(reply, query.needs_dead, path, locks))
            return std::move(*refusal);
    return reply.finish();
}

std::optional<Response> Dav::propfind_entries(PropfindReply& reply, bool needs_dead,
                                              const std::string& folder,
                                              const std::vector<DavLock>& folder_locks) {
    vfs::DirReader dir;
    if (const int e = files_.list(folder, dir); e == EACCES)
        return Response(403, "text/plain", "permission denied\n");
    else if (e)
        return std::nullopt;  // the folder alone
    // An entry's locks: the folder's (and its parents') at Depth infinity, and its own.
    std::string inherited;
    for (const auto& l : folder_locks)
        if (l.infinite) inherited += lock_xml(l);
    std::map<std::string, std::string, std::less<>> own;
    for (const auto& l : locks_.within(root_key_, folder))
        if (l.path != folder && davutil::parent_of(l.path) == folder)
            own[l.path.substr(l.path.rfind('/') + 1)] += lock_xml(l);

    const std::string folder_href = href(folder, true);
    vfs::DirReader::Entry entry;
    std::string stored, entry_locks;
    DeadProps dead;
    while (dir.next(entry)) {
        // A reply is built in memory: bound it, whatever locks and dead properties each entry
        // repeats (docs/webdav.md#request-bodies).
        if (reply.size() > kMaxMultistatusBytes)
            return Response(507, "text/plain; charset=utf-8",
                            "the reply would be larger than " +
                                std::to_string(kMaxMultistatusBytes >> 20) +
                                " MiB: ask for fewer properties, or list with Depth 0\n");
        struct stat st = entry.st;
        dead.clear();
        if (S_ISLNK(st.st_mode)) {
            // A link shows what it points to inside the root, as GET serves it; one that
            // points nowhere (or outside) is left out.
            const std::string child = davutil::child_of(folder, entry.name);
            if (files_.stat(child, true, st) != 0) continue;
            if (needs_dead) read_dead_at(files_, child, dead);
        } else if (needs_dead && dir.entry_attribute(entry, kXattr, stored) == 0) {
            parse_dead(stored, dead);
        }
        std::string_view locks = inherited;
        if (const auto it = own.find(entry.name); it != own.end()) {
            entry_locks = inherited + it->second;
            locks = entry_locks;
        }
        reply.write({st, entry.name, dead, locks}, folder_href, entry.name);
    }
    return std::nullopt;
}

}  // namespace drawbridge::http
