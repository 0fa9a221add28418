// Internal to the gate's sources: the state of one decision, shared by login_gate.cpp and
// login_gate_network.cpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/login_gate.h"
#include "auth/verified_credentials.h"
#include "core/cidr.h"

namespace drawbridge::auth {

// How the log names an API key.
inline std::string api_key_label(const core::ApiKey& k) {
    return "API key '" + k.name + "' (id " + std::to_string(k.id) + ")";
}

inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// The secret of an API-key login: an ApiKeyCredential's, or the password of an "@api-..." name.
inline const std::string* api_key_secret(const core::LoginAttempt& a) {
    if (auto* p = std::get_if<core::PasswordCredential>(&a.credential)) return &p->secret;
    if (auto* k = std::get_if<core::ApiKeyCredential>(&a.credential)) return &k->secret;
    return nullptr;
}

struct LoginGate::Context {
    const core::LoginAttempt* attempt = nullptr;  // null when explaining
    core::Interface interface = core::Interface::cli;
    std::string username;
    std::string ip_text;
    CredentialKind kind = CredentialKind::password;
    core::SiteSettings site;
    std::optional<core::IpAddress> ip;
    std::optional<core::User> user;
    std::optional<core::ApiKey> api_key;
    std::optional<core::SshKey> ssh_key;
    // The password to check: the credential's, or what precedes the code it carries
    // (LoginAttempt::code_may_follow_password).
    std::string password;
    // The second factor given with the first one (LoginAttempt::one_time_code, or split from
    // the password); and, once it passed, what it was, for the log.
    std::optional<std::string> code;
    std::string second_factor;
    bool rehash = false;
    bool locked = false;  // the account is locked out: the credential is checked in full
    // The password's use of the verified-credential cache: a hit, or the claim this login
    // settles (remembered only if it succeeds in full).
    VerifiedCredentials::Claim verified;
    core::UnixTime now = 0;
};

}  // namespace drawbridge::auth
