#include <gtest/gtest.h>

#include "core/ssh_key.h"

namespace drawbridge::core {
namespace {

// Keys made by ssh-keygen; fingerprints as `ssh-keygen -lf` printed them.
constexpr const char* kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDnOx2zBZYw8uC7Na1C/vVoLH6bWY8UTnP3naDms8JMM alice@laptop";
constexpr const char* kRsa2048 =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDMg1mmbQL2rKTdGKiM2wUc2XWU2LWDARPCBZRovF41+0XDPitPpFhRBYahyc+"
    "maByzea86UQWHEWYJoMyKOAVif8mRtasmWmcn1T0b7oALrUV/"
    "01yTwjnMA36ho4Q2kUEbUqbOl9iq6A7Zi7Wi6118b+"
    "NkvTLk7qBWWUdPR8h1Zp6svOTjPN0dbyFGxkoGhByB5Tf8stvb7mjeiRESS4uytNemS95Rx6ZrWGhKpAAgzLV8ZEgZQxBF"
    "QqnpPve0+JCldczZ/Lkjn8sjT0qzlnHx4SVqaRMGw9ajy2R4/nxIR6MDXmSIf/"
    "Pvl8O3W4Zs9OErs8qNdnVto6ffwvxm6naF rsa2048";
constexpr const char* kRsa1024 =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQC2qRJtyQDzkGqCzWStm4z4tmI02A/tKTFwG6gcEqgphaN2TLDdy55Iz/"
    "FwXe3AplA4oEoY5Y4hEaoZ86kWAFBOuFurPgHNjfdM6mZrGKKsc4n9vbPqGvOksQKIIWa933LHlsxdy1DGn/UW/"
    "FQMRnK8KoLZFBOfbhOhlNz0hPFLuw== root@vm";
constexpr const char* kEcdsa384 =
    "ecdsa-sha2-nistp384 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBI7l0C3Dm4UfM+b8HbjZfdjOdWxGUkRior+"
    "GxaW0EVUNINc2dJ2SyqivCFWf6ka6LKfzBVTe/89iSYK59Z2OGxBYRDHuOXxB4WkM/"
    "2e31hHxuWBjGw9kmKWGz7X5gMRAjg== ec";

const ParsedSshKey& ok(const std::variant<ParsedSshKey, std::string>& v) {
    if (auto* e = std::get_if<std::string>(&v)) ADD_FAILURE() << *e;
    static ParsedSshKey empty;
    return std::holds_alternative<ParsedSshKey>(v) ? std::get<ParsedSshKey>(v) : empty;
}

std::string error(const std::variant<ParsedSshKey, std::string>& v) {
    return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "";
}

TEST(SshKey, ParsesAndFingerprintsLikeSshKeygen) {
    const auto ed_parsed = parse_ssh_public_key(kEd25519);
    const auto& ed = ok(ed_parsed);
    EXPECT_EQ(ed.key_type, "ssh-ed25519");
    EXPECT_EQ(ed.comment, "alice@laptop");
    EXPECT_EQ(ed.fingerprint, "SHA256:6nCeUs5PV8G6medY07CP720AKQg/SVLaoOmmT1jdXc4");
    const auto rsa_parsed = parse_ssh_public_key(std::string(kRsa2048) + "\n");
    const auto& rsa = ok(rsa_parsed);
    EXPECT_EQ(rsa.bits, 2048);
    EXPECT_EQ(rsa.fingerprint, "SHA256:wErqrKOZEd2LSUkYLCL4QO6vwDyZhfhEql99n2GWiQ4");
    const auto ec_parsed = parse_ssh_public_key(kEcdsa384);
    const auto& ec = ok(ec_parsed);
    EXPECT_EQ(ec.fingerprint, "SHA256:eLbuVoFSHOp785LTPBUPQmlNopm+m6mS46VkAnO6cGo");
}

TEST(SshKey, RefusesWeakAndMalformedKeys) {
    EXPECT_NE(error(parse_ssh_public_key(kRsa1024)).find("at least 2048 bits (this one has 1024)"),
              std::string::npos);
    EXPECT_NE(error(parse_ssh_public_key("ssh-dss AAAAB3NzaC1kc3MAAACBAP")).find("DSA"),
              std::string::npos);
    EXPECT_NE(error(parse_ssh_public_key("")).find("empty"), std::string::npos);
    EXPECT_NE(error(parse_ssh_public_key("ssh-ed25519")).find("TYPE BASE64"), std::string::npos);
    EXPECT_NE(error(parse_ssh_public_key("ssh-ed25519 !!!notbase64")).find("base64"),
              std::string::npos);
    EXPECT_NE(error(parse_ssh_public_key("command=\"x\" ssh-ed25519 AAAA")).find("unsupported"),
              std::string::npos);
    // An RSA blob declared as ed25519.
    std::string lie = kRsa2048;
    lie.replace(0, 7, "ssh-ed25519");
    EXPECT_NE(error(parse_ssh_public_key(lie)).find("does not hold"), std::string::npos);
    // Truncated key data.
    std::string cut = kEd25519;
    cut = cut.substr(0, 40);
    EXPECT_FALSE(error(parse_ssh_public_key(cut)).empty());
}

}  // namespace
}  // namespace drawbridge::core
