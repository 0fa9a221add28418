// Password storage. Native: PBKDF2-HMAC-SHA256 in a self-describing string that carries its
// iteration count. Imported: the formats of docs/password-hashes.md, detected from the string
// itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.h"

namespace drawbridge::core {

inline constexpr std::uint32_t kDefaultPbkdf2Iterations = 600000;
// The largest PBKDF2 iteration count hash_password takes and a stored hash may carry (the node
// configuration allows the same): beyond it a count is corrupt data, or one login that burns
// a core for minutes.
inline constexpr std::uint32_t kMaxPbkdf2Iterations = 100000000;

// "$pbkdf2-sha256$<iterations>$<salt>$<checksum>" with passlib's adapted base64 (ab64):
// interoperable with passlib's pbkdf2_sha256, 16-byte random salt, 32-byte checksum.
// Throws std::invalid_argument unless 1 <= iterations <= kMaxPbkdf2Iterations.
std::string hash_password(std::string_view password, std::uint32_t iterations);
bool is_native_hash(std::string_view stored);

struct PasswordCheck {
    bool match = false;
    // The stored hash should be replaced by hash_password(password, iterations): it is an
    // imported format, or native with another iteration count. Only ever set with `match`.
    bool needs_rehash = false;
};
// Verifies against a native or an imported hash, in constant time for a given hash. A malformed
// stored hash matches nothing (and costs a dummy_password_work); bad stored data never throws.
PasswordCheck verify_password(std::string_view password, std::string_view stored,
                              std::uint32_t iterations);

// Costs what a native verification with `iterations` costs, so that a login for an unknown
// username takes as long as one for a known user.
void dummy_password_work(std::uint32_t iterations);

// Recognised imported hash formats.
enum class HashFormat {
    native_pbkdf2_sha256,
    md5_crypt,       // $1$
    sha256_crypt,    // $5$ [rounds=N$]
    sha512_crypt,    // $6$ [rounds=N$]
    des_crypt,       // 13 characters
    bcrypt,          // $2a$ $2b$ $2y$
    yescrypt,        // $y$
    pbkdf2_passlib,  // $pbkdf2$ $pbkdf2-sha512$ (passlib, ab64; its $pbkdf2-sha256$ is native)
    pbkdf2_django,   // pbkdf2_sha256$N$salt$b64 and pbkdf2_sha1$
    pbkdf2_phc,      // $pbkdf2-sha256$i=N[,l=L]$salt$hash (PHC string, standard base64)
    raw_md5,         // 32 hex
    raw_sha1,        // 40 hex
    raw_sha256,      // 64 hex
    raw_sha512,      // 128 hex
    salted_md5,      // hex:salt
    salted_sha1,
    salted_sha256,
    salted_sha512,
};
std::string_view to_string(HashFormat f);

struct HashInspection {
    std::optional<HashFormat> format;  // set when the hash is well formed
    std::string error;                 // otherwise: what exactly is wrong with it
};
// Detects the format of an imported hash and checks that it is well formed.
// Cheap structural checks, except for yescrypt, whose parameters only libxcrypt can judge: it is
// computed once, which costs what one login against it costs.
HashInspection inspect_hash(std::string_view hash);

// passlib's "adapted base64" (ab64): standard base64 with '.' for '+' and no '=' padding.
std::string ab64_encode(std::string_view bytes);
// nullopt for anything outside [A-Za-z0-9./] ('+' and '=' included) or an impossible length.
std::optional<std::string> ab64_decode(std::string_view text);

namespace detail {
// Shared by password_hash.cpp (verification) and imported_hash.cpp (parsing) only; callers use
// inspect_hash and verify_password.
struct ParsedHash {
    HashFormat format{};
    crypto::Digest digest{};       // PBKDF2, raw and salted formats
    std::uint32_t iterations = 0;  // PBKDF2 formats
    std::string salt;              // PBKDF2 and hash:salt: the bytes that are hashed
    std::string expected;          // PBKDF2 checksum or digest bytes; crypt formats: unused
};
struct ParseResult {
    std::optional<ParsedHash> hash;
    std::string error;  // when !hash
};
// Structural checks only: computes nothing, so it is cheap for any input.
ParseResult parse_hash(std::string_view hash);
// libxcrypt's crypt_rn; nullopt when it refuses the setting or the phrase holds a NUL.
std::optional<std::string> crypt_with_setting(std::string_view phrase, std::string_view setting);
}  // namespace detail

}  // namespace drawbridge::core
