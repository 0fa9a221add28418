// Native and imported password hashes, checked against strings made by tools nobody here wrote
// (OpenSSL, Debian's mkpasswd, Python's hashlib, passlib). Every vector names the command that
// made it; those without a fixed salt give another string on each run, any of which verifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/password_hash.h"

namespace drawbridge::core {
namespace {

constexpr const char* kPw = "Tr0ub4dor&3";
// "pässwörd€" in UTF-8, as the shell handed it to each tool.
constexpr const char* kUnicodePw = "p\xC3\xA4ssw\xC3\xB6rd\xE2\x82\xAC";

struct Vector {
    const char* hash;
    HashFormat format;
    const char* password;
    // A native hash of 1000 iterations: the only kind verify_password(..., 1000) keeps as is.
    bool native_1000 = false;
};

// clang-format off
const Vector kVectors[] = {
    // openssl passwd -1 -salt 3xYz9QaB 'Tr0ub4dor&3'
    {"$1$3xYz9QaB$8wy/gz.pVsH/VUr6V5fSR1", HashFormat::md5_crypt, kPw},
    // openssl passwd -1 -salt '' 'Tr0ub4dor&3'
    {"$1$$eSnxjVi2L4bxmGsHXnbD01", HashFormat::md5_crypt, kPw},
    // mkpasswd -m md5crypt -S Fg6Hi7Jk 'Tr0ub4dor&3'
    {"$1$Fg6Hi7Jk$7X4rYvP5as4Womv3UOkFr0", HashFormat::md5_crypt, kPw},
    // mkpasswd -m md5crypt -S Qw2Er3Ty 'pässwörd€'
    {"$1$Qw2Er3Ty$izb7kOZP97O6qAaSmto3m1", HashFormat::md5_crypt, kUnicodePw},
    // openssl passwd -5 -salt Kz8pQ1vR7sT2uW4x 'Tr0ub4dor&3'
    {"$5$Kz8pQ1vR7sT2uW4x$QWTQu041fCMOaoF1zbn2kcygGdugC3rRCPvaT2GKsAC", HashFormat::sha256_crypt, kPw},
    // mkpasswd -m sha256crypt -S Uv1Wx2Yz3Ab4Cd5E 'Tr0ub4dor&3'
    {"$5$Uv1Wx2Yz3Ab4Cd5E$t6k.pxormKw99ye2Wqapd5lyvjrVsmXepfZGseHOUG7", HashFormat::sha256_crypt, kPw},
    // mkpasswd -m sha256crypt -R 1000 -S Op8Qr9St 'Tr0ub4dor&3'
    {"$5$rounds=1000$Op8Qr9St$6lAAZq2G1fQBlJWNxSYgXqAGDrn/onorAsXekj70CI9", HashFormat::sha256_crypt, kPw},
    // openssl passwd -6 -salt Lm3nO5pQ7rS9tU1v 'Tr0ub4dor&3'
    {"$6$Lm3nO5pQ7rS9tU1v$FdIOuQjQuDW7oO8ZWY74YKlUFts9tllPzJo1dFEACPtBBKtUcSaGGfpOX0PTcT3.Od1TH1nrnvfEbXO3izBMS0", HashFormat::sha512_crypt, kPw},
    // openssl passwd -6 -salt 'rounds=10000$Ab1Cd2Ef' 'Tr0ub4dor&3'
    {"$6$rounds=10000$Ab1Cd2Ef$O6/U2A4BIZp38/ohr3lJWTZ5vBWWlOlfsbB8F/A3aWJQwYNylcdeb0F2TvxlBNaOsXk7ZXrBtkF.mvqO.08fJ.", HashFormat::sha512_crypt, kPw},
    // mkpasswd -m sha512crypt -R 10000 -S Gh4Ij5Kl6Mn7 'Tr0ub4dor&3'
    {"$6$rounds=10000$Gh4Ij5Kl6Mn7$INYJq34KXW8jzFuibtgWKd4.L5s/vn1a4YuPYQN04qccQylO5npgjEYDm5y1LXFZrxarKXfwDwv4dy4cMVuR21", HashFormat::sha512_crypt, kPw},
    // openssl passwd -6 -salt Zx9Cv8Bn7Mm6Ll5K 'pässwörd€'
    {"$6$Zx9Cv8Bn7Mm6Ll5K$.wO1Vxl.Y1ra6dk5zBdWtlEjaiqkopKa7L5udsKPMGOi0zPR.Crd3ON.fnxgKERf7izj.siKdpE1VrEHMgo9r0", HashFormat::sha512_crypt, kUnicodePw},
    // mkpasswd -m descrypt -S q7 'Tr0ub4dor&3'
    {"q7s1rQCntKHF.", HashFormat::des_crypt, kPw},
    // mkpasswd -m descrypt -S Zz 'pässwörd€'
    {"ZzwM.07XybWK6", HashFormat::des_crypt, kUnicodePw},
    // mkpasswd -m bcrypt -R 5 -S Mn0Op1Qr2St3Uv4Wx5Yz6. 'Tr0ub4dor&3'
    {"$2b$05$Mn0Op1Qr2St3Uv4Wx5Yz6.xpL3SiEHj6RTt6Al22aZW8UlwG6QPGS", HashFormat::bcrypt, kPw},
    // mkpasswd -m bcrypt -R 5 -S Ab1Cd2Ef3Gh4Ij5Kl6Mn7O 'pässwörd€'
    {"$2b$05$Ab1Cd2Ef3Gh4Ij5Kl6Mn7OAftq1cnusZixm/Uf/OP.nQ.KFY7hZbq", HashFormat::bcrypt, kUnicodePw},
    // /usr/bin/python3 -c 'from passlib.hash import bcrypt; print(bcrypt.using(ident="2y", rounds=4, salt="Pq7Rs8Tu9Vw0Xy1Za2Bc3O").hash("Tr0ub4dor&3"))'
    {"$2y$04$Pq7Rs8Tu9Vw0Xy1Za2Bc3OKfU1vs141Gb52QTiaW3eMxAk2wgGsfe", HashFormat::bcrypt, kPw},
    // /usr/bin/python3 -c 'from passlib.hash import bcrypt; print(bcrypt.using(ident="2a", rounds=4, salt="De4Fg5Hi6Jk7Lm8No9Pq0e").hash("Tr0ub4dor&3"))'
    {"$2a$04$De4Fg5Hi6Jk7Lm8No9Pq0epSvSrUhzXCoB0DyqtrB892G.mq5D.2e", HashFormat::bcrypt, kPw},
    // mkpasswd -m yescrypt 'Tr0ub4dor&3'
    {"$y$j9T$8SWLDvqHR8AwCbSXWlFmd1$5LKmj1pZSNMotSK9lJH8Fktpnw10LBJKcEMIR/YqjF/", HashFormat::yescrypt, kPw},
    // mkpasswd -m yescrypt -R 3 'Tr0ub4dor&3'
    {"$y$j7T$v/DPJm.r9gYGgUYJRzuKu1$cN1.jQJrOjxJL11jVaFWjMohSTiWJ.4I6ymGUn085T1", HashFormat::yescrypt, kPw},
    // mkpasswd -m yescrypt 'pässwörd€'
    {"$y$j9T$JfCJ4uUT6gjsbTR3kgUxg.$dLcy8ZkSYPAy.xP.kA6851Rjy6OjKqRZgPov069wtU3", HashFormat::yescrypt, kUnicodePw},

    // /usr/bin/python3 -c 'import hashlib; print(hashlib.md5(b"Tr0ub4dor&3").hexdigest())'
    {"4ece57a61323b52ccffdbef021956754", HashFormat::raw_md5, kPw},
    // /usr/bin/python3 -c 'import hashlib; print(hashlib.md5("pässwörd€".encode()).hexdigest())'
    {"3ab2c1301b7f469bd663e7e45529020a", HashFormat::raw_md5, kUnicodePw},
    // /usr/bin/python3 -c 'import hashlib; print(hashlib.sha1(b"Tr0ub4dor&3").hexdigest())'
    {"874572e7a5ae6a49466a6ac578b98adba78c6aa6", HashFormat::raw_sha1, kPw},
    // /usr/bin/python3 -c 'import hashlib; print(hashlib.sha1(b"Tr0ub4dor&3").hexdigest().upper())'
    {"874572E7A5AE6A49466A6AC578B98ADBA78C6AA6", HashFormat::raw_sha1, kPw},
    // /usr/bin/python3 -c 'import hashlib; print(hashlib.sha256(b"Tr0ub4dor&3").hexdigest())'
    {"48486e1514e842346ff405b1e45f44059ae82619f2306f99d0940dcb386e91f7", HashFormat::raw_sha256, kPw},
    // /usr/bin/python3 -c 'import hashlib; print(hashlib.sha512(b"Tr0ub4dor&3").hexdigest())'
    {"c72bb621c7040cf4b6474063a9a7972690e252f35adbe7cfaff5b1ee2316efe7382e723d41e013a2bfbc33c3007c50c5847d21a889cce838536eac727808de40", HashFormat::raw_sha512, kPw},

    // hash:salt, salt after the password, then before it (a salt may itself hold ':').
    // /usr/bin/python3 -c 'import hashlib; s = b"NaCl-md5"; print(hashlib.md5(b"Tr0ub4dor&3" + s).hexdigest() + ":" + s.decode())'
    {"f0957ee3af5afc4f5b34ec516feba755:NaCl-md5", HashFormat::salted_md5, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"pfx:md5"; print(hashlib.md5(s + b"Tr0ub4dor&3").hexdigest() + ":" + s.decode())'
    {"abd21a01748d9fb065784e7940e91073:pfx:md5", HashFormat::salted_md5, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"NaCl-sha1"; print(hashlib.sha1(b"Tr0ub4dor&3" + s).hexdigest() + ":" + s.decode())'
    {"49fd79b69926b9c6ae6c0767cce8ae7330329504:NaCl-sha1", HashFormat::salted_sha1, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"pfx:sha1"; print(hashlib.sha1(s + b"Tr0ub4dor&3").hexdigest() + ":" + s.decode())'
    {"5b54b505dede5f09cec628eba429dae7b6e23303:pfx:sha1", HashFormat::salted_sha1, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"NaCl-sha256"; print(hashlib.sha256(b"Tr0ub4dor&3" + s).hexdigest() + ":" + s.decode())'
    {"f76c989ec36c97fa766c3994e46259223507ab85cc71395da4cc7a11dbd8cc8b:NaCl-sha256", HashFormat::salted_sha256, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"pfx:sha256"; print(hashlib.sha256(s + b"Tr0ub4dor&3").hexdigest() + ":" + s.decode())'
    {"086d9f74a55334363be30302bbe08ad1d9094a0448f1faa6a478b0c379f79a31:pfx:sha256", HashFormat::salted_sha256, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"NaCl-sha512"; print(hashlib.sha512(b"Tr0ub4dor&3" + s).hexdigest() + ":" + s.decode())'
    {"647d5a14829d49210eaf0e9f9de35b2446b6be0e7b7ee08a2b0b040806dd1ca98a96f0e0b3f7284929e7d4dcd97fd5418f7566961fda45257f8aec85fb7927cf:NaCl-sha512", HashFormat::salted_sha512, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"pfx:sha512"; print(hashlib.sha512(s + b"Tr0ub4dor&3").hexdigest() + ":" + s.decode())'
    {"befeb858bf4f590cce954b7ab54eb5e886178e67ec2a0607bc80f5da599614e50c5b3b4ef6f23d2e1ca3de62fac35bfe49992a19daa29914233f7202eab4b6e6:pfx:sha512", HashFormat::salted_sha512, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = b"a salt $ with: spaces"; print(hashlib.sha256(s + b"Tr0ub4dor&3").hexdigest().upper() + ":" + s.decode())'
    {"85D66DDBCAC27F6C69481F2E7FEE12D968B53B009B2A877D1FD7B7C0845B1102:a salt $ with: spaces", HashFormat::salted_sha256, kPw},
    // /usr/bin/python3 -c 'import hashlib; s = "sälz".encode(); print(hashlib.sha256("pässwörd€".encode() + s).hexdigest() + ":" + s.decode())'
    {"4e821744f7b566744b07b34455542dcc0576bee80e41979058e9ebfdbc7792af:s\xC3\xA4lz", HashFormat::salted_sha256, kUnicodePw},

    // /usr/bin/python3 -c 'from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=1000, salt=b"sixteen byte slt").hash("Tr0ub4dor&3"))'
    {"$pbkdf2-sha256$1000$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0", HashFormat::native_pbkdf2_sha256, kPw, true},
    // /usr/bin/python3 -c 'from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=1500).hash("Tr0ub4dor&3"))'
    {"$pbkdf2-sha256$1500$lBLifA.htHZOSamVcg5BaA$PppIgqNXY.OMPF8QHJnakdQtIAKgjWIv1gn8TltwrUQ", HashFormat::native_pbkdf2_sha256, kPw},
    // /usr/bin/python3 -c 'from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=1000, salt_size=0).hash("Tr0ub4dor&3"))'
    {"$pbkdf2-sha256$1000$$Xb/msgkjnvySA.B5nLjdDkVqEo06pfD4aUfe3QDUXJQ", HashFormat::native_pbkdf2_sha256, kPw, true},
    // /usr/bin/python3 -c 'from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=1000).hash("pässwörd€"))'
    {"$pbkdf2-sha256$1000$nZNyrjXGeA.BUAqhtLb2Pg$1VNQ3MO9v/CNVdwCFg7FR8ZSmi4RK1MMzyfE5kNK1TU", HashFormat::native_pbkdf2_sha256, kUnicodePw, true},
    // /usr/bin/python3 -c 'from passlib.hash import pbkdf2_sha1; print(pbkdf2_sha1.using(rounds=1000).hash("Tr0ub4dor&3"))'
    {"$pbkdf2$1000$L2VsbW2NkZKSUqp1jlHqnQ$nn7TIlmi4F7EbWBSp7IUMhtYejc", HashFormat::pbkdf2_passlib, kPw},
    // /usr/bin/python3 -c 'from passlib.hash import pbkdf2_sha512; print(pbkdf2_sha512.using(rounds=1000).hash("Tr0ub4dor&3"))'
    {"$pbkdf2-sha512$1000$vzemlHJuLaU05hzjPEeoFQ$g.mGtMCVlRqmv8cBcXfKk0ni6Sg/m/U978rIhsN.n9kpDnz5q1ym1lwivtUIPlwK/YG40iRqFg.Pk82ouflWiA", HashFormat::pbkdf2_passlib, kPw},
    // /usr/bin/python3 -c 'import hashlib, base64; print("pbkdf2_sha256$1000$Xq3DjangoSalt22chars$" + base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"Tr0ub4dor&3", b"Xq3DjangoSalt22chars", 1000)).decode())'
    {"pbkdf2_sha256$1000$Xq3DjangoSalt22chars$bju2oBLrZFXML+jsqkoPzpG8B2cPwCIbT5lHTKMqnQw=", HashFormat::pbkdf2_django, kPw},
    // /usr/bin/python3 -c 'import hashlib, base64; print("pbkdf2_sha1$1200$OtherSalt$" + base64.b64encode(hashlib.pbkdf2_hmac("sha1", b"Tr0ub4dor&3", b"OtherSalt", 1200)).decode())'
    {"pbkdf2_sha1$1200$OtherSalt$evrLIk03IejYASIYEV8UfG7NK4k=", HashFormat::pbkdf2_django, kPw},
    // /usr/bin/python3 -c 'import hashlib, base64; s = b"phc-salt-16bytes"; b = lambda x: base64.b64encode(x).decode().rstrip("="); print("$pbkdf2-sha256$i=1000,l=32$" + b(s) + "$" + b(hashlib.pbkdf2_hmac("sha256", b"Tr0ub4dor&3", s, 1000)))'
    {"$pbkdf2-sha256$i=1000,l=32$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", HashFormat::pbkdf2_phc, kPw},
    // /usr/bin/python3 -c 'import hashlib, base64; s = b"\xfb\xef\xbe\x00salt"; b = lambda x: base64.b64encode(x).decode().rstrip("="); print("$pbkdf2-sha512$i=1100$" + b(s) + "$" + b(hashlib.pbkdf2_hmac("sha512", b"Tr0ub4dor&3", s, 1100)))'
    {"$pbkdf2-sha512$i=1100$++++AHNhbHQ$eHLVdmQ5pllnhb0TYlafsdI8RyiAYSjItvo/23N51MGJf5vTUGuqaCfJpLUCLXZPx5s+Jah8pDFo9wQmf4NynQ", HashFormat::pbkdf2_phc, kPw},
    // /usr/bin/python3 -c 'import hashlib, base64; s = b"short-output"; b = lambda x: base64.b64encode(x).decode().rstrip("="); print("$pbkdf2-sha256$l=20,i=1000$" + b(s) + "$" + b(hashlib.pbkdf2_hmac("sha256", b"Tr0ub4dor&3", s, 1000, 20)))'
    {"$pbkdf2-sha256$l=20,i=1000$c2hvcnQtb3V0cHV0$ceqwEqs6p+EUOLiVMEQgUuZHZ3o", HashFormat::pbkdf2_phc, kPw},
};
// clang-format on

bool is_pbkdf2(HashFormat f) {
    return f == HashFormat::native_pbkdf2_sha256 || f == HashFormat::pbkdf2_passlib ||
           f == HashFormat::pbkdf2_django || f == HashFormat::pbkdf2_phc;
}

// Wrong guesses that differ from the right password in the ways that matter: one character,
// case, truncation, a trailing byte, emptiness. Two exceptions, both properties of the
// algorithms (see PropertiesOfTheAlgorithmsThemselves): DES crypt reads only the first 8
// bytes, and HMAC pads its key with NULs, so PBKDF2 cannot tell "pw" from "pw\0".
std::vector<std::string> near_misses(std::string pw, HashFormat format) {
    const bool des = format == HashFormat::des_crypt;
    if (des) pw.resize(std::min<std::size_t>(pw.size(), 8));
    std::string last = pw;
    last.back() ^= 1;
    std::string upper = pw;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::vector<std::string> out = {last, upper, pw.substr(0, pw.size() - 1), ""};
    if (!des) out.push_back(pw + "x");
    if (!des && !is_pbkdf2(format)) out.push_back(pw + std::string(1, '\0'));
    return out;
}

struct PcloseDeleter {
    void operator()(FILE* f) const { pclose(f); }
};

// stdout of a shell command, or nullopt when it cannot be run or fails.
std::optional<std::string> run(const std::string& command) {
    std::unique_ptr<FILE, PcloseDeleter> p(popen(command.c_str(), "r"));
    if (!p) return std::nullopt;
    std::string out;
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof buf, p.get())) out.append(buf, n);
    if (pclose(p.release()) != 0) return std::nullopt;
    return out;
}

bool have_passlib() {
    return std::system("/usr/bin/python3 -c 'import passlib' >/dev/null 2>&1") == 0;
}

TEST(PasswordHashVectors, EveryFormatIsDetectedAndVerified) {
    for (const auto& v : kVectors) {
        SCOPED_TRACE(v.hash);
        const auto inspection = inspect_hash(v.hash);
        ASSERT_TRUE(inspection.format) << inspection.error;
        EXPECT_EQ(*inspection.format, v.format);
        EXPECT_TRUE(inspection.error.empty());
        const auto good = verify_password(v.password, v.hash, 1000);
        EXPECT_TRUE(good.match);
        EXPECT_EQ(good.needs_rehash, !v.native_1000);
        EXPECT_EQ(is_native_hash(v.hash), v.format == HashFormat::native_pbkdf2_sha256);
    }
}

TEST(PasswordHashVectors, WrongPasswordsFailForEveryFormat) {
    for (const auto& v : kVectors) {
        SCOPED_TRACE(v.hash);
        for (const auto& wrong : near_misses(v.password, v.format)) {
            const auto r = verify_password(wrong, v.hash, 1000);
            EXPECT_FALSE(r.match) << "password '" << wrong << "'";
            EXPECT_FALSE(r.needs_rehash);
        }
        // The other vectors' password: catches a verifier that ignores the password entirely.
        const std::string other = v.password == std::string(kPw) ? kUnicodePw : kPw;
        EXPECT_FALSE(verify_password(other, v.hash, 1000).match);
    }
}

TEST(PasswordHashVectors, CoverEveryFormat) {
    std::set<HashFormat> seen;
    for (const auto& v : kVectors) seen.insert(v.format);
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(HashFormat::salted_sha512) + 1);
}

TEST(PasswordHash, HexDigestsAreCaseInsensitive) {
    // /usr/bin/python3 -c 'import hashlib; print(hashlib.sha256(b"Tr0ub4dor&3").hexdigest())'
    const std::string lower = "48486e1514e842346ff405b1e45f44059ae82619f2306f99d0940dcb386e91f7";
    std::string upper = lower, mixed = lower;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (std::size_t i = 0; i < mixed.size(); i += 2)
        mixed[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[i])));
    for (const auto& h : {upper, mixed, upper + ":" + "NaCl"}) {
        SCOPED_TRACE(h);
        EXPECT_TRUE(inspect_hash(h).format);
    }
    EXPECT_TRUE(verify_password(kPw, upper, 1000).match);
    EXPECT_TRUE(verify_password(kPw, mixed, 1000).match);
}

TEST(PasswordHash, SaltedPairsTryBothOrdersAndTakeTheSaltVerbatim) {
    // Both from kVectors, which gives the commands that made them.
    const std::string before = "abd21a01748d9fb065784e7940e91073:pfx:md5";
    const std::string after = "f0957ee3af5afc4f5b34ec516feba755:NaCl-md5";
    EXPECT_EQ(inspect_hash(before).format, HashFormat::salted_md5);
    EXPECT_TRUE(verify_password(kPw, before, 1000).match);
    EXPECT_TRUE(verify_password(kPw, after, 1000).match);
    // Only the digest's own salt works: the salt is everything after the first ':'.
    EXPECT_FALSE(verify_password(kPw, "abd21a01748d9fb065784e7940e91073:md5", 1000).match);
    EXPECT_FALSE(verify_password(kPw, "abd21a01748d9fb065784e7940e91073:pfx:md5 ", 1000).match);
    // The salt is not a password: the digest of the salt alone, or of the password alone, fails.
    EXPECT_FALSE(verify_password("", before, 1000).match);
    EXPECT_FALSE(verify_password("pfx:md5", before, 1000).match);
}

TEST(PasswordHash, PasslibHashesAreNative) {
    // From kVectors, which gives the passlib command that made it.
    const std::string h =
        "$pbkdf2-sha256$1000$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0";
    EXPECT_TRUE(is_native_hash(h));
    EXPECT_EQ(inspect_hash(h).format, HashFormat::native_pbkdf2_sha256);
    EXPECT_EQ(ab64_decode("c2l4dGVlbiBieXRlIHNsdA"), "sixteen byte slt");
    const auto same_cost = verify_password(kPw, h, 1000);
    EXPECT_TRUE(same_cost.match);
    EXPECT_FALSE(same_cost.needs_rehash);
    const auto other_cost = verify_password(kPw, h, 2000);
    EXPECT_TRUE(other_cost.match);
    EXPECT_TRUE(other_cost.needs_rehash);
    // The other PBKDF2 families are recognised, but are not ours.
    EXPECT_FALSE(is_native_hash("$pbkdf2$1000$L2VsbW2NkZKSUqp1jlHqnQ$nn7TIlmi4F7EbWBSp7IUMhtYejc"));
    EXPECT_FALSE(
        is_native_hash("$pbkdf2-sha256$i=1000,l=32$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/"
                       "44AaTZPP/Lga/WZAOM"));
    EXPECT_FALSE(is_native_hash("$pbkdf2-sha256$1000$only"));
    EXPECT_FALSE(is_native_hash(""));
}

TEST(PasswordHash, NativeHashesHavePasslibsShape) {
    const auto h = hash_password(kPw, 1000);
    // 16 bytes of salt and 32 of checksum are 22 and 43 ab64 characters.
    EXPECT_TRUE(std::regex_match(
        h, std::regex(R"(\$pbkdf2-sha256\$1000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{43})")))
        << h;
    EXPECT_TRUE(is_native_hash(h));
    EXPECT_EQ(inspect_hash(h).format, HashFormat::native_pbkdf2_sha256);
    const auto salt = ab64_decode(h.substr(20, 22));
    ASSERT_TRUE(salt);
    EXPECT_EQ(salt->size(), 16u);
    EXPECT_EQ(ab64_decode(h.substr(43)),
              crypto::pbkdf2(crypto::Digest::sha256, kPw, *salt, 1000, 32));
    EXPECT_NE(h, hash_password(kPw, 1000));  // a fresh salt every time
    EXPECT_TRUE(hash_password(kPw, 1234).starts_with("$pbkdf2-sha256$1234$"));
}

TEST(PasswordHash, NativeHashesVerifyAndAskForRehashOnlyWhenTheCostChanges) {
    const auto h = hash_password(kPw, 1000);
    const auto same = verify_password(kPw, h, 1000);
    EXPECT_TRUE(same.match);
    EXPECT_FALSE(same.needs_rehash);
    const auto higher = verify_password(kPw, h, 1001);
    EXPECT_TRUE(higher.match);
    EXPECT_TRUE(higher.needs_rehash);
    const auto lower = verify_password(kPw, h, 999);
    EXPECT_TRUE(lower.match);
    EXPECT_TRUE(lower.needs_rehash);
    // A wrong password never asks for a rehash: that would store the attacker's guess.
    for (const auto& wrong : near_misses(kPw, HashFormat::native_pbkdf2_sha256)) {
        const auto r = verify_password(wrong, h, 5000);
        EXPECT_FALSE(r.match);
        EXPECT_FALSE(r.needs_rehash);
    }
    // Imported formats always ask for one after a match, whatever the configured cost.
    const auto imported = verify_password(kPw, "4ece57a61323b52ccffdbef021956754", 1000);
    EXPECT_TRUE(imported.match);
    EXPECT_TRUE(imported.needs_rehash);
}

TEST(PasswordHash, IterationCountIsBounded) {
    EXPECT_THROW(hash_password(kPw, 0), std::invalid_argument);
    EXPECT_THROW(hash_password(kPw, kMaxPbkdf2Iterations + 1), std::invalid_argument);
    EXPECT_EQ(kMaxPbkdf2Iterations, 100000000u);
    EXPECT_TRUE(hash_password(kPw, 1).starts_with("$pbkdf2-sha256$1$"));
}

TEST(PasswordHash, PasswordsAreHashedAsTheirBytes) {
    const std::string unicode = kUnicodePw;
    const auto h = hash_password(unicode, 1000);
    EXPECT_TRUE(verify_password(unicode, h, 1000).match);
    // The same text decomposed (a + U+0308), and in Latin-1: other bytes, so other passwords.
    EXPECT_FALSE(verify_password("pa\xCC\x88ssw\xC3\xB6rd\xE2\x82\xAC", h, 1000).match);
    EXPECT_FALSE(verify_password("p\xE4ssw\xF6rd\x80", h, 1000).match);
    // A NUL is a byte like any other for PBKDF2 and digests...
    const std::string with_nul("ab\0cd", 5);
    const auto n = hash_password(with_nul, 1000);
    EXPECT_TRUE(verify_password(with_nul, n, 1000).match);
    EXPECT_FALSE(verify_password("ab", n, 1000).match);
    // ...while crypt(3) would stop at it and accept "Tr0ub4dor&3\0anything": refused instead.
    const std::string truncated = std::string(kPw) + std::string("\0anything", 9);
    EXPECT_FALSE(verify_password(truncated, "$1$3xYz9QaB$8wy/gz.pVsH/VUr6V5fSR1", 1000).match);
    EXPECT_FALSE(verify_password(truncated, "q7s1rQCntKHF.", 1000).match);
}

TEST(PasswordHash, PropertiesOfTheAlgorithmsThemselves) {
    // DES crypt reads 8 bytes: what follows them is not part of the password.
    EXPECT_TRUE(verify_password("Tr0ub4doXYZ", "q7s1rQCntKHF.", 1000).match);
    // HMAC pads a short key with NULs, so trailing NULs do not change a PBKDF2 result; passlib
    // agrees (the command prints True):
    // clang-format off
    // /usr/bin/python3 -c 'from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.verify(b"Tr0ub4dor&3\0", "$pbkdf2-sha256$1000$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0"))'
    // clang-format on
    const std::string hash =
        "$pbkdf2-sha256$1000$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0";
    EXPECT_TRUE(verify_password(std::string("Tr0ub4dor&3\0\0", 13), hash, 1000).match);
}

TEST(PasswordHash, Ab64IsPasslibsAdaptedBase64) {
    EXPECT_EQ(ab64_encode(""), "");
    EXPECT_EQ(ab64_encode("\xfb\xff"), "./8");
    EXPECT_EQ(ab64_decode("./8"), "\xfb\xff");
    EXPECT_FALSE(ab64_decode("+/8"));   // standard base64's '+' is '.' here
    EXPECT_FALSE(ab64_decode("./8="));  // and there is no padding
    EXPECT_FALSE(ab64_decode("abcde"));
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t len : {0u, 1u, 2u, 3u, 16u, 32u, 256u})
        EXPECT_EQ(ab64_decode(ab64_encode(all.substr(0, len))), all.substr(0, len));
}

// passlib is the reference for ab64 and for the pbkdf2_sha256 string.
TEST(PasswordHash, PasslibAgreesOnAb64) {
    if (!have_passlib()) GTEST_SKIP() << "python3-passlib is not installed";
    std::string all;
    for (int i = 255; i >= 0; --i) all.push_back(static_cast<char>(i));
    const auto out =
        run("/usr/bin/python3 -c 'import sys; from passlib.utils.binary import ab64_encode; "
            "print(ab64_encode(bytes.fromhex(sys.argv[1])).decode())' " +
            crypto::to_hex(all));
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, ab64_encode(all) + "\n");
}

TEST(PasswordHash, PasslibVerifiesOurHashes) {
    if (!have_passlib()) GTEST_SKIP() << "python3-passlib is not installed";
    // Passwords travel as hex so that no shell quoting can alter them.
    const std::string passwords[] = {kPw, kUnicodePw, "it's \"quoted\" $HOME `x`", "",
                                     std::string("nul\0inside", 10)};
    std::string args;
    for (const auto& pw : passwords)
        args += " '" + crypto::to_hex(pw) + "' '" + hash_password(pw, 1000) + "'";
    // Prints, per pair, whether the right password verifies and whether a wrong one does.
    const auto out =
        run("/usr/bin/python3 -c 'import sys; from passlib.hash import pbkdf2_sha256 as p; a = "
            "sys.argv[1:]; [print(p.verify(bytes.fromhex(a[i]), a[i + 1]), "
            "p.verify(bytes.fromhex(a[i]) + b\"!\", a[i + 1])) for i in range(0, len(a), 2)]'" +
            args);
    ASSERT_TRUE(out);
    std::string expected;
    for (std::size_t i = 0; i < std::size(passwords); ++i) expected += "True False\n";
    EXPECT_EQ(*out, expected);
}

// Each case: a malformed hash and the error, or the part of it, that inspect_hash gives.
struct Malformed {
    std::string hash;
    std::string error;
    bool exact = false;
};

const std::string k86(86, 'a');

// clang-format off
const Malformed kMalformed[] = {
    {"", "the hash is empty", true},
    {"4ece57a61323b52ccffdbef021956754\n", "the hash contains a control character (0x0a at offset 32); give it exactly as stored, without line endings", true},
    {std::string("4ece57a6\0", 9), "control character (0x00 at offset 8)"},
    {" 4ece57a61323b52ccffdbef021956754", "the hash contains white space; give it exactly as stored", true},
    {"$1$3xYz9QaB$8wy/gz.pVsH/VUr6V5fSR1 ", "contains white space"},
    {"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "unrecognised hash format '$argon2id$': expected $1$, $5$, $6$, $2a$, $2b$, $2y$, $y$, $pbkdf2$, $pbkdf2-sha256$ or $pbkdf2-sha512$", true},
    {"$7$CU..../....abc$xyz", "unrecognised hash format '$7$'"},
    {"$md5", "unrecognised hash format '$md5'"},
    {"not-a-hash", "unrecognised hash format: not modular crypt"},
    {"q7s1rQCntKH!.", "unrecognised hash format: 13 characters as in DES crypt, but DES crypt uses only [./0-9A-Za-z], got '!' at offset 11", true},
    // crypt(3) family
    {"$6$Lm3nO5pQ7rS9tU1v$" + k86.substr(1), "sha512-crypt ($6$) hash: checksum must be 86 characters of [./0-9A-Za-z], got 85", true},
    {"$6$Lm3nO5pQ7rS9tU1v$" + k86.substr(1) + "-", "sha512-crypt ($6$) hash: checksum must be 86 characters of [./0-9A-Za-z], got '-' at offset 85", true},
    {"$5$rounds=999$Op8Qr9St$6lAAZq2G1fQBlJWNxSYgXqAGDrn/onorAsXekj70CI9", "sha256-crypt ($5$) hash: rounds=999 out of range 1000-999999999", true},
    {"$6$rounds=1000000000$Gh4Ij5Kl6Mn7$" + k86, "rounds=1000000000 out of range 1000-999999999"},
    {"$6$rounds=99999999999999999999999$Gh4Ij5Kl6Mn7$" + k86, "rounds=99999999999999999999999 out of range 1000-999999999"},
    {"$6$rounds=010000$Gh4Ij5Kl6Mn7$" + k86, "rounds=010000 has a leading zero, which crypt never writes"},
    {"$6$rounds=$Gh4Ij5Kl6Mn7$" + k86, "sha512-crypt ($6$) hash: rounds= is not a number", true},
    {"$6$rounds=10000", "sha512-crypt ($6$) hash: rounds=N must be followed by '$'; expected $6$[rounds=N$]<salt>$<checksum>", true},
    {"$5$Kz8pQ1vR7sT2uW4xY$QWTQu041fCMOaoF1zbn2kcygGdugC3rRCPvaT2GKsAC", "sha256-crypt ($5$) hash: salt must be at most 16 characters, got 17 in 'Kz8pQ1vR7sT2uW4xY'", true},
    {"$1$toolongsalt$8wy/gz.pVsH/VUr6V5fSR1", "md5-crypt ($1$) hash: salt must be at most 8 characters, got 11"},
    {"$1$3xYz9QaB", "md5-crypt ($1$) hash: expected $1$<salt>$<checksum>", true},
    {"$1$3x-z9QaB$8wy/gz.pVsH/VUr6V5fSR1", "md5-crypt ($1$) hash: salt must be characters of [./0-9A-Za-z], got '-' at offset 2", true},
    {"$1$3xYz9QaB$8wy/gz.pVsH/VUr6V5fSR1$", "md5-crypt ($1$) hash: checksum must be 22 characters of [./0-9A-Za-z], got 23", true},
    {"$2b$5$Mn0Op1Qr2St3Uv4Wx5Yz6.xpL3SiEHj6RTt6Al22aZW8UlwG6QPGS", "bcrypt ($2b$) hash: expected $2b$<cost>$<salt><checksum> with a two-digit cost", true},
    {"$2b$99$Mn0Op1Qr2St3Uv4Wx5Yz6.xpL3SiEHj6RTt6Al22aZW8UlwG6QPGS", "bcrypt ($2b$) hash: cost must be from 04 to 31, got 99", true},
    {"$2y$03$Pq7Rs8Tu9Vw0Xy1Za2Bc3OKfU1vs141Gb52QTiaW3eMxAk2wgGsfe", "bcrypt ($2y$) hash: cost must be from 04 to 31, got 03", true},
    {"$2b$05$short", "bcrypt ($2b$) hash: expected $2b$<cost>$ and then 53 characters (22 of salt, 31 of checksum), got 5", true},
    {"$2a$04$De4Fg5Hi6Jk7Lm8No9Pq0epSvSrUhzXCoB0DyqtrB892G.mq5D.2!", "bcrypt ($2a$) hash: salt and checksum must be characters of [./0-9A-Za-z], got '!' at offset 52", true},
    {"$2b$05$Mn0Op1Qr2St3Uv4Wx5Yz6vxpL3SiEHj6RTt6Al22aZW8UlwG6QPGS", "bcrypt ($2b$) hash: the salt's last character must be one of . O e u, got 'v'", true},
    {"$y$j9T$salt$short", "yescrypt ($y$) hash: checksum must be 43 characters of [./0-9A-Za-z], got 5", true},
    {"$y$j9T$8SWLDvqHR8AwCbSXWlFmd1", "yescrypt ($y$) hash: expected $y$<parameters>$<salt>$<checksum>", true},
    {"$y$$8SWLDvqHR8AwCbSXWlFmd1$5LKmj1pZSNMotSK9lJH8Fktpnw10LBJKcEMIR/YqjF/", "expected $y$<parameters>$<salt>$<checksum>"},
    {"$y$j9T$8SWLD-qHR8AwCbSXWlFmd1$5LKmj1pZSNMotSK9lJH8Fktpnw10LBJKcEMIR/YqjF/", "yescrypt ($y$) hash: salt must be characters of [./0-9A-Za-z], got '-' at offset 5", true},
    // Well shaped, but only libxcrypt can tell these parameters are nonsense.
    {"$y$zzz$8SWLDvqHR8AwCbSXWlFmd1$5LKmj1pZSNMotSK9lJH8Fktpnw10LBJKcEMIR/YqjF/", "yescrypt ($y$) hash: libxcrypt refuses its parameters 'zzz' or its salt", true},
    // PBKDF2, passlib and native
    {"$pbkdf2-sha256$0$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0", "PBKDF2-SHA256 ($pbkdf2-sha256$) hash: iteration count '0' must be a whole number from 1 to 100000000, without leading zeros", true},
    {"$pbkdf2-sha256$01000$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0", "iteration count '01000' must be"},
    {"$pbkdf2-sha256$100000001$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0", "iteration count '100000001' must be"},
    {"$pbkdf2-sha512$-5$vzemlHJuLaU05hzjPEeoFQ$g.mG", "PBKDF2-SHA512 ($pbkdf2-sha512$) hash: iteration count '-5' must be"},
    {"$pbkdf2-sha256$1000$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH", "PBKDF2-SHA256 ($pbkdf2-sha256$) hash: checksum must decode to 32 bytes, got 6", true},
    {"$pbkdf2-sha256$1000$c2l4+GVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0", "PBKDF2-SHA256 ($pbkdf2-sha256$) hash: salt is not ab64 (passlib's base64: [A-Za-z0-9./], no '=' padding), got '+' at offset 4", true},
    {"$pbkdf2-sha256$1000$c2l4dGVlbiBieXRlIHNsdA$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0=", "checksum is not ab64 (passlib's base64: [A-Za-z0-9./], no '=' padding), got '=' at offset 43"},
    {"$pbkdf2$1000$L2VsbW2NkZKSUqp1jlHqnQ$3fDyH0zH3UQxWNs5DlZ/EuRTakuXPCPooXFx8g4dGJ0", "PBKDF2-SHA1 ($pbkdf2$) hash: checksum must decode to 20 bytes, got 32", true},
    {"$pbkdf2-sha256$1000$only", "PBKDF2-SHA256 ($pbkdf2-sha256$) hash: expected $pbkdf2-sha256$<iterations>$<salt>$<checksum>, found 3 fields", true},
    {"$pbkdf2-sha256", "found 1 field"},
    // PBKDF2, PHC strings
    {"$pbkdf2-sha256$i=1000,x=1$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", "PBKDF2-SHA256 ($pbkdf2-sha256$) PHC hash: unknown parameter 'x=1' (PBKDF2 takes i= and l=)", true},
    {"$pbkdf2-sha256$l=32$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", "PHC hash: the iteration count i=N is missing"},
    {"$pbkdf2-sha256$i=1000,i=2000$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", "PHC hash: parameter i= is given twice"},
    {"$pbkdf2-sha256$i=0,l=32$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", "PHC hash: iteration count '0' must be"},
    {"$pbkdf2-sha256$i=1000,l=16$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", "PHC hash: hash decodes to 32 bytes but l=16"},
    {"$pbkdf2-sha256$i=1000,l=2000$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", "PHC hash: output length l=2000 must be from 1 to 1024"},
    {"$pbkdf2-sha256$i=1000$cGhj.XNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOM", "PHC hash: salt is not base64 ([A-Za-z0-9+/]), got '.' at offset 4"},
    // PBKDF2, Django
    {"pbkdf2_sha256$abc$Xq3DjangoSalt22chars$bju2oBLrZFXML+jsqkoPzpG8B2cPwCIbT5lHTKMqnQw=", "Django pbkdf2_sha256 hash: iteration count 'abc' must be"},
    {"pbkdf2_sha256$1000$$bju2oBLrZFXML+jsqkoPzpG8B2cPwCIbT5lHTKMqnQw=", "Django pbkdf2_sha256 hash: the salt is empty", true},
    {"pbkdf2_sha1$1200$OtherSalt$bju2oBLrZFXML+jsqkoPzpG8B2cPwCIbT5lHTKMqnQw=", "Django pbkdf2_sha1 hash: checksum must decode to 20 bytes, got 32", true},
    {"pbkdf2_sha1$1200$OtherSalt$evrLIk03Iej*ASIYEV8UfG7NK4k=", "Django pbkdf2_sha1 hash: checksum is not base64 ([A-Za-z0-9+/], '=' padding), got '*' at offset 11", true},
    {"pbkdf2_sha256$1000$Xq3DjangoSalt22chars", "found 3 fields"},
    // hex digests and hash:salt
    {"4ece57a61323b52ccffdbef0219567540", "hex digest of 33 characters matches no algorithm (MD5 32, SHA-1 40, SHA-256 64, SHA-512 128)", true},
    {"4ece57a61323b52ccffdbef02195675", "hex digest of 31 characters matches no algorithm"},
    {"4ece57a61323b52ccffdbef02195675:NaCl", "hash:salt pair: hex digest of 31 characters matches no algorithm (MD5 32, SHA-1 40, SHA-256 64, SHA-512 128)", true},
    {"f0957ee3af5afc4f5b34ec516feba755:", "hash:salt pair: the salt after ':' is empty; give an unsalted digest without ':'", true},
    {"zz:NaCl", "hash:salt pair: the part before ':' must be a hex digest, got 'z' at offset 0", true},
    {":NaCl", "hash:salt pair: the part before ':' must be a hex digest, got nothing", true},
    {"f0957ee3 af5afc4f5b34ec516feba755:NaCl", "the part before ':' must be a hex digest, got byte 0x20 at offset 8"},
    {"$1$3xYz9\xC3\xA4" "B$8wy/gz.pVsH/VUr6V5fSR1", "md5-crypt ($1$) hash: salt must be characters of [./0-9A-Za-z], got byte 0xc3 at offset 5", true},
    {"$pbkdf2-sha256$i=1000$cGhjLXNhbHQtMTZieXRlcw$XEERwKN0u9vAAyR1BEl8IpiO/44AaTZPP/Lga/WZAOMAA", "PHC hash: hash is not base64 ([A-Za-z0-9+/]), got 45 characters, a length base64 cannot have"},
    {"$pbkdf2-sha256$i=1000$cGhjLXNhbHQtMTZieXRlcw$", "PHC hash: hash is empty"},
};
// clang-format on

TEST(PasswordHash, MalformedHashesSayExactlyWhatIsWrong) {
    for (const auto& m : kMalformed) {
        SCOPED_TRACE(m.hash);
        const auto r = inspect_hash(m.hash);
        EXPECT_FALSE(r.format) << to_string(*r.format);
        if (m.exact)
            EXPECT_EQ(r.error, m.error);
        else
            EXPECT_NE(r.error.find(m.error), std::string::npos) << r.error;
    }
}

TEST(PasswordHash, MalformedStoredHashesMatchNothingAndNeverThrow) {
    for (const auto& m : kMalformed) {
        SCOPED_TRACE(m.hash);
        EXPECT_FALSE(is_native_hash(m.hash));
        for (const char* pw : {kPw, kUnicodePw, "", "a"}) {
            PasswordCheck r;
            EXPECT_NO_THROW(r = verify_password(pw, m.hash, 1000));
            EXPECT_FALSE(r.match);
            EXPECT_FALSE(r.needs_rehash);
        }
    }
}

TEST(PasswordHash, FormatsHaveDistinctNames) {
    std::set<std::string_view> names;
    for (int f = 0; f <= static_cast<int>(HashFormat::salted_sha512); ++f)
        names.insert(to_string(static_cast<HashFormat>(f)));
    EXPECT_EQ(names.size(), static_cast<std::size_t>(HashFormat::salted_sha512) + 1);
    EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(PasswordHash, DummyWorkCostsWhatAVerificationCosts) {
    EXPECT_NO_THROW(dummy_password_work(0));
    constexpr std::uint32_t kCost = 20000;
    const auto h = hash_password(kPw, kCost);
    using Clock = std::chrono::steady_clock;
    auto fastest = [](auto&& f) {
        auto best = Clock::duration::max();
        for (int i = 0; i < 5; ++i) {
            const auto start = Clock::now();
            f();
            best = std::min(best, Clock::now() - start);
        }
        return std::chrono::duration<double>(best).count();
    };
    const double verify = fastest([&] { (void)verify_password(kPw, h, kCost); });
    const double dummy = fastest([&] { dummy_password_work(kCost); });
    const double cheap = fastest([&] { dummy_password_work(1); });
    // Loose bounds: the point is the same order of cost, not a benchmark.
    EXPECT_GT(dummy, verify / 3);
    EXPECT_LT(dummy, verify * 3);
    EXPECT_LT(cheap * 20, dummy);
}

}  // namespace
}  // namespace drawbridge::core
