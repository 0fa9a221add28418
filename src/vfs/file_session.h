// One logged-in connection's view of its files: the user's jailed root, and the audit of every
// file operation. Every protocol goes through it, so that no protocol re-implements a file rule.
#pragma once

#include <chrono>
#include <string>

#include "audit/action_log.h"
#include "core/user.h"
#include "vfs/local_root.h"

namespace drawbridge::vfs {

class FileSession {
  public:
    FileSession(LocalRoot root, audit::ActionLog& log, core::User user, core::Interface interface,
                std::string ip)
        : root_(std::move(root)),
          log_(log),
          user_(std::move(user)),
          interface_(interface),
          ip_(std::move(ip)) {}

    const LocalRoot& root() const { return root_; }
    const core::User& user() const { return user_; }

    // Files.com actions: create (upload), read (download), destroy, move, copy, and ours
    // mkdir / rmdir. `failure` is set when the operation failed, with its reason.
    void record(std::string_view action, std::string_view path, std::string_view destination = {},
                std::optional<std::int64_t> bytes = {},
                std::optional<std::chrono::milliseconds> duration = {}, int error = 0);

  private:
    LocalRoot root_;
    audit::ActionLog& log_;
    core::User user_;
    core::Interface interface_;
    std::string ip_;
};

}  // namespace drawbridge::vfs
