#include "core/action_log.h"

namespace drawbridge::core {

std::string known_actions_text() {
    std::string out;
    for (const auto a : kActions) out += (out.empty() ? "" : ", ") + std::string(a);
    return out;
}

}  // namespace drawbridge::core
