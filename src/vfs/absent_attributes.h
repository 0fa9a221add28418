// Which files are known to have no value of an extended attribute, so that listing a folder of
// many entries need not ask the kernel again for each one (WebDAV's dead properties: most files
// have none). Every change of a file's attributes sets its ctime, so "none at ctime C" holds for
// as long as the file's ctime is still C (docs/vfs.md#listing-many-entries).
#pragma once

#include <sys/stat.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <string_view>

namespace drawbridge::vfs {

class AbsentAttributes {
  public:
    // The one table of the process: keyed by device and inode, it holds for every root.
    static AbsentAttributes& shared();

    // Whether `st` (an lstat of the file) had no `attribute` when last looked at and its ctime
    // has not changed since.
    bool known_absent(const struct stat& st, std::string_view attribute);
    // The file of `st` has no `attribute`, as the kernel answered at `now` (CLOCK_REALTIME).
    // Remembered only once its ctime is settled: older than one tick of the file system's
    // clock, so that a change now cannot leave the ctime as it was. A ctime with nanoseconds
    // is taken as fine-grained (ticks of at most a jiffy), one without as whole seconds (ext4
    // with small inodes).
    void remember(const struct stat& st, std::string_view attribute, const timespec& now);

    static constexpr long kFineSettledMs = 100;
    static constexpr std::time_t kCoarseSettledSeconds = 2;
    static constexpr std::size_t kSlots = 1 << 16;  // 2 MiB; a collision forgets the older file

  private:
    struct Slot {
        dev_t dev = 0;
        ino_t ino = 0;
        timespec ctime{};
        std::uint64_t attribute = 0;  // a hash of the name; 0 for an empty slot
    };
    static std::uint64_t hash(std::string_view attribute);
    Slot& slot(const struct stat& st, std::uint64_t attribute);

    std::mutex mutex_;
    std::array<Slot, kSlots> slots_{};
};

}  // namespace drawbridge::vfs
