#include "core/tls_certificate.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace drawbridge::core {
namespace fs = std::filesystem;

namespace {

template <auto Free>
struct Deleter {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("TLS certificate: " + what);
}

void add_extension(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || !X509_add_ext(cert, ext.get(), -1)) fail("cannot add an extension");
}

// Writes through a temporary name and renames, so that a crash never leaves half a PEM file.
void write_pem(const fs::path& path, mode_t mode, const auto& write) {
    const fs::path tmp = path.string() + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) fail("cannot write " + tmp.string());
    ::fchmod(fileno(f), mode);
    const bool ok = write(f);
    if (std::fclose(f) != 0 || !ok) fail("cannot write " + tmp.string());
    fs::rename(tmp, path);
}

}  // namespace

TlsCertificatePaths ensure_tls_certificate(const fs::path& dir) {
    TlsCertificatePaths paths{dir / "server.crt", dir / "server.key"};
    if (fs::exists(paths.certificate) && fs::exists(paths.private_key)) return paths;
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);

    Key key(EVP_EC_gen("P-256"));
    if (!key) fail("cannot generate a P-256 key");
    Cert cert(X509_new());
    if (!cert) fail("out of memory");
    X509_set_version(cert.get(), 2);
    // A random serial, as RFC 5280 recommends for certificates nobody tracks.
    std::unique_ptr<BIGNUM, Deleter<BN_free>> bn(BN_new());
    if (!bn || !BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
        fail("cannot make a serial number");
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("drawbridge"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    if (!X509_sign(cert.get(), key.get(), EVP_sha256())) fail("cannot sign the certificate");

    write_pem(paths.private_key, 0600, [&](std::FILE* f) {
        return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    });
    write_pem(paths.certificate, 0644,
              [&](std::FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
    return paths;
}

}  // namespace drawbridge::core
