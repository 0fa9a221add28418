#include "core/tls_certificate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace drawbridge::core {
namespace {

TEST(TlsCertificate, GeneratedOnceWithAMatchingPrivateKey) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("drawbridge-tls-" + std::to_string(::getpid())) / "tls";
    std::filesystem::remove_all(dir.parent_path());
    const auto paths = ensure_tls_certificate(dir);
    struct stat st {};
    ASSERT_EQ(::stat(paths.private_key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);

    std::FILE* cf = std::fopen(paths.certificate.c_str(), "r");
    std::FILE* kf = std::fopen(paths.private_key.c_str(), "r");
    ASSERT_TRUE(cf && kf);
    X509* cert = PEM_read_X509(cf, nullptr, nullptr, nullptr);
    EVP_PKEY* key = PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr);
    std::fclose(cf);
    std::fclose(kf);
    ASSERT_TRUE(cert && key);
    EXPECT_EQ(X509_check_private_key(cert, key), 1);
    EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
    X509_free(cert);
    EVP_PKEY_free(key);

    const auto before = std::filesystem::last_write_time(paths.certificate);
    ensure_tls_certificate(dir);  // present: kept as it is
    EXPECT_EQ(std::filesystem::last_write_time(paths.certificate), before);
    std::filesystem::remove_all(dir.parent_path());
}

}  // namespace
}  // namespace drawbridge::core
