// zxcvbn's 30,000 most common passwords, compiled in (see scripts/extract-common-passwords.py).
#include <algorithm>
#include <array>
#include <string>

#include "core/password_policy.h"

namespace drawbridge::core {
namespace {

constexpr std::string_view kCommon[] = {
#include "common_passwords.inc"
};

}  // namespace

bool is_common_password(std::string_view password) {
    std::string lower(password);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    });
    return std::binary_search(std::begin(kCommon), std::end(kCommon), std::string_view(lower));
}

std::size_t common_password_count() {
    return std::size(kCommon);
}

}  // namespace drawbridge::core
