#include "vfs/absent_attributes.h"

#include <gtest/gtest.h>

namespace drawbridge::vfs {
namespace {

constexpr std::time_t kNow = 1'800'000'000;

struct stat file(ino_t ino, std::time_t ctime) {
    struct stat st {};
    st.st_dev = 7;
    st.st_ino = ino;
    st.st_ctim = {ctime, 123};
    return st;
}

TEST(AbsentAttributes, RemembersAFileWhoseCtimeHasSettled) {
    AbsentAttributes table;
    const auto st = file(1, kNow - 60);
    EXPECT_FALSE(table.known_absent(st, "user.a"));
    table.remember(st, "user.a", kNow);
    EXPECT_TRUE(table.known_absent(st, "user.a"));
    EXPECT_FALSE(table.known_absent(st, "user.b"));  // another attribute is not known
}

TEST(AbsentAttributes, AChangedCtimeIsNotKnown) {
    AbsentAttributes table;
    auto st = file(2, kNow - 60);
    table.remember(st, "user.a", kNow);
    st.st_ctim.tv_nsec += 1;  // an attribute was set since
    EXPECT_FALSE(table.known_absent(st, "user.a"));
    auto other = file(2, kNow - 60);
    other.st_dev = 8;  // the same inode number on another file system
    EXPECT_FALSE(table.known_absent(other, "user.a"));
}

TEST(AbsentAttributes, ARecentCtimeIsNotRemembered) {
    // Changed within the last seconds: a second change in the same tick of a coarse clock
    // could leave the ctime as it is.
    AbsentAttributes table;
    const auto st = file(3, kNow - AbsentAttributes::kSettled + 1);
    table.remember(st, "user.a", kNow);
    EXPECT_FALSE(table.known_absent(st, "user.a"));
}

}  // namespace
}  // namespace drawbridge::vfs
