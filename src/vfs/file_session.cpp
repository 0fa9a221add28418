#include "vfs/file_session.h"

#include <cstring>

namespace drawbridge::vfs {

void FileSession::record(std::string_view action, std::string_view path,
                         std::string_view destination, std::optional<std::int64_t> bytes,
                         std::optional<std::chrono::milliseconds> duration, int error) {
    core::ActionLogEntry e;
    e.user_id = user_.id;
    e.username = user_.username;
    e.ip = ip_;
    e.interface = interface_;
    e.action = std::string(action);
    e.path = std::string(path);
    e.destination = std::string(destination);
    e.bytes = bytes;
    if (duration) e.duration_ms = duration->count();
    if (error) e.detail = std::string("failed: ") + std::strerror(error);
    log_.record(std::move(e));
}

}  // namespace drawbridge::vfs
