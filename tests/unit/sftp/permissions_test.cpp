// Folder permissions and the atomic_uploads switch as the SFTP engine applies them: every
// operation asks FileSession::check, a refusal is PERMISSION_DENIED and an audited failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "audit/action_log.h"
#include "core/clock.h"
#include "sftp/session.h"
#include "store/store.h"
#include "vfs/local_root.h"

namespace drawbridge::sftp {
namespace {

namespace fs = std::filesystem;
using vfs::Permission;
using vfs::PermissionSet;

enum : std::uint8_t {
    kOpen = 3,
    kClose = 4,
    kWrite = 6,
    kSetstat = 9,
    kOpendir = 11,
    kRemove = 13,
    kMkdir = 14,
    kRmdir = 15,
    kRealpath = 16,
    kStat = 17,
    kRename = 18,
    kSymlink = 20,
    kStatus = 101,
    kHandle = 102,
};
enum : std::uint32_t { kRead = 1, kWriteFlag = 2, kAppend = 4, kCreat = 8, kTrunc = 16 };

const PermissionSet kReadOnly = PermissionSet().with(Permission::list).with(Permission::read);
const PermissionSet kDropBox = PermissionSet().with(Permission::write);

class PermissionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device rd;
        dir_ = fs::temp_directory_path() /
               ("drawbridge-sftp-perm-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(dir_ / "root" / "ro" / "sub");
        fs::create_directories(dir_ / "root" / "nolist");
        fs::create_directories(dir_ / "root" / "drop");
        fs::create_directories(dir_ / "root" / "keep");
        std::ofstream(dir_ / "root" / "ro" / "a.txt") << "ro";
        std::ofstream(dir_ / "root" / "ro" / "sub" / "b.txt") << "ro-sub";
        std::ofstream(dir_ / "root" / "nolist" / "c.txt") << "c";
        std::ofstream(dir_ / "root" / "keep" / "k.txt") << "k";
        store_ = store::open_sqlite_store(dir_ / "db");
        log_ = std::make_unique<audit::ActionLog>(*store_, clock_);
        vfs::FileRules rules;
        rules.permissions.set("/ro", kReadOnly);
        rules.permissions.set("/nolist",
                              PermissionSet().with(Permission::read).with(Permission::write));
        rules.permissions.set("/drop", kDropBox);
        rules.permissions.set(
            "/keep",
            PermissionSet().with(Permission::list).with(Permission::read).with(Permission::write));
        start(std::move(rules));
    }
    void start(vfs::FileRules rules) {
        session_.reset();
        files_.reset();
        core::User u;
        u.id = 1;
        u.username = "alice";
        files_ = std::make_unique<vfs::FileSession>(
            std::make_unique<vfs::LocalRoot>(vfs::LocalRoot::open(dir_ / "root", true)), *log_, u,
            core::Interface::sftp, "127.0.0.1", std::move(rules));
        session_ = std::make_unique<Session>(
            *files_, [this](std::string p) { out_.push_back(std::move(p)); });
        ASSERT_TRUE(session_->feed(Writer(1).u32(3).finish()));
    }
    void TearDown() override {
        session_.reset();
        files_.reset();
        log_.reset();
        store_.reset();
        fs::remove_all(dir_);
    }

    // Sends one request and returns the reply's type; a STATUS code lands in `code_`.
    std::uint8_t send(Writer& w) {
        EXPECT_TRUE(session_->feed(w.finish()));
        Reader r(std::string_view(out_.back()).substr(4));
        const auto type = r.u8();
        r.u32();  // id
        code_ = type == kStatus ? r.u32() : 0;
        handle_ = type == kHandle ? std::string(r.str()) : std::string();
        return type;
    }
    std::uint32_t status(Writer w) {
        const auto type = send(w);
        EXPECT_EQ(type, kStatus);
        return code_;
    }
    Writer req(std::uint8_t type) {
        Writer w(type);
        w.u32(++id_);
        return w;
    }
    // OPEN; returns the handle, or "" with the status in code_.
    std::string open(const std::string& path, std::uint32_t flags) {
        auto w = req(kOpen);
        w.str(path).u32(flags).attrs({});
        return send(w) == kHandle ? handle_ : std::string();
    }
    std::uint32_t close(const std::string& handle) { return status(req(kClose).str(handle)); }
    std::uint32_t write(const std::string& handle, std::uint64_t offset, std::string_view data) {
        return status(req(kWrite).str(handle).u64(offset).str(data));
    }
    std::string slurp(const fs::path& p) {
        std::ifstream in(p);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::vector<core::ActionLogEntry> denied() {
        core::ActionLogQuery q;
        q.username = "alice";
        std::vector<core::ActionLogEntry> out;
        for (auto& e : log_->search(q).entries)
            if (e.detail.find("Permission denied") != std::string::npos) out.push_back(e);
        return out;
    }

    fs::path dir_;
    core::ManualClock clock_{1795000000};
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<audit::ActionLog> log_;
    std::unique_ptr<vfs::FileSession> files_;
    std::unique_ptr<Session> session_;
    std::vector<std::string> out_;
    std::uint32_t id_ = 0;
    std::uint32_t code_ = 0;
    std::string handle_;
};

TEST_F(PermissionsTest, AReadOnlyFolderAndItsSubfoldersListAndReadOnly) {
    for (const std::string dir : {"/ro", "/ro/sub"}) {
        EXPECT_EQ(send(req(kOpendir).str(dir)), kHandle) << dir;
        EXPECT_NE(open(dir + "/" + (dir == "/ro" ? "a.txt" : "b.txt"), kRead), "") << dir;
        EXPECT_EQ(open(dir + "/new.txt", kWriteFlag | kCreat | kTrunc), "");
        EXPECT_EQ(code_, SSH_FX_PERMISSION_DENIED);
        EXPECT_EQ(status(req(kMkdir).str(dir + "/d").attrs({})), SSH_FX_PERMISSION_DENIED);
    }
    EXPECT_EQ(open("/ro/a.txt", kWriteFlag | kAppend), "");
    EXPECT_EQ(code_, SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(open("/ro/a.txt", kRead | kWriteFlag), "");
    EXPECT_EQ(status(req(kRemove).str("/ro/a.txt")), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kRmdir).str("/ro/sub")), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kRename).str("/ro/a.txt").str("/a.txt")), SSH_FX_PERMISSION_DENIED);
    Attrs mode;
    mode.flags = 4;  // permissions
    mode.permissions = 0600;
    EXPECT_EQ(status(req(kSetstat).str("/ro/a.txt").attrs(mode)), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(slurp(dir_ / "root" / "ro" / "a.txt"), "ro");
    EXPECT_TRUE(fs::exists(dir_ / "root" / "ro" / "sub"));
    EXPECT_FALSE(fs::exists(dir_ / "root" / "ro" / "new.txt"));
}

TEST_F(PermissionsTest, ANoListFolderRefusesListingButNotStatOrReading) {
    EXPECT_EQ(status(req(kOpendir).str("/nolist")), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(send(req(kStat).str("/nolist")), 105);
    EXPECT_EQ(send(req(kRealpath).str("/nolist/../nolist")), 104);
    EXPECT_NE(open("/nolist/c.txt", kRead), "");
}

TEST_F(PermissionsTest, ADropBoxTakesUploadsItCannotReadListOrDelete) {
    const auto h = open("/drop/in.txt", kWriteFlag | kCreat | kTrunc);
    ASSERT_NE(h, "");
    EXPECT_EQ(write(h, 0, "secret"), SSH_FX_OK);
    EXPECT_EQ(close(h), SSH_FX_OK);
    EXPECT_EQ(slurp(dir_ / "root" / "drop" / "in.txt"), "secret");
    EXPECT_EQ(open("/drop/in.txt", kRead), "");
    EXPECT_EQ(code_, SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kOpendir).str("/drop")), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kRemove).str("/drop/in.txt")), SSH_FX_PERMISSION_DENIED);
    // Nor can it be moved (or linked) out to where it could be read.
    EXPECT_EQ(status(req(kRename).str("/drop/in.txt").str("/out.txt")), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kSymlink).str("/drop/in.txt").str("/link")), SSH_FX_PERMISSION_DENIED);
    EXPECT_FALSE(fs::exists(dir_ / "root" / "out.txt"));
    EXPECT_FALSE(fs::is_symlink(dir_ / "root" / "link"));
}

TEST_F(PermissionsTest, ANoDeleteFolderKeepsItsFiles) {
    EXPECT_EQ(status(req(kRemove).str("/keep/k.txt")), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kRename).str("/keep/k.txt").str("/keep/k2.txt")),
              SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kRmdir).str("/keep")), SSH_FX_PERMISSION_DENIED);
    EXPECT_TRUE(fs::exists(dir_ / "root" / "keep" / "k.txt"));
    // Writing is allowed there.
    const auto h = open("/keep/new.txt", kWriteFlag | kCreat | kTrunc);
    ASSERT_NE(h, "");
    EXPECT_EQ(close(h), SSH_FX_OK);
    // Outside any rule, everything is.
    EXPECT_EQ(status(req(kMkdir).str("/free").attrs({})), SSH_FX_OK);
    EXPECT_EQ(status(req(kRmdir).str("/free")), SSH_FX_OK);
}

TEST_F(PermissionsTest, LinksAndMovesMayNotWidenWhatTheRulesAllow) {
    auto ext = [&](std::string_view name, std::string_view a, std::string_view b) {
        return status(req(200).str(name).str(a).str(b));
    };
    // A read-only file linked or symlinked into a full-access folder would become writable.
    EXPECT_EQ(ext("hardlink@openssh.com", "/ro/a.txt", "/a-link.txt"), SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(status(req(kSymlink).str("ro/a.txt").str("/a-sym.txt")), SSH_FX_PERMISSION_DENIED);
    EXPECT_FALSE(fs::exists(dir_ / "root" / "a-link.txt"));
    // Within the same rules, links and moves work.
    std::ofstream(dir_ / "root" / "free.txt") << "free";
    EXPECT_EQ(ext("hardlink@openssh.com", "/free.txt", "/free-link.txt"), SSH_FX_OK);
    EXPECT_EQ(status(req(kSymlink).str("free.txt").str("/free-sym.txt")), SSH_FX_OK);
    EXPECT_EQ(ext("posix-rename@openssh.com", "/free.txt", "/moved.txt"), SSH_FX_OK);
    // Into a narrower folder is fine where it may write; out of a no-delete one is not.
    EXPECT_EQ(ext("posix-rename@openssh.com", "/moved.txt", "/keep/moved.txt"), SSH_FX_OK);
    EXPECT_EQ(ext("posix-rename@openssh.com", "/keep/moved.txt", "/back.txt"),
              SSH_FX_PERMISSION_DENIED);
    EXPECT_EQ(ext("posix-rename@openssh.com", "/free-link.txt", "/ro/in.txt"),
              SSH_FX_PERMISSION_DENIED);
    EXPECT_TRUE(fs::exists(dir_ / "root" / "free-link.txt"));
}

TEST_F(PermissionsTest, CopyingOutOfAWriteOnlyHandleIsReading) {
    const auto from = open("/drop/in.txt", kWriteFlag | kCreat | kTrunc);
    ASSERT_NE(from, "");
    EXPECT_EQ(write(from, 0, "secret"), SSH_FX_OK);
    const auto to = open("/copy.txt", kWriteFlag | kCreat | kTrunc);
    ASSERT_NE(to, "");
    EXPECT_EQ(status(req(200).str("copy-data").str(from).u64(0).u64(0).str(to).u64(0)),
              SSH_FX_PERMISSION_DENIED);
}

TEST_F(PermissionsTest, RefusalsAreAuditedAsFailedOperations) {
    status(req(kRemove).str("/ro/a.txt"));
    open("/drop/in.txt", kRead);
    status(req(kOpendir).str("/nolist"));
    const auto entries = denied();
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].action, "list");  // newest first
    EXPECT_EQ(entries[0].path, "/nolist");
    EXPECT_EQ(entries[1].action, "read");
    EXPECT_EQ(entries[2].action, "destroy");
    EXPECT_EQ(entries[2].path, "/ro/a.txt");
}

TEST_F(PermissionsTest, AtomicUploadsHideAFileUntilItIsClosed) {
    const auto h = open("/up.txt", kWriteFlag | kCreat | kTrunc);
    ASSERT_NE(h, "");
    EXPECT_EQ(write(h, 0, "part"), SSH_FX_OK);
    EXPECT_FALSE(fs::exists(dir_ / "root" / "up.txt"));
    EXPECT_EQ(close(h), SSH_FX_OK);
    EXPECT_EQ(slurp(dir_ / "root" / "up.txt"), "part");
}

TEST_F(PermissionsTest, WithoutAtomicUploadsTheFinalNameGrowsAsDataArrives) {
    vfs::FileRules rules;
    rules.atomic_uploads = false;
    start(std::move(rules));
    std::ofstream(dir_ / "root" / "up.txt") << "old content, longer";
    const auto h = open("/up.txt", kWriteFlag | kCreat | kTrunc);
    ASSERT_NE(h, "");
    EXPECT_EQ(slurp(dir_ / "root" / "up.txt"), "");  // truncated in place
    EXPECT_EQ(write(h, 0, "part"), SSH_FX_OK);
    EXPECT_EQ(slurp(dir_ / "root" / "up.txt"), "part");
    for (const auto& e : fs::directory_iterator(dir_ / "root"))
        EXPECT_NE(e.path().filename().string().rfind(".drawbridge-upload-", 0), 0u) << e.path();
    EXPECT_EQ(close(h), SSH_FX_OK);
    EXPECT_EQ(slurp(dir_ / "root" / "up.txt"), "part");
}

}  // namespace
}  // namespace drawbridge::sftp
