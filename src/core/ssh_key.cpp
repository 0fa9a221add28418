#include "core/ssh_key.h"

#include <libssh/libssh.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/crypto.h"

namespace drawbridge::core {
namespace {

constexpr std::array<std::string_view, 7> kAcceptedTypes = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
};

// Reads one SSH wire "string" (uint32 length + bytes) from the front of `in`.
std::optional<std::string_view> read_string(std::string_view& in) {
    if (in.size() < 4) return std::nullopt;
    const std::uint32_t len =
        static_cast<std::uint8_t>(in[0]) << 24 | static_cast<std::uint8_t>(in[1]) << 16 |
        static_cast<std::uint8_t>(in[2]) << 8 | static_cast<std::uint8_t>(in[3]);
    in.remove_prefix(4);
    if (len > in.size()) return std::nullopt;
    const auto s = in.substr(0, len);
    in.remove_prefix(len);
    return s;
}

// Bits in an RSA blob's modulus: string "ssh-rsa", mpint e, mpint n.
int rsa_bits(std::string_view blob) {
    std::string_view in = blob;
    if (!read_string(in) || !read_string(in)) return 0;
    auto n = read_string(in);
    if (!n) return 0;
    std::string_view m = *n;
    while (!m.empty() && m.front() == '\0') m.remove_prefix(1);
    if (m.empty()) return 0;
    int bits = static_cast<int>(m.size()) * 8;
    for (unsigned char top = static_cast<unsigned char>(m.front()); !(top & 0x80); top <<= 1)
        --bits;
    return bits;
}

int curve_bits(std::string_view type) {
    if (type.find("25519") != std::string_view::npos) return 256;
    if (type.find("nistp256") != std::string_view::npos) return 256;
    if (type.find("nistp384") != std::string_view::npos) return 384;
    if (type.find("nistp521") != std::string_view::npos) return 521;
    return 0;
}

}  // namespace

std::string ssh_fingerprint_sha256(std::string_view blob) {
    return "SHA256:" + crypto::base64_encode(crypto::sha256(blob), false);
}

std::variant<ParsedSshKey, std::string> parse_ssh_public_key(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
        line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty()) return std::string("empty public key");

    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos)
        return std::string("expected 'TYPE BASE64 [COMMENT]', as in an authorized_keys line");
    ParsedSshKey key;
    key.key_type = std::string(line.substr(0, sp1));
    std::string_view rest = line.substr(sp1 + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto sp2 = rest.find(' ');
    key.base64 = std::string(rest.substr(0, sp2));
    if (sp2 != std::string_view::npos) key.comment = std::string(rest.substr(sp2 + 1));

    if (key.key_type == "ssh-dss") return std::string("DSA keys are not accepted (insecure)");
    bool known = false;
    for (auto t : kAcceptedTypes) known |= (t == key.key_type);
    if (!known)
        return "unsupported key type '" + key.key_type +
               "' (options before the key type are not accepted either)";

    const auto blob = crypto::base64_decode(key.base64);
    if (!blob || blob->empty()) return std::string("the key is not valid base64");
    key.blob = *blob;
    std::string_view in = key.blob;
    const auto inner = read_string(in);
    if (!inner || *inner != key.key_type)
        return "the key data does not hold a " + key.key_type + " key";

    ssh_key raw = nullptr;
    if (ssh_pki_import_pubkey_base64(key.base64.c_str(),
                                     ssh_key_type_from_name(key.key_type.c_str()), &raw) != SSH_OK)
        return "libssh could not read the " + key.key_type + " key";
    std::unique_ptr<ssh_key_struct, decltype(&ssh_key_free)> owner(raw, ssh_key_free);

    key.bits = key.key_type == "ssh-rsa" ? rsa_bits(key.blob) : curve_bits(key.key_type);
    if (key.key_type == "ssh-rsa" && key.bits < kMinRsaBits)
        return "RSA keys must have at least " + std::to_string(kMinRsaBits) +
               " bits (this one has " + std::to_string(key.bits) + ")";
    key.fingerprint = ssh_fingerprint_sha256(key.blob);
    return key;
}

}  // namespace drawbridge::core
