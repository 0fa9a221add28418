// LOCK and UNLOCK (RFC 4918 §9.10-9.11). The lock table is dav_locks.cpp; writes check it
// through Dav::check_locks.
#include <fcntl.h>
#include <sys/stat.h>

#include <charconv>
#include <cstring>
#include <limits>

#include "core/crypto.h"
#include "http/dav.h"
#include "http/dav_xml.h"
#include "http/uri.h"

namespace drawbridge::http {
using vfs::Permission;

namespace {

std::string new_lock_token() {
    std::string b = core::crypto::random_bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0F) | 0x40);  // UUID version 4
    b[8] = static_cast<char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    const std::string h = core::crypto::to_hex(b);
    return "opaquelocktoken:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) +
           "-" + h.substr(16, 4) + "-" + h.substr(20);
}

// "Second-600, Infinite": the first value we understand (LockManager caps it).
std::int64_t parse_timeout(std::string_view h) {
    while (!h.empty()) {
        const auto comma = h.find(',');
        std::string_view item = h.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item == "Infinite") return std::numeric_limits<std::int64_t>::max();
        if (item.starts_with("Second-")) {
            std::int64_t n = 0;
            const auto digits = item.substr(7);
            const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
            if (p == digits.data() + digits.size() && ec == std::errc::result_out_of_range)
                return std::numeric_limits<std::int64_t>::max();  // huge: the cap
            if (ec == std::errc{} && p == digits.data() + digits.size() && n > 0) return n;
        }
        if (comma == std::string_view::npos) break;
        h.remove_prefix(comma + 1);
    }
    return LockManager::kDefaultTimeout;
}

Response lock_response(int status, const std::string& activelock, const std::string& token) {
    Response r(status, "application/xml; charset=utf-8",
               std::string(davxml::kHeader) + "<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>" +
                   activelock + "</D:lockdiscovery></D:prop>\n");
    r.set("Lock-Token", "<" + token + ">");
    return r;
}

Response dav_error(int status, std::string_view condition) {
    return Response(status, "application/xml; charset=utf-8",
                    std::string(davxml::kHeader) + "<D:error xmlns:D=\"DAV:\"><D:" +
                        std::string(condition) + "/></D:error>\n");
}

}  // namespace

std::string Dav::lock_xml(const DavLock& l) const {
    return "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>" +
           std::string(l.exclusive ? "<D:exclusive/>" : "<D:shared/>") + "</D:lockscope><D:depth>" +
           (l.infinite ? "infinity" : "0") + "</D:depth>" +
           (l.owner_xml.empty() ? "" : "<D:owner>" + l.owner_xml + "</D:owner>") +
           "<D:timeout>Second-" + std::to_string(l.seconds_left()) +
           "</D:timeout><D:locktoken><D:href>" + xml_escape(l.token) +
           "</D:href></D:locktoken><D:lockroot><D:href>" + href(l.path, false) +
           "</D:href></D:lockroot></D:activelock>";
}

Response Dav::lock(Request& req, const std::string& path) {
    const std::int64_t timeout = parse_timeout(req.header("timeout"));
    if (req.body.empty()) {  // a refresh: the If header names the lock
        for (const auto& token : submitted_)
            if (const auto l = locks_.refresh(root_key_, path, token, timeout))
                return lock_response(200, lock_xml(*l), l->token);
        return dav_error(412, "lock-token-matches-request-uri");
    }
    std::string error;
    const auto doc = davxml::Document::parse(req.body, error);
    if (!doc) return Response(400, "text/plain", error + "\n");
    const auto info = doc->top_element();
    if (!doc->is_dav(info, "lockinfo"))
        return Response(400, "text/plain", "the body is not a DAV:lockinfo\n");
    const auto scope = doc->dav_child(info, "lockscope");
    const auto type = doc->dav_child(info, "locktype");
    if (!scope || !type || !doc->dav_child(type, "write"))
        return Response(400, "text/plain", "a write lock needs a lockscope\n");
    DavLock wanted;
    wanted.exclusive = static_cast<bool>(doc->dav_child(scope, "exclusive"));
    if (!wanted.exclusive && !doc->dav_child(scope, "shared"))
        return Response(400, "text/plain", "lockscope must be exclusive or shared\n");
    if (const auto owner = doc->dav_child(info, "owner")) {
        wanted.owner_xml = doc->inner_xml(owner);
        if (wanted.owner_xml.size() > LockManager::kMaxOwnerBytes)
            return Response(400, "text/plain",
                            "the lock's owner is larger than " +
                                std::to_string(LockManager::kMaxOwnerBytes) + " bytes\n");
    }
    const auto depth = req.header("depth");
    if (depth == "0")
        wanted.infinite = false;
    else if (!depth.empty() && depth != "infinity" && depth != "Infinity")
        return Response(400, "text/plain", "Depth must be 0 or infinity\n");

    if (files_.permit(Permission::write, path, "update"))
        return Response(403, "text/plain", "permission denied\n");
    struct stat st {};
    const bool exists = files_.stat(path, true, st) == 0;
    if (!exists) {
        struct stat parent {};
        const auto slash = path.rfind('/');
        const std::string parent_path = slash == 0 ? "/" : path.substr(0, slash);
        if (path == "/" || files_.stat(parent_path, true, parent) != 0 || !S_ISDIR(parent.st_mode))
            return Response(409, "text/plain", "the parent collection does not exist\n");
        if (auto r = check_locks(path, false, true)) return std::move(*r);
    }
    wanted.token = new_lock_token();
    wanted.root = root_key_;
    wanted.path = path;
    wanted.user_id = files_.user().id;
    wanted.timeout_seconds = timeout;
    const auto got = locks_.acquire(std::move(wanted));
    // 503 rather than 507: a lock is not stored content, and clients take 503 as "not now"
    // (the user's locks expire or are released) without offering to free disk space.
    if (got.refusal == LockGrant::Refusal::too_many)
        return Response(503, "text/plain",
                        "too many locks: this user holds " +
                            std::to_string(LockManager::kMaxLocksPerUser) +
                            ", the most allowed; unlock some first\n");
    if (got.refusal == LockGrant::Refusal::too_many_here)
        return Response(503, "text/plain",
                        "too many locks: " + std::to_string(LockManager::kMaxLocksPerResource) +
                            " shared locks already overlap this one, the most allowed\n");
    if (!got) return dav_error(423, "no-conflicting-lock");
    if (!exists) {
        // Locking an unmapped URL creates an empty resource (RFC 4918 §9.10.4).
        if (const int e = files_.create_empty(path)) {
            locks_.release(root_key_, path, got->token, got->user_id);
            return Response(status_of_errno(e), "text/plain", std::string(std::strerror(e)) + "\n");
        }
    }
    return lock_response(exists ? 200 : 201, lock_xml(*got), got->token);
}

Response Dav::unlock(Request& req, const std::string& path) {
    auto token = req.header("lock-token");
    if (token.size() < 3 || token.front() != '<' || token.back() != '>')
        return Response(400, "text/plain", "UNLOCK needs a Lock-Token header\n");
    token = token.substr(1, token.size() - 2);
    if (locks_.release(root_key_, path, token, files_.user().id)) return Response(204);
    return dav_error(409, "lock-token-matches-request-uri");
}

}  // namespace drawbridge::http
