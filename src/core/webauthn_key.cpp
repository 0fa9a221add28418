#include "core/webauthn_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>

#include "core/webauthn.h"
#include "core/webauthn_cbor.h"

namespace drawbridge::core::webauthn::detail {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using Number = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

// COSE_Key labels (RFC 9052 §7.1, RFC 9053 §7) and values.
constexpr std::int64_t kKty = 1, kAlg = 3;
constexpr std::int64_t kCrv = -1, kX = -2, kY = -3;  // EC2 and OKP
constexpr std::int64_t kN = -1, kE = -2;             // RSA
constexpr std::int64_t kOkp = 1, kEc2 = 2, kRsa = 3;
constexpr std::int64_t kP256 = 1, kEd25519 = 6;
constexpr int kMinRsaBits = 2048, kMaxRsaBits = 8192;
constexpr std::size_t kMaxSignature = kMaxRsaBits / 8;

// OpenSSL leaves a refusal's reasons in the thread's error queue; they must not surface in an
// unrelated later call (a TLS handshake on this thread).
struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
};

const char* algorithm_name(int algorithm) {
    switch (algorithm) {
        case kES256:
            return "ES256";
        case kEdDSA:
            return "EdDSA";
        case kRS256:
            return "RS256";
        default:
            return "an unknown algorithm";
    }
}

Key key_from(const char* type, const OSSL_PARAM* params) {
    EVP_PKEY* raw = nullptr;
    KeyContext ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
    if (ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1)
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params));
    Key key(raw, EVP_PKEY_free);
    if (!key) return key;
    // fromdata takes the numbers as given: the public check refuses a point off the curve and
    // an RSA modulus or exponent no real key has.
    KeyContext check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr), EVP_PKEY_CTX_free);
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return Key(nullptr, EVP_PKEY_free);
    return key;
}

std::optional<std::string_view> sized_bytes(const cbor_item_t* map, std::int64_t label,
                                            std::size_t size) {
    auto bytes = as_bytes(find(map, label));
    if (!bytes || bytes->size() != size) return std::nullopt;
    return bytes;
}

std::variant<Key, std::string> ec2_key(const cbor_item_t* map) {
    if (as_int(find(map, kCrv)) != kP256)
        return std::string("the credential public key's crv is not P-256 (1), which ES256 needs");
    auto x = sized_bytes(map, kX, 32);
    auto y = sized_bytes(map, kY, 32);
    if (!x || !y) return std::string("the credential public key's x and y are not 32 bytes each");
    std::string point = "\x04" + std::string(*x) + std::string(*y);  // SEC 1 uncompressed
    char group[] = "P-256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    Key key = key_from("EC", params);
    if (!key) return std::string("the credential public key is not a point on P-256");
    return key;
}

std::variant<Key, std::string> okp_key(const cbor_item_t* map) {
    if (as_int(find(map, kCrv)) != kEd25519)
        return std::string("the credential public key's crv is not Ed25519 (6), which EdDSA needs");
    auto x = sized_bytes(map, kX, 32);
    if (!x) return std::string("the credential public key's x is not 32 bytes");
    Key key(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                    reinterpret_cast<const unsigned char*>(x->data()), x->size()),
        EVP_PKEY_free);
    if (!key) return std::string("the credential public key is not an Ed25519 key");
    return key;
}

std::variant<Key, std::string> rsa_key(const cbor_item_t* map) {
    auto n = as_bytes(find(map, kN));
    auto e = as_bytes(find(map, kE));
    if (!n || !e || e->empty() || e->size() > 8)
        return std::string("the credential public key's n and e are not an RSA key's");
    auto number = [](std::string_view bytes) {
        return Number(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()), nullptr),
                      BN_free);
    };
    Number modulus = number(*n), exponent = number(*e);
    if (!modulus || !exponent) return std::string("out of memory reading an RSA key");
    const int bits = BN_num_bits(modulus.get());
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
        return "the credential public key's RSA modulus has " + std::to_string(bits) +
               " bits, not 2048 to 8192";
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                          OSSL_PARAM_BLD_free);
    if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1)
        return std::string("out of memory reading an RSA key");
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
        OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
    Key key = params ? key_from("RSA", params.get()) : Key(nullptr, EVP_PKEY_free);
    if (!key) return std::string("the credential public key is not a valid RSA key");
    return key;
}

std::string to_der(EVP_PKEY* key) {
    const int size = i2d_PUBKEY(key, nullptr);
    if (size <= 0) return {};
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_PUBKEY(key, &out) != size) return {};
    return der;
}

// The key `der` is, when it is exactly one key of the type `algorithm` signs with.
Key stored_key(std::string_view der, int algorithm) {
    const auto* in = reinterpret_cast<const unsigned char*>(der.data());
    Key key(d2i_PUBKEY(nullptr, &in, static_cast<long>(der.size())), EVP_PKEY_free);
    if (!key || in != reinterpret_cast<const unsigned char*>(der.data()) + der.size())
        return Key(nullptr, EVP_PKEY_free);
    bool fits = false;
    if (algorithm == kES256) {
        char group[32] = {};
        fits = EVP_PKEY_is_a(key.get(), "EC") &&
               EVP_PKEY_get_group_name(key.get(), group, sizeof group, nullptr) == 1 &&
               std::string_view(group) == "prime256v1";
    } else if (algorithm == kEdDSA) {
        fits = EVP_PKEY_is_a(key.get(), "ED25519");
    } else if (algorithm == kRS256) {
        fits = EVP_PKEY_is_a(key.get(), "RSA") && EVP_PKEY_get_bits(key.get()) >= kMinRsaBits;
    }
    return fits ? std::move(key) : Key(nullptr, EVP_PKEY_free);
}

}  // namespace

std::variant<PublicKey, std::string> parse_cose_key(std::string_view cbor) {
    ClearErrors clear;
    auto loaded = load_item(cbor, "the credential public key");
    if (auto* error = std::get_if<std::string>(&loaded)) return std::move(*error);
    const cbor_item_t* map = std::get<CborItem>(loaded).get();
    if (auto error = check_map(map, "the credential public key")) return std::move(*error);
    const auto kty = as_int(find(map, kKty));
    const auto alg = as_int(find(map, kAlg));
    if (!kty || !alg) return std::string("the credential public key has no integer kty or alg");
    std::int64_t needed_kty = 0;
    std::variant<Key, std::string> key = std::string();
    switch (*alg) {
        case kES256:
            needed_kty = kEc2;
            break;
        case kEdDSA:
            needed_kty = kOkp;
            break;
        case kRS256:
            needed_kty = kRsa;
            break;
        default:
            return "the credential public key's alg is " + std::to_string(*alg) +
                   ", not ES256 (-7), EdDSA (-8) or RS256 (-257)";
    }
    const int algorithm = static_cast<int>(*alg);
    if (*kty != needed_kty)
        return "the credential public key's kty is " + std::to_string(*kty) + ", but " +
               algorithm_name(algorithm) + " needs " + std::to_string(needed_kty);
    key = algorithm == kES256 ? ec2_key(map) : algorithm == kEdDSA ? okp_key(map) : rsa_key(map);
    if (auto* error = std::get_if<std::string>(&key)) return std::move(*error);
    PublicKey out{to_der(std::get<Key>(key).get()), algorithm};
    if (out.der.empty()) return std::string("the credential public key could not be encoded");
    return out;
}

std::optional<std::string> check_signature(std::string_view der, int algorithm,
                                           std::string_view message, std::string_view signature) {
    ClearErrors clear;
    if (signature.empty() || signature.size() > kMaxSignature)
        return "the signature is " + std::to_string(signature.size()) + " bytes long";
    Key key = stored_key(der, algorithm);
    if (!key)
        return std::string("the stored public key is not a key for ") + algorithm_name(algorithm);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    // Ed25519 hashes inside the signature scheme: no digest is named for it.
    const EVP_MD* md = algorithm == kEdDSA ? nullptr : EVP_sha256();
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1)
        return std::string("the signature could not be checked");
    if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) != 1)
        return std::string("the signature does not verify with the credential's public key");
    return std::nullopt;
}

}  // namespace drawbridge::core::webauthn::detail
