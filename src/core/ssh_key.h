// OpenSSH public keys as users register them (one authorized_keys line), validated by libssh.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace drawbridge::core {

struct ParsedSshKey {
    std::string key_type;  // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ...
    std::string blob;      // raw key blob
    std::string base64;    // the blob as written in the line
    std::string comment;
    std::string fingerprint;  // "SHA256:<base64 without padding>", as `ssh-keygen -l` prints
    int bits = 0;             // RSA modulus size; for others the curve size
};

inline constexpr int kMinRsaBits = 2048;

// Accepts "TYPE BASE64 [COMMENT]". Refuses options, DSA keys, RSA keys under 2048 bits, a blob
// whose inner type differs from the declared one, and anything libssh cannot import.
// Returns the key or an error message naming what is wrong.
std::variant<ParsedSshKey, std::string> parse_ssh_public_key(std::string_view line);

// "SHA256:..." of a raw key blob.
std::string ssh_fingerprint_sha256(std::string_view blob);

}  // namespace drawbridge::core
