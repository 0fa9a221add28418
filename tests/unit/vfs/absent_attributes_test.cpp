#include "vfs/absent_attributes.h"

#include <gtest/gtest.h>

namespace drawbridge::vfs {
namespace {

constexpr timespec kNow = {1'800'000'000, 500'000'000};

struct stat file(ino_t ino, std::time_t ctime, long nsec = 123) {
    struct stat st {};
    st.st_dev = 7;
    st.st_ino = ino;
    st.st_ctim = {ctime, nsec};
    return st;
}

TEST(AbsentAttributes, RemembersAFileWhoseCtimeHasSettled) {
    AbsentAttributes table;
    const auto st = file(1, kNow.tv_sec - 60);
    EXPECT_FALSE(table.known_absent(st, "user.a"));
    table.remember(st, "user.a", kNow);
    EXPECT_TRUE(table.known_absent(st, "user.a"));
    EXPECT_FALSE(table.known_absent(st, "user.b"));  // another attribute is not known
}

TEST(AbsentAttributes, AChangedCtimeIsNotKnown) {
    AbsentAttributes table;
    auto st = file(2, kNow.tv_sec - 60);
    table.remember(st, "user.a", kNow);
    st.st_ctim.tv_nsec += 1;  // an attribute was set since
    EXPECT_FALSE(table.known_absent(st, "user.a"));
    auto other = file(2, kNow.tv_sec - 60);
    other.st_dev = 8;  // the same inode number on another file system
    EXPECT_FALSE(table.known_absent(other, "user.a"));
}

TEST(AbsentAttributes, ARecentCtimeIsNotRemembered) {
    // Changed within the clock's last tick: a second change in the same tick could leave the
    // ctime as it is.
    AbsentAttributes table;
    const auto fine = file(3, kNow.tv_sec, 450'000'000);  // 50 ms ago
    table.remember(fine, "user.a", kNow);
    EXPECT_FALSE(table.known_absent(fine, "user.a"));
    const auto settled = file(4, kNow.tv_sec, 300'000'000);  // 200 ms ago
    table.remember(settled, "user.a", kNow);
    EXPECT_TRUE(table.known_absent(settled, "user.a"));
    // Whole seconds only: a coarse clock, settled after two seconds.
    const auto coarse = file(5, kNow.tv_sec - 1, 0);
    table.remember(coarse, "user.a", kNow);
    EXPECT_FALSE(table.known_absent(coarse, "user.a"));
    const auto old = file(6, kNow.tv_sec - 3, 0);
    table.remember(old, "user.a", kNow);
    EXPECT_TRUE(table.known_absent(old, "user.a"));
}

}  // namespace
}  // namespace drawbridge::vfs
