#include "core/mail.h"

#include <array>
#include <utility>

namespace drawbridge::core {
namespace {
constexpr std::array<std::pair<MailState, std::string_view>, 4> kStates = {{
    {MailState::queued, "queued"},
    {MailState::sending, "sending"},
    {MailState::sent, "sent"},
    {MailState::failed, "failed"},
}};
}  // namespace

std::string_view to_string(MailState s) {
    for (const auto& [state, name] : kStates)
        if (state == s) return name;
    return "queued";
}

std::optional<MailState> parse_mail_state(std::string_view s) {
    for (const auto& [state, name] : kStates)
        if (name == s) return state;
    return std::nullopt;
}

}  // namespace drawbridge::core
