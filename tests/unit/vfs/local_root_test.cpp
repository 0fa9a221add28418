#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "vfs/atomic_upload.h"
#include "vfs/local_root.h"

namespace drawbridge::vfs {
namespace {

namespace fs = std::filesystem;

class LocalRootTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device rd;
        base_ = fs::temp_directory_path() /
                ("drawbridge-vfs-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(base_ / "outside");
        std::ofstream(base_ / "outside" / "secret.txt") << "secret";
        root_ = LocalRoot::open(base_ / "root", true);
    }
    void TearDown() override { fs::remove_all(base_); }

    void write(const std::string& path, const std::string& data) {
        UniqueFd fd;
        ASSERT_EQ(root_.open_file(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, fd), 0) << path;
        ASSERT_EQ(::write(fd.get(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
    }
    std::string read(const std::string& path, int* error = nullptr) {
        UniqueFd fd;
        const int e = root_.open_file(path, O_RDONLY, 0, fd);
        if (error) *error = e;
        if (e) return {};
        char buf[256];
        const auto n = ::read(fd.get(), buf, sizeof buf);
        return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    }

    fs::path base_;
    LocalRoot root_;
};

TEST(Normalize, ResolvesDotsLexicallyAndClampsAtTheRoot) {
    EXPECT_EQ(normalize("/"), "/");
    EXPECT_EQ(normalize(""), "/");
    EXPECT_EQ(normalize("a/b/../c"), "/a/c");
    EXPECT_EQ(normalize("../../etc/passwd"), "/etc/passwd");
    EXPECT_EQ(normalize("x", "/home/u"), "/home/u/x");
    EXPECT_EQ(normalize("/x", "/home/u"), "/x");
    EXPECT_EQ(normalize("//a///b/./"), "/a/b");
    EXPECT_EQ(normalize("..", "/"), "/");
}

TEST_F(LocalRootTest, FilesAndFoldersInsideTheRoot) {
    ASSERT_EQ(root_.mkdir("/docs", 0755), 0);
    EXPECT_EQ(root_.mkdir("/docs", 0755), EEXIST);
    write("/docs/a.txt", "hello");
    EXPECT_EQ(read("docs/a.txt"), "hello");
    struct stat st {};
    ASSERT_EQ(root_.stat("/docs/a.txt", true, st), 0);
    EXPECT_EQ(st.st_size, 5);
    EXPECT_EQ(root_.rename("/docs/a.txt", "/docs/b.txt", 0), 0);
    EXPECT_EQ(root_.stat("/docs/a.txt", true, st), ENOENT);
    write("/docs/c.txt", "c");
    EXPECT_EQ(root_.rename("/docs/c.txt", "/docs/b.txt", RENAME_NOREPLACE), EEXIST);
    EXPECT_EQ(root_.link("/docs/b.txt", "/docs/hard.txt"), 0);
    EXPECT_EQ(read("/docs/hard.txt"), "hello");
    EXPECT_EQ(root_.rmdir("/docs"), ENOTEMPTY);
    EXPECT_EQ(root_.truncate("/docs/b.txt", 2), 0);
    EXPECT_EQ(read("/docs/b.txt"), "he");
    EXPECT_EQ(root_.set_times("/docs/b.txt", 1000, 2000), 0);
    EXPECT_EQ(root_.set_mode("/docs/b.txt", 0600), 0);
    ASSERT_EQ(root_.stat("/docs/b.txt", true, st), 0);
    EXPECT_EQ(st.st_mtime, 2000);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    for (auto f : {"/docs/b.txt", "/docs/c.txt", "/docs/hard.txt"}) EXPECT_EQ(root_.unlink(f), 0);
    EXPECT_EQ(root_.rmdir("/docs"), 0);
    EXPECT_EQ(root_.rmdir("/"), EPERM);
    struct statvfs vfs {};
    EXPECT_EQ(root_.statvfs(vfs), 0);
}

TEST_F(LocalRootTest, DotDotAndAbsolutePathsStayInside) {
    int e = 0;
    // Lexically clamped: "/../outside/secret.txt" is /outside/secret.txt inside the root.
    EXPECT_EQ(read("/../outside/secret.txt", &e), "");
    EXPECT_EQ(e, ENOENT);
    EXPECT_EQ(read("../../../../etc/passwd", &e), "");
    EXPECT_EQ(e, ENOENT);
    struct stat st {};
    EXPECT_EQ(root_.stat("/etc/passwd", true, st), ENOENT);
}

TEST_F(LocalRootTest, PlantedSymlinksCannotLeadOut) {
    // Links planted from outside (as a user with shell access, or an earlier bug, could).
    fs::create_symlink(base_ / "outside", base_ / "root" / "abs_dir");
    fs::create_symlink(base_ / "outside" / "secret.txt", base_ / "root" / "abs_file");
    fs::create_symlink("../outside/secret.txt", base_ / "root" / "rel_file");
    fs::create_symlink("/proc/self/root/etc/passwd", base_ / "root" / "magic");
    int e = 0;
    for (auto p : {"/abs_dir/secret.txt", "/abs_file", "/rel_file", "/magic"}) {
        EXPECT_EQ(read(p, &e), "") << p;
        EXPECT_EQ(e, EXDEV) << p;
    }
    UniqueFd fd;
    EXPECT_EQ(root_.open_file("/abs_dir/new.txt", O_WRONLY | O_CREAT, 0644, fd), EXDEV);
    EXPECT_FALSE(fs::exists(base_ / "outside" / "new.txt"));
    // Writing through a link at the last component is refused too.
    EXPECT_EQ(root_.open_file("/rel_file", O_WRONLY | O_CREAT | O_TRUNC, 0644, fd), ELOOP);
    EXPECT_EQ(root_.truncate("/rel_file", 0), EXDEV);
    EXPECT_EQ(root_.truncate("/abs_dir/secret.txt", 0), EXDEV);
    EXPECT_EQ(std::ifstream(base_ / "outside" / "secret.txt").rdbuf()->sgetc(), 's');
    // The link itself can be removed, and lstat shows it as a link.
    struct stat st {};
    EXPECT_EQ(root_.stat("/abs_file", false, st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
    EXPECT_EQ(root_.unlink("/abs_file"), 0);
    EXPECT_TRUE(fs::exists(base_ / "outside" / "secret.txt"));
}

TEST_F(LocalRootTest, SymlinksCreatedThroughTheJailResolveInside) {
    ASSERT_EQ(root_.mkdir("/a", 0755), 0);
    ASSERT_EQ(root_.mkdir("/a/b", 0755), 0);
    write("/a/target.txt", "inside");
    ASSERT_EQ(root_.symlink("/a/target.txt", "/a/b/abs_link"), 0);
    ASSERT_EQ(root_.symlink("../target.txt", "/a/b/rel_link"), 0);
    ASSERT_EQ(root_.symlink("/a", "/top"), 0);
    EXPECT_EQ(read("/a/b/abs_link"), "inside");
    EXPECT_EQ(read("/a/b/rel_link"), "inside");
    EXPECT_EQ(read("/top/target.txt"), "inside");
    // Like truncate(2) and SETSTAT, truncate follows a link that stays inside.
    EXPECT_EQ(root_.truncate("/a/b/rel_link", 3), 0);
    EXPECT_EQ(read("/a/target.txt"), "ins");
    std::string target;
    ASSERT_EQ(root_.readlink("/a/b/abs_link", target), 0);
    EXPECT_EQ(target, "../target.txt");
    EXPECT_EQ(root_.symlink("../../../outside/secret.txt", "/a/b/out"), EXDEV);
    EXPECT_EQ(root_.symlink("/../outside", "/out2"), EXDEV);
    EXPECT_EQ(root_.symlink("", "/empty"), EINVAL);
}

TEST_F(LocalRootTest, DirectoriesStreamEveryEntry) {
    ASSERT_EQ(root_.mkdir("/many", 0755), 0);
    for (int i = 0; i < 3000; ++i) write("/many/f" + std::to_string(i), "");
    DirReader dir;
    ASSERT_EQ(root_.open_dir("/many", dir), 0);
    std::set<std::string> names;
    while (auto e = dir.next()) names.insert(e->first);
    EXPECT_EQ(names.size(), 3000u);
    EXPECT_EQ(root_.open_dir("/many/f1", dir), ENOTDIR);
}

TEST_F(LocalRootTest, AtomicUploadAppearsOnlyOnCommit) {
    write("/report.csv", "old");
    {
        AtomicUpload up;
        ASSERT_EQ(AtomicUpload::begin(root_, "/report.csv", 0644, up), 0);
        ASSERT_EQ(::write(up.fd(), "new-partial", 11), 11);
        EXPECT_EQ(read("/report.csv"), "old");  // readers still see the old file
    }  // dropped without commit: a client that disconnected
    EXPECT_EQ(read("/report.csv"), "old");
    std::size_t files = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(base_ / "root")) ++files;
    EXPECT_EQ(files, 1u);  // no temporary left behind

    AtomicUpload up;
    ASSERT_EQ(AtomicUpload::begin(root_, "/report.csv", 0644, up), 0);
    ASSERT_EQ(::write(up.fd(), "new", 3), 3);
    EXPECT_EQ(up.commit(), 0);
    EXPECT_EQ(read("/report.csv"), "new");
    AtomicUpload dir_upload;
    ASSERT_EQ(root_.mkdir("/d", 0755), 0);
    EXPECT_EQ(AtomicUpload::begin(root_, "/d", 0644, dir_upload), EISDIR);
}

// A directory swapped for a symlink while paths are being resolved must not lead out: the
// kernel checks every step, so there is no window between a check and a use.
TEST_F(LocalRootTest, RacingASymlinkSwapNeverEscapes) {
    ASSERT_EQ(root_.mkdir("/race", 0755), 0);
    write("/race/secret.txt", "inside");
    std::atomic<bool> stop{false};
    std::thread swapper([&] {
        const auto dir = base_ / "root" / "race";
        const auto moved = base_ / "root" / "race_real";
        for (int i = 0; i < 2000 && !stop; ++i) {
            std::error_code ec;
            fs::rename(dir, moved, ec);
            fs::create_symlink(base_ / "outside", dir, ec);
            fs::remove(dir, ec);
            fs::rename(moved, dir, ec);
        }
    });
    int escaped = 0;
    for (int i = 0; i < 2000; ++i) {
        int e = 0;
        if (read("/race/secret.txt", &e) == "secret") ++escaped;
    }
    stop = true;
    swapper.join();
    EXPECT_EQ(escaped, 0);
}

TEST_F(LocalRootTest, APathWithANulByteNeverReachesASystemCall) {
    write("/denied.txt", "denied");
    fs::create_directories(base_ / "root" / "private");
    using namespace std::string_literals;
    const std::string nul_file = "/denied.txt\0x"s, nul_dir = "/private\0"s;
    UniqueFd fd;
    EXPECT_EQ(root_.open_file(nul_file, O_WRONLY | O_TRUNC, 0, fd), EINVAL);
    struct stat st {};
    EXPECT_EQ(root_.stat(nul_file, true, st), EINVAL);
    DirReader dir;
    EXPECT_EQ(root_.open_dir(nul_dir, dir), EINVAL);
    EXPECT_EQ(root_.unlink(nul_file), EINVAL);
    EXPECT_EQ(root_.rename(nul_dir, "/unprot", 0), EINVAL);
    EXPECT_EQ(root_.rename("/denied.txt", nul_dir, 0), EINVAL);
    EXPECT_EQ(root_.symlink("/denied.txt\0"s, "/l"), EINVAL);
    AtomicUpload up;
    EXPECT_EQ(AtomicUpload::begin(root_, nul_file, 0644, up), EINVAL);
    EXPECT_EQ(read("/denied.txt"), "denied");
    EXPECT_TRUE(fs::exists(base_ / "root" / "private"));
    EXPECT_EQ(path_fault(nul_dir), "path contains a NUL byte");
    EXPECT_FALSE(virtual_path(nul_dir));
    EXPECT_EQ(virtual_path("a/../b", "/x"), "/x/b");
}

TEST_F(LocalRootTest, NewNamesMayNotHoldALineBreak) {
    write("/ok.txt", "ok");
    UniqueFd fd;
    EXPECT_EQ(root_.open_file("/a\rb", O_WRONLY | O_CREAT, 0644, fd), EINVAL);
    EXPECT_EQ(root_.mkdir("/d\nx", 0755), EINVAL);
    EXPECT_EQ(root_.rename("/ok.txt", "/x\r\ny", 0), EINVAL);
    EXPECT_EQ(root_.link("/ok.txt", "/h\n"), EINVAL);
    EXPECT_EQ(root_.symlink("/ok.txt", "/l\r"), EINVAL);
    AtomicUpload up;
    EXPECT_EQ(AtomicUpload::begin(root_, "/u\n", 0644, up), EINVAL);
    // A folder that already has one (made before) still takes new, clean names.
    fs::create_directories(base_ / "root" / "old\nname");
    EXPECT_EQ(root_.mkdir("/old\nname/clean", 0755), 0);
    EXPECT_EQ(root_.open_file("/old\nname", O_RDONLY | O_DIRECTORY, 0, fd), 0);
}

TEST_F(LocalRootTest, WritesMayStartOnlySoFarPastTheEnd) {
    write("/f", "abc");
    UniqueFd fd;
    ASSERT_EQ(root_.open_file("/f", O_WRONLY, 0, fd), 0);
    EXPECT_EQ(check_write_offset(fd.get(), 0), 0);
    EXPECT_EQ(check_write_offset(fd.get(), 3 + kMaxWriteGap), 0);
    EXPECT_EQ(check_write_offset(fd.get(), 4 + kMaxWriteGap), EFBIG);
    EXPECT_EQ(check_write_offset(fd.get(), std::uint64_t{1} << 40), EFBIG);
}

}  // namespace
}  // namespace drawbridge::vfs
