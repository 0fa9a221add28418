// WebDAV write locks (RFC 4918 §6-7) kept in memory: they last minutes, and a restart that drops
// them only lets clients write without the token they would have sent anyway. Locks are keyed by
// the user's root on disk and the virtual path, so that two users sharing a root share locks.
#pragma once

#include "vfs/path_text.h"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace drawbridge::http {

struct DavLock {
    std::string token;  // "opaquelocktoken:<uuid>"
    std::string root;   // the host path of the root the lock belongs to
    std::string path;   // virtual path of the locked resource
    bool exclusive = true;
    bool infinite = true;   // Depth: infinity (else 0)
    std::string owner_xml;  // the client's <D:owner> content, returned as it came
    std::int64_t user_id = 0;
    std::int64_t timeout_seconds = 0;
    std::chrono::steady_clock::time_point expires;

    std::int64_t seconds_left() const;
    // Whether the lock applies to `p`: the locked resource itself, or under it at Depth infinity.
    bool covers(std::string_view p) const;
};

using vfs::is_self_or_under;

// What acquire() gives: the lock, or why not.
struct LockGrant {
    enum class Refusal { none, conflict, too_many, too_many_here };
    std::optional<DavLock> lock;
    Refusal refusal = Refusal::none;

    explicit operator bool() const { return lock.has_value(); }
    const DavLock& operator*() const { return *lock; }
    const DavLock* operator->() const { return &*lock; }
};

// The table's bounds: it is memory every PROPFIND of a locked resource copies into its reply
// (lockdiscovery), so neither a lock's size nor the number of locks is the client's to choose.
class LockManager {
  public:
    static constexpr std::int64_t kDefaultTimeout = 3600;
    // "Timeout: Infinite" and longer requests get this; clients refresh before it ends.
    static constexpr std::int64_t kMaxTimeout = 3600;
    // The locks one user may hold at once, over every root; the next LOCK is refused (503).
    static constexpr std::size_t kMaxLocksPerUser = 1000;
    // The shared locks that may overlap one another (on one resource, or on it and a folder
    // above at Depth infinity): the most any resource's lockdiscovery lists (503 above).
    static constexpr std::size_t kMaxLocksPerResource = 16;
    // The serialized <D:owner> content a lock keeps; clients send a name or a URL (400 above).
    static constexpr std::size_t kMaxOwnerBytes = 4096;

    // The locks that apply to `path` (on it, or on a folder above it at Depth infinity).
    std::vector<DavLock> covering(const std::string& root, std::string_view path);
    // The locks on `path` or anywhere under it.
    std::vector<DavLock> within(const std::string& root, std::string_view path);
    // Takes a new lock, unless an existing lock conflicts with it, its user already holds
    // kMaxLocksPerUser, or kMaxLocksPerResource shared locks overlap it.
    LockGrant acquire(DavLock wanted);
    // Extends the lock with `token` that covers `path`; nullopt when there is none.
    std::optional<DavLock> refresh(const std::string& root, std::string_view path,
                                   std::string_view token, std::int64_t timeout_seconds);
    // Removes the lock with `token` if it covers `path` and belongs to `user_id`.
    bool release(const std::string& root, std::string_view path, std::string_view token,
                 std::int64_t user_id);
    // Drops the locks on `path` and under it (after a DELETE or the source of a MOVE).
    void remove_within(const std::string& root, std::string_view path);

    // Whether a write to `path` may go ahead with the tokens `submitted` (by `user_id`): every
    // lock covering it must be among them, and with `recursive` every lock under it too; with
    // `membership` (the write adds or removes the name) also the locks on its parent folder.
    bool may_write(const std::string& root, std::string_view path,
                   const std::set<std::string>& submitted, std::int64_t user_id, bool recursive,
                   bool membership);

  private:
    void purge_expired();

    std::mutex mutex_;
    std::vector<DavLock> locks_;
};

// The If header (RFC 4918 §10.4), parsed.
struct IfCondition {
    bool negated = false;
    bool is_etag = false;
    std::string value;  // the lock token (without <>) or the entity tag (with its quotes)
};
struct IfList {
    std::optional<std::string> resource;  // a tagged list's URI, as sent
    std::vector<IfCondition> conditions;
};
// nullopt when the header is malformed (the request then fails with 400).
std::optional<std::vector<IfList>> parse_if_header(std::string_view header);

}  // namespace drawbridge::http
