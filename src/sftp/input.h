// SFTP input between the transport's buffer and the engine (docs/sftp.md#input). The engine
// handles whole packets in place from the transport's own buffer, which keeps what is not taken
// and offers it again; this holds only what the transport cannot keep: input that came before
// the engine existed, and bytes taken back from the transport after a pause.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "sftp/wire.h"

namespace drawbridge::sftp {

class HeldInput {
  public:
    // The engine: handles the whole packets at the start of what it is given (Session::consume).
    using Consume = std::function<Taken(std::string_view)>;
    HeldInput(Consume consume, std::uint32_t max_packet)
        : consume_(std::move(consume)), max_packet_(max_packet) {}

    // Hands the engine what is held, then `data` (the transport's bytes, which come after it);
    // returns how many bytes of `data` were taken. Held bytes are topped up from `data` only as
    // far as their first packet needs, so that the rest of `data` is handled in place.
    std::size_t take(std::string_view data);
    // Keeps bytes that come after everything offered so far.
    void hold(std::string_view bytes) { held_.append(bytes); }
    std::size_t size() const { return held_.size(); }
    // The engine stopped for back-pressure: call take({}) again when the output has room.
    bool paused() const { return paused_; }
    // The engine found the stream unusable: nothing more is taken.
    bool bad() const { return bad_; }

  private:
    Consume consume_;
    std::uint32_t max_packet_;
    std::string held_;
    bool paused_ = false;
    bool bad_ = false;
};

}  // namespace drawbridge::sftp
