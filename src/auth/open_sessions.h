// The sessions open on this node, per interface (docs/login-gate.md#open-sessions). Every grant
// of a successful login holds a lease: a session counts while its protocol keeps the grant (an
// SFTP or FTP connection, a WebDAV or API-key connection) and stops counting when the last copy
// goes, however the session ends. Sessions kept in the store (REST and web tokens) are counted
// there instead (Store::count_live_sessions).
#pragma once

#include <array>
#include <atomic>
#include <memory>

#include "core/types.h"

namespace drawbridge::auth {

class OpenSessions : public std::enable_shared_from_this<OpenSessions> {
  public:
    // Counts one session of `interface` until the returned lease (and every copy) is gone.
    // The lease keeps this object alive, so a session may outlive the gate that admitted it.
    std::shared_ptr<const void> lease(core::Interface interface);
    int count(core::Interface interface) const;

  private:
    std::array<std::atomic<int>, core::kInterfaces.size()> counts_{};
};

}  // namespace drawbridge::auth
