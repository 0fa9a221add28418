#include "vfs/absent_attributes.h"

#include <functional>
#include <string_view>

namespace drawbridge::vfs {

AbsentAttributes& AbsentAttributes::shared() {
    static AbsentAttributes table;
    return table;
}

std::uint64_t AbsentAttributes::hash(std::string_view attribute) {
    return std::hash<std::string_view>{}(attribute) | 1;  // never 0, the empty slot's
}

// By inode number: the files of one folder, often made one after another, then take slots
// side by side, so that a listing walks the table in order instead of missing the CPU's
// caches at every entry.
AbsentAttributes::Slot& AbsentAttributes::slot(const struct stat& st, std::uint64_t attribute) {
    const auto device = static_cast<std::uint64_t>(st.st_dev) * 0x9E3779B97F4A7C15ULL;
    return slots_[(static_cast<std::uint64_t>(st.st_ino) + (device >> 40) + attribute) % kSlots];
}

bool AbsentAttributes::known_absent(const struct stat& st, std::string_view attribute) {
    const std::uint64_t a = hash(attribute);
    std::lock_guard lock(mutex_);
    const Slot& s = slot(st, a);
    return s.attribute == a && s.dev == st.st_dev && s.ino == st.st_ino &&
           s.ctime.tv_sec == st.st_ctim.tv_sec && s.ctime.tv_nsec == st.st_ctim.tv_nsec;
}

void AbsentAttributes::remember(const struct stat& st, std::string_view attribute,
                                const timespec& now) {
    const auto ns = [](const timespec& t) {
        return static_cast<long long>(t.tv_sec) * 1'000'000'000LL + t.tv_nsec;
    };
    const long long settled = st.st_ctim.tv_nsec != 0 ? kFineSettledMs * 1'000'000LL
                                                      : kCoarseSettledSeconds * 1'000'000'000LL;
    if (ns(st.st_ctim) > ns(now) - settled) return;
    const std::uint64_t a = hash(attribute);
    std::lock_guard lock(mutex_);
    slot(st, a) = {st.st_dev, st.st_ino, st.st_ctim, a};
}

}  // namespace drawbridge::vfs
