// WebDAV class 1 and 2 (RFC 4918) over a logged-in user's FileSession: every path goes through
// the session's jailed root, permission check and audit, as on the other protocols.
//
// Dead properties (PROPPATCH) are kept in one extended attribute of the file or folder
// ("user.drawbridge.dav"), so that they follow a rename and go with a delete without any
// bookkeeping; COPY copies them. A file system without user xattrs refuses PROPPATCH (507).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "http/dav_locks.h"
#include "http/message.h"
#include "http/user_content.h"
#include "vfs/file_session.h"

struct stat;

namespace drawbridge::http {

class PropfindReply;  // dav_propfind.cpp

class Dav {
  public:
    // `prefix` is where the tree is mounted ("/dav"); hrefs are built under it.
    Dav(vfs::FileSession& files, LockManager& locks, std::string prefix)
        : files_(files),
          locks_(locks),
          prefix_(std::move(prefix)),
          root_key_(files.storage_key()) {}

    // `path` is the decoded virtual path below the prefix ("/" for the root).
    Prepared prepare(Request& req, const std::string& path);
    Response handle(Request& req, const std::string& path);

  private:
    using Method = Response (Dav::*)(Request&, const std::string&);
    struct MethodRow {
        std::string_view name;
        Method fn;
    };
    static const MethodRow kMethods[];

    Response options(Request&, const std::string&);
    Response get(Request&, const std::string&);
    Response del(Request&, const std::string&);
    Response mkcol(Request&, const std::string&);
    Response copy(Request&, const std::string&);
    Response move(Request&, const std::string&);
    Response propfind(Request&, const std::string&);
    Response proppatch(Request&, const std::string&);
    Response lock(Request&, const std::string&);
    Response unlock(Request&, const std::string&);
    Prepared put(Request&, const std::string&);

    Response copy_or_move(Request&, const std::string& from, bool is_move);
    // A Depth 1 PROPFIND's entries of `folder`, whose own locks are `folder_locks`; a
    // refusal replaces the whole reply.
    std::optional<Response> propfind_entries(PropfindReply& reply, bool needs_dead,
                                             const std::string& folder,
                                             const std::vector<DavLock>& folder_locks);
    Response listing(const std::string& path);

    // The If header's verdict (412 when false, 400 when malformed), and the lock tokens the
    // request submits (in its If header, or Lock-Token for UNLOCK).
    std::optional<Response> check_if(const Request& req, const std::string& path);
    // 423 unless the submitted tokens unlock a write to `path`.
    std::optional<Response> check_locks(const std::string& path, bool recursive, bool membership);
    std::string etag_of(const std::string& path);

    std::string href(const std::string& path, bool collection) const;
    // The virtual path of a Destination header, or nullopt when it is not under the prefix or
    // names another server (COPY and MOVE answer 502, RFC 4918 §9.8.4, §9.9.4).
    std::optional<std::string> destination_path(const Request& req) const;
    std::string lock_xml(const DavLock& l) const;

    vfs::FileSession& files_;
    LockManager& locks_;
    std::string prefix_;
    std::string root_key_;
    std::set<std::string> submitted_;  // tokens of the request being handled
};

// The errno of a vfs call as an HTTP status.
int status_of_errno(int error);
std::string http_date(std::int64_t unix_seconds);
std::string etag_of_stat(const struct stat& st);
// The same appended to `out` (dav_format.cpp), and creationdate's RFC 3339 form.
void append_http_date(std::string& out, std::int64_t unix_seconds);
void append_iso_date(std::string& out, std::int64_t unix_seconds);
void append_etag(std::string& out, const struct stat& st);
void append_decimal(std::string& out, long long value);

}  // namespace drawbridge::http
