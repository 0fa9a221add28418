// Time source, injectable so that expiry and lockout rules can be tested.
#pragma once

#include <chrono>

#include "core/types.h"

namespace drawbridge::core {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual UnixTime now() const = 0;
};

class SystemClock final : public Clock {
  public:
    UnixTime now() const override {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

class ManualClock final : public Clock {
  public:
    explicit ManualClock(UnixTime t) : t_(t) {}
    UnixTime now() const override { return t_; }
    void set(UnixTime t) { t_ = t; }
    void advance(UnixTime seconds) { t_ += seconds; }

  private:
    UnixTime t_;
};

inline constexpr UnixTime kSecondsPerDay = 86400;
inline constexpr UnixTime kSecondsPerHour = 3600;

}  // namespace drawbridge::core
