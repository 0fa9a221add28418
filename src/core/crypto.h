// Small wrappers over OpenSSL used across the core: digests, randomness, encodings,
// and constant-time comparison. Everything secret-dependent compares in constant time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drawbridge::core::crypto {

enum class Digest { md5, sha1, sha256, sha512 };

// Raw digest bytes of `data`.
std::string digest(Digest d, std::string_view data);
std::string sha256(std::string_view data);
// Raw HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
// Raw HMAC of `data` under `key` with the given digest (TOTP uses SHA-1, RFC 6238).
std::string hmac(Digest d, std::string_view key, std::string_view data);
// Appends `field` length-prefixed ("5:alice"), so that a message built of fields has one
// encoding only: no two lists of fields give the same bytes to hash.
void append_field(std::string& message, std::string_view field);

// PBKDF2-HMAC with the given digest; returns `length` raw bytes.
std::string pbkdf2(Digest d, std::string_view password, std::string_view salt,
                   std::uint32_t iterations, std::size_t length);

// Cryptographically secure random bytes (OpenSSL's RAND_bytes); throws on failure.
std::string random_bytes(std::size_t n);
// Uniform random integer in [0, bound) without modulo bias.
std::uint32_t random_below(std::uint32_t bound);

std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);  // either case

// Standard base64 alphabet; `pad` adds '=' padding. Decoding accepts padded or not.
std::string base64_encode(std::string_view bytes, bool pad = true);
std::optional<std::string> base64_decode(std::string_view text);

bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace drawbridge::core::crypto
