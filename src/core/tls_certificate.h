// The node's TLS certificate for HTTPS (and FTPS): a self-signed one is generated on first start
// so that the zero-configuration node serves TLS; an operator replaces the two files with a real
// certificate and key.
#pragma once

#include <filesystem>

namespace drawbridge::core {

struct TlsCertificatePaths {
    std::filesystem::path certificate;  // PEM, the chain the server presents
    std::filesystem::path private_key;  // PEM, mode 0600
};

// Returns <dir>/server.crt and <dir>/server.key, generating a self-signed ECDSA P-256
// certificate (CN "drawbridge", subjectAltName localhost and 127.0.0.1, ten years) when either is
// missing. Creates `dir` with mode 0700. Throws std::runtime_error when it cannot.
TlsCertificatePaths ensure_tls_certificate(const std::filesystem::path& dir);

}  // namespace drawbridge::core
