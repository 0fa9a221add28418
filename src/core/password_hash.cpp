// Native PBKDF2 storage, and verification of every format that imported_hash.cpp recognises.
// PBKDF2 and digests are OpenSSL's; the crypt(3) family is libxcrypt's.
#include "core/password_hash.h"

#include <algorithm>
#include <stdexcept>

namespace drawbridge::core {
namespace {

using crypto::Digest;

constexpr std::string_view kNativePrefix = "$pbkdf2-sha256$";
constexpr std::string_view kAb64Chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";

bool pbkdf2_matches(std::string_view password, const detail::ParsedHash& h) {
    const auto out = crypto::pbkdf2(h.digest, password, h.salt, h.iterations, h.expected.size());
    return crypto::constant_time_equal(out, h.expected);
}

bool crypt_matches(std::string_view password, std::string_view stored) {
    const auto out = detail::crypt_with_setting(password, stored);
    return out && crypto::constant_time_equal(*out, stored);
}

bool digest_matches(std::string_view password, const detail::ParsedHash& h) {
    return crypto::constant_time_equal(crypto::digest(h.digest, password), h.expected);
}

// Importing systems disagree on the order; both are computed every time, so the time taken
// does not tell which one matched.
bool salted_matches(std::string_view password, const detail::ParsedHash& h) {
    const std::string pw(password);
    const bool salt_after =
        crypto::constant_time_equal(crypto::digest(h.digest, pw + h.salt), h.expected);
    const bool salt_before =
        crypto::constant_time_equal(crypto::digest(h.digest, h.salt + pw), h.expected);
    return salt_after | salt_before;
}

bool matches(std::string_view password, std::string_view stored, const detail::ParsedHash& h) {
    switch (h.format) {
        case HashFormat::native_pbkdf2_sha256:
        case HashFormat::pbkdf2_passlib:
        case HashFormat::pbkdf2_django:
        case HashFormat::pbkdf2_phc:
            return pbkdf2_matches(password, h);
        case HashFormat::md5_crypt:
        case HashFormat::sha256_crypt:
        case HashFormat::sha512_crypt:
        case HashFormat::des_crypt:
        case HashFormat::bcrypt:
        case HashFormat::yescrypt:
            return crypt_matches(password, stored);
        case HashFormat::raw_md5:
        case HashFormat::raw_sha1:
        case HashFormat::raw_sha256:
        case HashFormat::raw_sha512:
            return digest_matches(password, h);
        case HashFormat::salted_md5:
        case HashFormat::salted_sha1:
        case HashFormat::salted_sha256:
        case HashFormat::salted_sha512:
            return salted_matches(password, h);
    }
    return false;
}

}  // namespace

std::string ab64_encode(std::string_view bytes) {
    std::string s = crypto::base64_encode(bytes, false);
    std::replace(s.begin(), s.end(), '+', '.');
    return s;
}

std::optional<std::string> ab64_decode(std::string_view text) {
    if (text.find_first_not_of(kAb64Chars) != std::string_view::npos) return std::nullopt;
    std::string s(text);
    std::replace(s.begin(), s.end(), '.', '+');
    return crypto::base64_decode(s);
}

std::string hash_password(std::string_view password, std::uint32_t iterations) {
    // A count verify_password would refuse must not reach storage.
    if (iterations < 1 || iterations > kMaxPbkdf2Iterations)
        throw std::invalid_argument("PBKDF2 iteration count " + std::to_string(iterations) +
                                    " is outside 1-" + std::to_string(kMaxPbkdf2Iterations));
    const std::string salt = crypto::random_bytes(16);
    const std::string sum = crypto::pbkdf2(Digest::sha256, password, salt, iterations, 32);
    return std::string(kNativePrefix) + std::to_string(iterations) + "$" + ab64_encode(salt) + "$" +
           ab64_encode(sum);
}

bool is_native_hash(std::string_view stored) {
    const auto parsed = detail::parse_hash(stored);
    return parsed.hash && parsed.hash->format == HashFormat::native_pbkdf2_sha256;
}

PasswordCheck verify_password(std::string_view password, std::string_view stored,
                              std::uint32_t iterations) {
    const auto parsed = detail::parse_hash(stored);
    if (!parsed.hash) {
        // A broken record should not answer faster than a real one.
        dummy_password_work(iterations);
        return {};
    }
    const detail::ParsedHash& h = *parsed.hash;
    PasswordCheck r;
    r.match = matches(password, stored, h);
    // Rehashing is only possible with a password known to be right.
    r.needs_rehash =
        r.match && !(h.format == HashFormat::native_pbkdf2_sha256 && h.iterations == iterations);
    return r;
}

void dummy_password_work(std::uint32_t iterations) {
    // Same salt and output sizes as hash_password, so the cost is the same.
    static constexpr std::string_view kSalt = "drawbridge:dummy";
    (void)crypto::pbkdf2(Digest::sha256, "not anyone's password", kSalt,
                         std::clamp<std::uint32_t>(iterations, 1, kMaxPbkdf2Iterations), 32);
}

}  // namespace drawbridge::core
