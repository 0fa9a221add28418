// Password hashes checked against vectors made by tools nobody here wrote. Each vector names
// the command that made it, for the password "Imported#Pass1".
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "core/password_hash.h"

namespace drawbridge::core {
namespace {

constexpr const char* kPw = "Imported#Pass1";

struct Vector {
    const char* command;
    const char* hash;
    HashFormat format;
};

const Vector kVectors[] = {
    {"openssl passwd -1 -salt abcdefgh", "$1$abcdefgh$dT3Ae22k1J20TdRgS6P7t/",
     HashFormat::md5_crypt},
    {"openssl passwd -5 -salt abcdefghijklmnop",
     "$5$abcdefghijklmnop$nnkdf7lNkNtB9hM28Yiv3sTjBq/D6e8CmyJRDv3sjg2", HashFormat::sha256_crypt},
    {"openssl passwd -6 -salt abcdefghijklmnop",
     "$6$abcdefghijklmnop$clio5.buYctacycPL2/wgxRgWSS9ZU2P94qwjxj78ql5Z/prZOr4dISUDJdzZ0l/"
     "hPPYlsLj5KoiJyOIAX6RA.",
     HashFormat::sha512_crypt},
    {"mkpasswd -m sha512crypt -R 5000 -S saltsaltsalt",
     "$6$rounds=5000$saltsaltsalt$u3U8CWQNq59uazUwF/"
     "2Op64rpRLL7U.4PqUrRBjY65C4ojSSkrdYlpEB4tkBS2I9T1C5ExGJH9OgZbwvO7Cev.",
     HashFormat::sha512_crypt},
    {"mkpasswd -m sha256crypt -R 12345 -S shortsalt",
     "$5$rounds=12345$shortsalt$nxNUE6pP8YECT8aOGfYyOhKE8J2yMURo9RKJ.NPAxV1",
     HashFormat::sha256_crypt},
    {"mkpasswd -m descrypt -S ab", "abQYbuoeyDDkE", HashFormat::des_crypt},
    {"mkpasswd -m bcrypt -R 5", "$2b$05$kSCuOtrxkqz0wgpUzffyjutdCwoO7P5PvWiwRjWmmhpVyJSiZhLwq",
     HashFormat::bcrypt},
    {"mkpasswd -m yescrypt",
     "$y$j9T$j0.x6dIidGmBrnzC/KhpZ1$cq5gTgzdXWDRujJgcnsK.LF5Ndgjxey18NLdhirxjs8",
     HashFormat::yescrypt},
    {"python3 hashlib.md5(pw).hexdigest()", "82c9152e56d0f0642099ef55945b05a2",
     HashFormat::raw_md5},
    {"python3 hashlib.sha1(pw).hexdigest()", "de4f748493872b1b257965b26291db568b9477c0",
     HashFormat::raw_sha1},
    {"python3 hashlib.sha256(pw).hexdigest() (upper-cased)",
     "3FE6C53727FDD1F026FAECFD425245A09763BAA771244AC20E13DEC5C29928F8", HashFormat::raw_sha256},
    {"python3 hashlib.sha512(pw).hexdigest()",
     "849fb242d39a7dc2b70c2687dbe715db4bde9430780a4fe4223bc5e6a35bec66dca8dcd9744258ebc55e333ed73d5"
     "a5ec"
     "174e65e48efcc552813703027c64653",
     HashFormat::raw_sha512},
    {"python3 hashlib.sha256(pw + b'pepper').hexdigest() + ':pepper'",
     "8451bebbee9afa8632a4126fd12a36dacab9883f1e6dfc93171cef8b7b3f74a4:pepper",
     HashFormat::salted_sha256},
    {"python3 hashlib.md5(b'pepper' + pw).hexdigest() + ':pepper'",
     "3b65e08bc2178cda571ae421f5ea04ff:pepper", HashFormat::salted_md5},
    {"python3 hashlib.sha512(pw + b'NaCl').hexdigest() + ':NaCl'",
     "9f254d4ebf13f667b0b0e7c547e27d12855bc3ea8fb64bb03306851cb52d3c77f54e660b9600f66e4a0c92e69c194"
     "a"
     "93fc4dfca7b6b220eb213cc0029d114768:NaCl",
     HashFormat::salted_sha512},
    {"python3 django-style from hashlib.pbkdf2_hmac('sha256', pw, b'djangosalt', 3000)",
     "pbkdf2_sha256$3000$djangosalt$x1Mprg4ftubN5mOxRTtx9jR+oiwwzeQA6eTTDXMWuCY=",
     HashFormat::pbkdf2_django},
    {"python3 django-style from hashlib.pbkdf2_hmac('sha1', pw, b'djangosalt', 3000)",
     "pbkdf2_sha1$3000$djangosalt$id3k4A82M/37vkzOnPXBg9m7TKk=", HashFormat::pbkdf2_django},
    {"python3 PHC string from hashlib.pbkdf2_hmac('sha256', pw, b'phcsalt1phcsalt1', 4000)",
     "$pbkdf2-sha256$i=4000,l=32$cGhjc2FsdDFwaGNzYWx0MQ$HuD+Gwi2tlrWDk9PiJ4BeVJNbte4SZEgBTWbk/"
     "isETs",
     HashFormat::pbkdf2_phc},
    {"passlib pbkdf2_sha256.using(rounds=2000).hash(pw)",
     "$pbkdf2-sha256$2000$B.Bcaw0hJKTUuheCMGYMQQ$JMMVaL5wTMMbXO5CtnL7rPgBANC.gDJQepODriRrZv0",
     HashFormat::native_pbkdf2_sha256},
    {"passlib pbkdf2_sha1.using(rounds=2000).hash(pw)",
     "$pbkdf2$2000$SQkhhLC2lnKOsTYmZEyJMQ$taAWHOJ75yxWxRajiq10sXz69bw", HashFormat::pbkdf2_passlib},
    {"passlib pbkdf2_sha512.using(rounds=2000).hash(pw)",
     "$pbkdf2-sha512$2000$D6HUmjMmpPSes/Y.B6BUyg$n4lcMvaIbmY2OkN8l7WJh8MO.HJPUpPH/"
     "gyw6o4DOfH5U.gioStpbZFKl3DU3/BITfopOTEeUvrPGFGK13ot8w",
     HashFormat::pbkdf2_passlib},
};

TEST(HashVectors, EveryFormatIsDetectedAndVerified) {
    for (const auto& v : kVectors) {
        SCOPED_TRACE(v.command);
        const auto inspection = inspect_hash(v.hash);
        ASSERT_TRUE(inspection.format) << inspection.error;
        EXPECT_EQ(*inspection.format, v.format);
        const auto good = verify_password(kPw, v.hash, 2000);
        EXPECT_TRUE(good.match);
        // Only a native hash with the configured cost is kept as it is.
        EXPECT_EQ(good.needs_rehash, v.format != HashFormat::native_pbkdf2_sha256);
        EXPECT_FALSE(verify_password("imported#pass1", v.hash, 2000).match);
        EXPECT_FALSE(verify_password("", v.hash, 2000).match);
    }
}

TEST(HashVectors, NativeHashesCarryTheirCostAndRehashWhenItChanges) {
    const auto h = hash_password(kPw, 1000);
    EXPECT_TRUE(h.starts_with("$pbkdf2-sha256$1000$"));
    EXPECT_TRUE(is_native_hash(h));
    EXPECT_NE(h, hash_password(kPw, 1000));  // random salt
    EXPECT_TRUE(verify_password(kPw, h, 1000).match);
    EXPECT_FALSE(verify_password(kPw, h, 1000).needs_rehash);
    EXPECT_TRUE(verify_password(kPw, h, 600000).needs_rehash);
    EXPECT_FALSE(verify_password("Imported#Pass2", h, 1000).match);
    const std::string unicode = "p\xC3\xA4ssw\xC3\xB6rd-\xE2\x82\xAC";
    EXPECT_TRUE(verify_password(unicode, hash_password(unicode, 1000), 1000).match);
    const std::string with_nul("ab\0cd", 5);
    EXPECT_FALSE(verify_password(std::string("ab"), hash_password(with_nul, 1000), 1000).match);
}

// Our native hashes must verify in passlib, an implementation nobody here wrote.
TEST(HashVectors, PasslibVerifiesOurHashes) {
    if (std::system("/usr/bin/python3 -c 'import passlib' 2>/dev/null") != 0)
        GTEST_SKIP() << "python3-passlib is not installed";
    const auto h = hash_password(kPw, 1234);
    const std::string cmd =
        "/usr/bin/python3 -c \"import sys; from passlib.hash import pbkdf2_sha256; "
        "print(pbkdf2_sha256.verify(sys.argv[1], sys.argv[2]))\" '" +
        std::string(kPw) + "' '" + h + "'";
    std::unique_ptr<FILE, decltype(&pclose)> p(popen(cmd.c_str(), "r"), pclose);
    ASSERT_TRUE(p);
    char buf[16] = {};
    ASSERT_TRUE(std::fgets(buf, sizeof buf, p.get()));
    EXPECT_STREQ(buf, "True\n");
}

TEST(HashVectors, MalformedHashesSayWhatIsWrong) {
    const std::pair<const char*, const char*> cases[] = {
        {"", "the hash is empty"},
        {"$6$abcdefghijklmnop$short", "sha512-crypt ($6$) hash: checksum must be 86 characters"},
        {"$5$rounds=10$salt$nnkdf7lNkNtB9hM28Yiv3sTjBq/D6e8CmyJRDv3sjg2",
         "rounds=10 out of range 1000-999999999"},
        {"$1$toolongsalt$dT3Ae22k1J20TdRgS6P7t/", "salt must be 1 to 8 characters"},
        {"$1$abcdefgh", "expected $1$<salt>$<checksum>"},
        {"$2b$99$kSCuOtrxkqz0wgpUzffyjutdCwoO7P5PvWiwRjWmmhpVyJSiZhLwq",
         "cost must be from 04 to 31"},
        {"$2b$05$short", "expected $2b$<cost>$"},
        {"$y$j9T$salt$short", "checksum must be 43 characters"},
        {"$argon2id$v=19$m=65536$x$y", "unrecognised hash format '$argon2id$'"},
        {"82c9152e56d0f0642099ef55945b05a", "hex digest of 31 characters matches no algorithm"},
        {"82c9152e56d0f0642099ef55945b05a2:", "the salt after ':' is empty"},
        {"zz:salt", "the part before ':' must be a hex digest"},
        {"$pbkdf2-sha256$0$B.Bcaw0hJKTUuheCMGYMQQ$JMMVaL5wTMMbXO5CtnL7rPgBANC.gDJQepODriRrZv0",
         "iteration count '0'"},
        {"$pbkdf2-sha256$2000$B.Bcaw0hJKTUuheCMGYMQQ$JMMVaL5wTMMb",
         "checksum must decode to 32 bytes"},
        {"$pbkdf2-sha256$2000$only", "found 3 fields"},
        {"$pbkdf2-sha256$i=4000,x=1$c2FsdA$aGFzaA", "unknown parameter 'x=1'"},
        {"pbkdf2_sha256$abc$salt$x1Mp", "iteration count 'abc'"},
        {"hello world", "contains white space"},
        {"not-a-hash", "unrecognised hash format"},
    };
    for (const auto& [hash, message] : cases) {
        const auto r = inspect_hash(hash);
        EXPECT_FALSE(r.format) << hash;
        EXPECT_NE(r.error.find(message), std::string::npos) << hash << " -> " << r.error;
        EXPECT_FALSE(verify_password(kPw, hash, 1000).match);
    }
}

}  // namespace
}  // namespace drawbridge::core
