// zxcvbn's 30,000 most common passwords, compiled in (see scripts/extract-common-passwords.py):
// shipping the list inside the binary means the breach check cannot be disabled by a missing or
// tampered data file.
#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <string_view>

#include "core/password_policy.h"

namespace drawbridge::core {
namespace {

constexpr std::string_view kCommon[] = {
#include "common_passwords.inc"
};

// The binary search below is only correct on a strictly ascending list; a generator or
// toolchain change that breaks the order should fail the build, not quietly miss passwords.
static_assert(std::adjacent_find(std::begin(kCommon), std::end(kCommon),
                                 [](std::string_view a, std::string_view b) { return a >= b; }) ==
                  std::end(kCommon),
              "common_passwords.inc must be sorted and free of duplicates");

constexpr std::size_t kLongest =
    std::max_element(std::begin(kCommon), std::end(kCommon),
                     [](std::string_view a, std::string_view b) { return a.size() < b.size(); })
        ->size();

}  // namespace

bool is_common_password(std::string_view password) {
    // Anything longer than every entry cannot match; this also bounds the buffer, so a lookup
    // never allocates, however long the candidate.
    if (password.size() > kLongest) return false;
    std::array<char, kLongest> buf{};
    std::transform(password.begin(), password.end(), buf.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return std::binary_search(std::begin(kCommon), std::end(kCommon),
                              std::string_view(buf.data(), password.size()));
}

std::size_t common_password_count() {
    return std::size(kCommon);
}

}  // namespace drawbridge::core
