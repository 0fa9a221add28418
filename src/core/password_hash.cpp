// Native PBKDF2 storage and verification of every imported format. The crypt(3) family is
// libxcrypt's (the code that checks /etc/shadow); PBKDF2 and digests are OpenSSL's.
#include "core/password_hash.h"

#include <crypt.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <vector>

#include "core/crypto.h"

namespace drawbridge::core {
namespace {

using crypto::Digest;

constexpr std::string_view kNativePrefix = "$pbkdf2-sha256$";
constexpr std::string_view kCryptChars =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::uint64_t kMaxIterations = 100000000;

// passlib's "adapted base64": the standard alphabet with '.' for '+', and no padding.
std::string ab64_encode(std::string_view bytes) {
    std::string s = crypto::base64_encode(bytes, false);
    std::replace(s.begin(), s.end(), '+', '.');
    return s;
}

std::optional<std::string> ab64_decode(std::string_view text) {
    std::string s(text);
    if (s.find('+') != std::string::npos) return std::nullopt;
    std::replace(s.begin(), s.end(), '.', '+');
    return crypto::base64_decode(s);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
        if (pos == std::string_view::npos) return out;
        start = pos + 1;
    }
}

bool all_of_chars(std::string_view s, std::string_view allowed) {
    return s.find_first_not_of(allowed) == std::string_view::npos;
}

bool is_hex(std::string_view s) {
    return !s.empty() && all_of_chars(s, "0123456789abcdefABCDEF");
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
    std::uint64_t n = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return n;
}

// A parsed PBKDF2 string of any of the three families.
struct Pbkdf2 {
    Digest digest = Digest::sha256;
    std::uint64_t iterations = 0;
    std::string salt;      // the bytes PBKDF2 is salted with
    std::string checksum;  // expected output
};

std::string digest_name(Digest d) {
    switch (d) {
        case Digest::md5:
            return "md5";
        case Digest::sha1:
            return "sha1";
        case Digest::sha256:
            return "sha256";
        case Digest::sha512:
            return "sha512";
    }
    return "?";
}

std::size_t digest_size(Digest d) {
    switch (d) {
        case Digest::md5:
            return 16;
        case Digest::sha1:
            return 20;
        case Digest::sha256:
            return 32;
        case Digest::sha512:
            return 64;
    }
    return 0;
}

struct Parsed {
    std::optional<HashFormat> format;
    std::string error;
    std::optional<Pbkdf2> pbkdf2;
    Digest digest = Digest::sha256;  // raw and salted formats
    std::string expected;            // raw and salted: digest bytes
    std::string salt;                // salted formats
};

Parsed fail(std::string error) {
    Parsed p;
    p.error = std::move(error);
    return p;
}

std::string iterations_error(std::string_view label, std::string_view text) {
    return std::string(label) + " hash: iteration count '" + std::string(text) +
           "' must be a whole number from 1 to " + std::to_string(kMaxIterations);
}

// "$pbkdf2-sha256$29000$salt$checksum" (passlib, ab64) and "$pbkdf2-sha256$i=N,l=L$salt$hash"
// (PHC, standard base64 without padding).
Parsed parse_dollar_pbkdf2(std::string_view hash) {
    const auto parts = split(hash, '$');  // "", "pbkdf2-sha256", iterations, salt, checksum
    Digest d = Digest::sha256;
    if (parts[1] == "pbkdf2") d = Digest::sha1;
    if (parts[1] == "pbkdf2-sha512") d = Digest::sha512;
    const std::string label = "PBKDF2-" + digest_name(d);
    if (parts.size() != 5)
        return fail(label + " hash: expected $" + std::string(parts[1]) +
                    "$<iterations>$<salt>$<checksum>, found " + std::to_string(parts.size() - 1) +
                    " fields");
    Parsed p;
    Pbkdf2 k;
    k.digest = d;
    const bool phc = parts[2].starts_with("i=");
    std::optional<std::string> salt, sum;
    if (phc) {
        std::size_t expected_len = 0;
        for (auto param : split(parts[2], ',')) {
            if (param.starts_with("i=")) {
                auto n = parse_number(param.substr(2));
                if (!n || *n == 0 || *n > kMaxIterations)
                    return fail(iterations_error(label, param.substr(2)));
                k.iterations = *n;
            } else if (param.starts_with("l=")) {
                auto n = parse_number(param.substr(2));
                if (!n || *n == 0 || *n > 1024)
                    return fail(label + " hash: output length '" + std::string(param.substr(2)) +
                                "' must be from 1 to 1024");
                expected_len = *n;
            } else {
                return fail(label + " hash: unknown parameter '" + std::string(param) + "'");
            }
        }
        salt = crypto::base64_decode(parts[3]);
        sum = crypto::base64_decode(parts[4]);
        if (sum && expected_len && sum->size() != expected_len)
            return fail(label + " hash: checksum is " + std::to_string(sum->size()) +
                        " bytes but l=" + std::to_string(expected_len));
        p.format = HashFormat::pbkdf2_phc;
    } else {
        auto n = parse_number(parts[2]);
        if (!n || *n == 0 || *n > kMaxIterations) return fail(iterations_error(label, parts[2]));
        k.iterations = *n;
        salt = ab64_decode(parts[3]);
        sum = ab64_decode(parts[4]);
        if (sum && sum->size() != digest_size(d))
            return fail(label + " hash: checksum must decode to " + std::to_string(digest_size(d)) +
                        " bytes, got " + std::to_string(sum->size()));
        p.format =
            d == Digest::sha256 ? HashFormat::native_pbkdf2_sha256 : HashFormat::pbkdf2_passlib;
    }
    if (!salt || salt->empty()) return fail(label + " hash: the salt is not valid base64");
    if (!sum || sum->empty()) return fail(label + " hash: the checksum is not valid base64");
    k.salt = *salt;
    k.checksum = *sum;
    p.pbkdf2 = k;
    return p;
}

// Django: "pbkdf2_sha256$<iterations>$<salt as text>$<base64 checksum>".
Parsed parse_django(std::string_view hash) {
    const auto parts = split(hash, '$');
    const Digest d = parts[0] == "pbkdf2_sha1" ? Digest::sha1 : Digest::sha256;
    const std::string label = "Django " + std::string(parts[0]);
    if (parts.size() != 4)
        return fail(label + " hash: expected " + std::string(parts[0]) +
                    "$<iterations>$<salt>$<checksum>, found " + std::to_string(parts.size()) +
                    " fields");
    auto n = parse_number(parts[1]);
    if (!n || *n == 0 || *n > kMaxIterations) return fail(iterations_error(label, parts[1]));
    if (parts[2].empty()) return fail(label + " hash: the salt is empty");
    auto sum = crypto::base64_decode(parts[3]);
    if (!sum || sum->empty()) return fail(label + " hash: the checksum is not valid base64");
    Parsed p;
    p.format = HashFormat::pbkdf2_django;
    p.pbkdf2 = Pbkdf2{d, *n, std::string(parts[2]), *sum};
    return p;
}

struct CryptShape {
    std::string_view prefix;
    HashFormat format;
    std::string_view label;
    std::size_t checksum_len;
    std::size_t max_salt;
};
constexpr CryptShape kCryptShapes[] = {
    {"$1$", HashFormat::md5_crypt, "md5-crypt ($1$)", 22, 8},
    {"$5$", HashFormat::sha256_crypt, "sha256-crypt ($5$)", 43, 16},
    {"$6$", HashFormat::sha512_crypt, "sha512-crypt ($6$)", 86, 16},
};

// libxcrypt decides whether it can compute this setting at all.
std::optional<std::string> xcrypt_refuses(std::string_view hash) {
    const std::string h(hash);
    switch (crypt_checksalt(h.c_str())) {
        case CRYPT_SALT_OK:
        case CRYPT_SALT_METHOD_LEGACY:
        case CRYPT_SALT_TOO_CHEAP:
            return std::nullopt;
        case CRYPT_SALT_METHOD_DISABLED:
            return "this crypt method is disabled in libxcrypt";
        default:
            return "libxcrypt does not accept this setting";
    }
}

Parsed parse_crypt(std::string_view hash, const CryptShape& shape) {
    const std::string label(shape.label);
    std::string_view rest = hash.substr(shape.prefix.size());
    if (shape.format != HashFormat::md5_crypt && rest.starts_with("rounds=")) {
        const auto end = rest.find('$');
        if (end == std::string_view::npos)
            return fail(label + " hash: rounds=N must be followed by '$'");
        const auto n = parse_number(rest.substr(7, end - 7));
        if (!n || *n < 1000 || *n > 999999999)
            return fail(label + " hash: rounds=" + std::string(rest.substr(7, end - 7)) +
                        " out of range 1000-999999999");
        rest.remove_prefix(end + 1);
    }
    const auto dollar = rest.find('$');
    if (dollar == std::string_view::npos)
        return fail(label + " hash: expected " + std::string(shape.prefix) + "<salt>$<checksum>");
    const auto salt = rest.substr(0, dollar), sum = rest.substr(dollar + 1);
    if (salt.empty() || salt.size() > shape.max_salt || !all_of_chars(salt, kCryptChars))
        return fail(label + " hash: salt must be 1 to " + std::to_string(shape.max_salt) +
                    " characters of [./0-9A-Za-z], got '" + std::string(salt) + "'");
    if (sum.size() != shape.checksum_len || !all_of_chars(sum, kCryptChars))
        return fail(label + " hash: checksum must be " + std::to_string(shape.checksum_len) +
                    " characters of [./0-9A-Za-z], got " + std::to_string(sum.size()));
    if (auto e = xcrypt_refuses(hash)) return fail(label + " hash: " + *e);
    Parsed p;
    p.format = shape.format;
    return p;
}

Parsed parse_bcrypt(std::string_view hash) {
    // $2b$NN$ + 22 salt + 31 checksum characters
    const std::string label = "bcrypt (" + std::string(hash.substr(0, 4)) + ")";
    if (hash.size() != 60 || hash[6] != '$')
        return fail(label + " hash: expected $2b$<cost>$ and 53 characters, 60 in all; got " +
                    std::to_string(hash.size()));
    const auto cost = parse_number(hash.substr(4, 2));
    if (!cost || *cost < 4 || *cost > 31) return fail(label + " hash: cost must be from 04 to 31");
    if (!all_of_chars(hash.substr(7), kCryptChars))
        return fail(label + " hash: salt and checksum must be characters of [./0-9A-Za-z]");
    if (auto e = xcrypt_refuses(hash)) return fail(label + " hash: " + *e);
    Parsed p;
    p.format = HashFormat::bcrypt;
    return p;
}

Parsed parse_yescrypt(std::string_view hash) {
    const auto parts = split(hash, '$');  // "", "y", params, salt, checksum
    if (parts.size() != 5 || parts[2].empty() || parts[3].empty())
        return fail("yescrypt ($y$) hash: expected $y$<params>$<salt>$<checksum>");
    if (parts[4].size() != 43 || !all_of_chars(parts[4], kCryptChars))
        return fail("yescrypt ($y$) hash: checksum must be 43 characters of [./0-9A-Za-z], got " +
                    std::to_string(parts[4].size()));
    if (auto e = xcrypt_refuses(hash)) return fail("yescrypt ($y$) hash: " + *e);
    Parsed p;
    p.format = HashFormat::yescrypt;
    return p;
}

struct HexShape {
    std::size_t length;
    Digest digest;
    HashFormat raw;
    HashFormat salted;
};
constexpr HexShape kHexShapes[] = {
    {32, Digest::md5, HashFormat::raw_md5, HashFormat::salted_md5},
    {40, Digest::sha1, HashFormat::raw_sha1, HashFormat::salted_sha1},
    {64, Digest::sha256, HashFormat::raw_sha256, HashFormat::salted_sha256},
    {128, Digest::sha512, HashFormat::raw_sha512, HashFormat::salted_sha512},
};

Parsed parse_hex(std::string_view hex, std::optional<std::string_view> salt) {
    for (const auto& shape : kHexShapes) {
        if (hex.size() != shape.length) continue;
        Parsed p;
        p.format = salt ? shape.salted : shape.raw;
        p.digest = shape.digest;
        p.expected = *crypto::from_hex(hex);
        if (salt) p.salt = std::string(*salt);
        return p;
    }
    return fail("hex digest of " + std::to_string(hex.size()) +
                " characters matches no algorithm (MD5 32, SHA-1 40, SHA-256 64, SHA-512 128)");
}

Parsed parse(std::string_view hash) {
    if (hash.empty()) return fail("the hash is empty");
    if (hash.find_first_of(" \t\r\n") != std::string_view::npos)
        return fail("the hash contains white space; give it exactly as stored");
    if (hash.starts_with("$pbkdf2-sha256$") || hash.starts_with("$pbkdf2-sha512$") ||
        hash.starts_with("$pbkdf2$"))
        return parse_dollar_pbkdf2(hash);
    if (hash.starts_with("pbkdf2_sha256$") || hash.starts_with("pbkdf2_sha1$"))
        return parse_django(hash);
    for (const auto& shape : kCryptShapes)
        if (hash.starts_with(shape.prefix)) return parse_crypt(hash, shape);
    if (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))
        return parse_bcrypt(hash);
    if (hash.starts_with("$y$")) return parse_yescrypt(hash);
    if (hash.starts_with("$"))
        return fail(
            "unrecognised hash format '" + std::string(hash.substr(0, hash.find('$', 1) + 1)) +
            "': expected $1$, $5$, $6$, $2b$, $y$, $pbkdf2-sha256$, $pbkdf2-sha512$ or $pbkdf2$");
    if (const auto colon = hash.find(':'); colon != std::string_view::npos) {
        const auto hex = hash.substr(0, colon), salt = hash.substr(colon + 1);
        if (!is_hex(hex)) return fail("hash:salt pair: the part before ':' must be a hex digest");
        if (salt.empty()) return fail("hash:salt pair: the salt after ':' is empty");
        return parse_hex(hex, salt);
    }
    if (is_hex(hash) && hash.size() != 13) return parse_hex(hash, std::nullopt);
    if (hash.size() == 13 && all_of_chars(hash, kCryptChars)) {
        if (auto e = xcrypt_refuses(hash)) return fail("DES crypt hash: " + *e);
        Parsed p;
        p.format = HashFormat::des_crypt;
        return p;
    }
    if (is_hex(hash)) return parse_hex(hash, std::nullopt);
    return fail(
        "unrecognised hash format: not modular crypt ($id$...), PBKDF2, a 13-character DES "
        "crypt string, a hex digest, or hex:salt");
}

bool crypt_matches(std::string_view password, std::string_view stored) {
    // crypt(3) reads C strings: a NUL inside the password would silently shorten it.
    if (password.find('\0') != std::string_view::npos) return false;
    auto data = std::make_unique<crypt_data>();
    const std::string pw(password), setting(stored);
    const char* out = crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
    return out && crypto::constant_time_equal(out, stored);
}

bool pbkdf2_matches(std::string_view password, const Pbkdf2& k) {
    const auto out = crypto::pbkdf2(k.digest, password, k.salt,
                                    static_cast<std::uint32_t>(k.iterations), k.checksum.size());
    return crypto::constant_time_equal(out, k.checksum);
}

}  // namespace

std::string_view to_string(HashFormat f) {
    switch (f) {
        case HashFormat::native_pbkdf2_sha256:
            return "pbkdf2-sha256";
        case HashFormat::md5_crypt:
            return "md5-crypt";
        case HashFormat::sha256_crypt:
            return "sha256-crypt";
        case HashFormat::sha512_crypt:
            return "sha512-crypt";
        case HashFormat::des_crypt:
            return "des-crypt";
        case HashFormat::bcrypt:
            return "bcrypt";
        case HashFormat::yescrypt:
            return "yescrypt";
        case HashFormat::pbkdf2_passlib:
            return "pbkdf2 (passlib)";
        case HashFormat::pbkdf2_django:
            return "pbkdf2 (django)";
        case HashFormat::pbkdf2_phc:
            return "pbkdf2 (phc)";
        case HashFormat::raw_md5:
            return "md5";
        case HashFormat::raw_sha1:
            return "sha1";
        case HashFormat::raw_sha256:
            return "sha256";
        case HashFormat::raw_sha512:
            return "sha512";
        case HashFormat::salted_md5:
            return "salted md5";
        case HashFormat::salted_sha1:
            return "salted sha1";
        case HashFormat::salted_sha256:
            return "salted sha256";
        case HashFormat::salted_sha512:
            return "salted sha512";
    }
    return "unknown";
}

std::string hash_password(std::string_view password, std::uint32_t iterations) {
    const std::string salt = crypto::random_bytes(16);
    const std::string sum = crypto::pbkdf2(Digest::sha256, password, salt, iterations, 32);
    return std::string(kNativePrefix) + std::to_string(iterations) + "$" + ab64_encode(salt) + "$" +
           ab64_encode(sum);
}

bool is_native_hash(std::string_view stored) {
    const auto p = parse(stored);
    return p.format == HashFormat::native_pbkdf2_sha256;
}

HashInspection inspect_hash(std::string_view hash) {
    auto p = parse(hash);
    return {p.format, p.error};
}

PasswordCheck verify_password(std::string_view password, std::string_view stored,
                              std::uint32_t iterations) {
    const Parsed p = parse(stored);
    if (!p.format) return {};
    PasswordCheck r;
    switch (*p.format) {
        case HashFormat::native_pbkdf2_sha256:
        case HashFormat::pbkdf2_passlib:
        case HashFormat::pbkdf2_django:
        case HashFormat::pbkdf2_phc:
            r.match = pbkdf2_matches(password, *p.pbkdf2);
            break;
        case HashFormat::md5_crypt:
        case HashFormat::sha256_crypt:
        case HashFormat::sha512_crypt:
        case HashFormat::des_crypt:
        case HashFormat::bcrypt:
        case HashFormat::yescrypt:
            r.match = crypt_matches(password, stored);
            break;
        case HashFormat::raw_md5:
        case HashFormat::raw_sha1:
        case HashFormat::raw_sha256:
        case HashFormat::raw_sha512:
            r.match = crypto::constant_time_equal(crypto::digest(p.digest, password), p.expected);
            break;
        default: {
            // hash:salt — systems differ in the order; both are computed, so the time does not
            // depend on which one matched.
            const std::string pw(password);
            const bool after =
                crypto::constant_time_equal(crypto::digest(p.digest, pw + p.salt), p.expected);
            const bool before =
                crypto::constant_time_equal(crypto::digest(p.digest, p.salt + pw), p.expected);
            r.match = after | before;
        }
    }
    r.needs_rehash = r.match && !(p.format == HashFormat::native_pbkdf2_sha256 &&
                                  p.pbkdf2->iterations == iterations);
    return r;
}

void dummy_password_work(std::uint32_t iterations) {
    static const std::string salt = crypto::random_bytes(16);
    (void)crypto::pbkdf2(Digest::sha256, "drawbridge-dummy-password", salt, iterations, 32);
}

}  // namespace drawbridge::core
