#include "auth/open_sessions.h"

namespace drawbridge::auth {

std::shared_ptr<const void> OpenSessions::lease(core::Interface interface) {
    const auto i = static_cast<std::size_t>(interface);
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    auto self = shared_from_this();
    return std::shared_ptr<const void>(self.get(), [self, i](const void*) {
        self->counts_[i].fetch_sub(1, std::memory_order_relaxed);
    });
}

int OpenSessions::count(core::Interface interface) const {
    return counts_[static_cast<std::size_t>(interface)].load(std::memory_order_relaxed);
}

}  // namespace drawbridge::auth
