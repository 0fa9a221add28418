#include "sftp/input.h"

#include <algorithm>

namespace drawbridge::sftp {

std::size_t HeldInput::take(std::string_view data) {
    if (bad_) return data.size();
    paused_ = false;  // until the engine says so again
    std::size_t taken = 0;
    while (!held_.empty()) {
        const Taken t = consume_(held_);
        held_.erase(0, t.bytes);
        paused_ = t.paused;
        if (!t.ok) {
            bad_ = true;
            return data.size();
        }
        if (t.paused || held_.empty()) break;
        // What is left is the start of one packet: its missing bytes come from `data`.
        const Frame f = frame(held_, max_packet_);
        const std::size_t more = f.kind == Frame::more ? std::min(f.size, data.size() - taken) : 0;
        if (more == 0) return taken;
        held_.append(data.substr(taken, more));
        taken += more;
    }
    if (paused_ || !held_.empty()) return taken;
    const Taken t = consume_(data.substr(taken));
    paused_ = t.paused;
    if (!t.ok) {
        bad_ = true;
        return data.size();
    }
    return taken + t.bytes;
}

}  // namespace drawbridge::sftp
