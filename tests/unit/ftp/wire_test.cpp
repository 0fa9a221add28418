#include "ftp/wire.h"

#include <gtest/gtest.h>

#include "core/failure_reason.h"
#include "ftp/replies.h"

namespace drawbridge::ftp {
namespace {

TEST(FtpWire, ParsesCommandsAndDropsTelnetInterrupts) {
    auto c = parse_command("retr my file.txt\r\n");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->verb, "RETR");
    EXPECT_EQ(c->arg, "my file.txt");
    c = parse_command(
        "\xff\xf4\xff\xf2"
        "ABOR\r\n");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->verb, "ABOR");
    EXPECT_FALSE(parse_command("\r\n"));
    EXPECT_EQ(parse_command("NOOP")->arg, "");
}

TEST(FtpWire, PortAndEprtArguments) {
    auto hp = parse_port_arg("127,0,0,1,4,1");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->ip, "127.0.0.1");
    EXPECT_EQ(hp->port, 1025);
    EXPECT_FALSE(parse_port_arg("127,0,0,1,4"));
    EXPECT_FALSE(parse_port_arg("127,0,0,1,4,256"));
    EXPECT_FALSE(parse_port_arg("127,0,0,1,4,1,9"));
    hp = parse_eprt_arg("|2|::1|6275|");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->ip, "::1");
    EXPECT_EQ(hp->port, 6275);
    EXPECT_TRUE(parse_eprt_arg("!1!10.0.0.1!21!"));
    EXPECT_FALSE(parse_eprt_arg("|1|::1|21|"));  // an IPv6 address under protocol 1
    EXPECT_FALSE(parse_eprt_arg("|3|10.0.0.1|21|"));
    EXPECT_FALSE(parse_eprt_arg("|1|10.0.0.1|70000|"));
    EXPECT_EQ(pasv_reply("10.1.2.3", 1025), "227 Entering Passive Mode (10,1,2,3,4,1).");
}

TEST(FtpWire, TimesAndQuotes) {
    EXPECT_EQ(format_time(1600000000), "20200913122640");
    EXPECT_EQ(parse_time("20200913122640"), 1600000000);
    EXPECT_EQ(parse_time("20200913122640.123"), 1600000000);
    EXPECT_FALSE(parse_time("2020091312264"));
    EXPECT_FALSE(parse_time("20201313122640"));
    EXPECT_EQ(quote_path("/a \"b\""), "\"/a \"\"b\"\"\"");
}

TEST(FtpWire, ListingLines) {
    struct stat st {};
    st.st_mode = S_IFREG | 0644;
    st.st_nlink = 1;
    st.st_size = 1234;
    st.st_mtime = 1600000000;
    EXPECT_EQ(list_line("f.txt", st, 1600000000 + 60),
              "-rw-r--r--   1 ftp      ftp              1234 Sep 13 12:26 f.txt\r\n");
    EXPECT_EQ(list_line("f.txt", st, 1700000000),
              "-rw-r--r--   1 ftp      ftp              1234 Sep 13  2020 f.txt\r\n");
    // A name with control characters (made on disk) cannot end the line or forge another.
    EXPECT_EQ(list_line("inj\r\n213 x\x1b\x7f\\", st, 1700000000),
              "-rw-r--r--   1 ftp      ftp              1234 Sep 13  2020 "
              "inj\\x0d\\x0a213 x\\x1b\\x7f\\\r\n");
    EXPECT_EQ(mlsx_facts(st),
              "type=file;size=1234;modify=20200913122640;perm=adfrw;unix.mode=0644;");
    st.st_mode = S_IFDIR | 0755;
    EXPECT_EQ(mlsx_facts(st), "type=dir;modify=20200913122640;perm=flcdmpe;unix.mode=0755;");
    // What the folder permissions allow: a write-only drop box, a read-only folder.
    const auto write_only = core::PermissionSet::none().with(core::Permission::write);
    EXPECT_EQ(mlsx_facts(st, write_only),
              "type=dir;modify=20200913122640;perm=cme;unix.mode=0755;");
    st.st_mode = S_IFREG | 0644;
    const auto read_only =
        core::PermissionSet::none().with(core::Permission::list).with(core::Permission::read);
    EXPECT_EQ(mlsx_facts(st, read_only),
              "type=file;size=1234;modify=20200913122640;perm=r;unix.mode=0644;");
    EXPECT_EQ(mlsx_facts(st, write_only),
              "type=file;size=1234;modify=20200913122640;perm=aw;unix.mode=0644;");
    EXPECT_EQ(list_path_arg("-la"), "");
    EXPECT_EQ(list_path_arg("-la docs"), "docs");
    EXPECT_EQ(list_path_arg("docs"), "docs");
}

TEST(FtpReplies, EveryFailureReasonHasWording) {
    for (const auto& row : core::all_failure_reasons()) {
        EXPECT_EQ(ftp_wording(row.reason).reason, row.reason);
        EXPECT_FALSE(ftp_wording(row.reason).text.empty()) << row.failure_type;
        EXPECT_TRUE(login_refusal(row.reason, "h").starts_with("530 "));
    }
    EXPECT_EQ(login_refusal(core::FailureReason::region_mismatch, "files.example.com"),
              "530 Lockout Region Mismatch: Your account must login using a different server, "
              "https://files.example.com.");
    // A client cannot tell an unknown name from a wrong password.
    EXPECT_EQ(login_refusal(core::FailureReason::username_not_found, "h"),
              login_refusal(core::FailureReason::password_mismatch, "h"));
}

}  // namespace
}  // namespace drawbridge::ftp
