#include "core/guess_memo.h"

#include <algorithm>
#include <cctype>

#include "core/crypto.h"

namespace drawbridge::core {

GuessMemo::GuessMemo() : key_(crypto::random_bytes(32)) {}

bool GuessMemo::seen_before(std::string_view username, const Credential& credential,
                            FailureReason reason) {
    // Field by field, each length-prefixed, so that no two guesses share an encoding.
    std::string message;
    auto field = [&](std::string_view s) { crypto::append_field(message, s); };
    std::string name(username);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    field(name);
    field(to_string(reason));
    std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, PasswordCredential>) {
                field("password");
                field(c.secret);
            } else if constexpr (std::is_same_v<T, PublicKeyCredential>) {
                field("ssh_key");
                field(c.blob);
            } else if constexpr (std::is_same_v<T, ApiKeyCredential>) {
                field("api_key");
                field(c.secret);
            } else if constexpr (std::is_same_v<T, OneTimeCodeCredential>) {
                field("one_time_code");
                field(c.code);
            } else {
                field("webauthn");
                field(c.credential_id);
                field(c.signature);
            }
        },
        credential);
    const std::string digest = crypto::hmac_sha256(key_, message);

    std::lock_guard lock(mutex_);
    ++failures_;
    for (const auto& d : digests_)
        if (crypto::constant_time_equal(d, digest)) return true;
    digests_.push_back(digest);
    if (digests_.size() > kLimit) digests_.pop_front();
    return false;
}

int GuessMemo::failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
}

}  // namespace drawbridge::core
