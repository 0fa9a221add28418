// Action-log search over 1,000,000 entries: fills a fresh SQLite store with a realistic mix
// (mostly failed logins from a botnet-like spread of addresses and names), then times each kind of
// query `drawbridge log search` runs. Prints figures; never fails on speed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "store/store.h"

using namespace drawbridge;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    const long total = argc > 1 ? std::atol(argv[1]) : 1000000;
    const auto dir = std::filesystem::temp_directory_path() / "drawbridge-action-log-bench";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto store = store::open_sqlite_store(dir / "bench.db");

    std::mt19937_64 rng(42);
    const core::UnixTime start = 1790000000;
    const core::FailureReason reasons[] = {
        core::FailureReason::username_not_found, core::FailureReason::password_mismatch,
        core::FailureReason::key_mismatch, core::FailureReason::ip_mismatch,
        core::FailureReason::disabled};
    const core::Interface interfaces[] = {core::Interface::sftp, core::Interface::sftp,
                                          core::Interface::ftp, core::Interface::dav,
                                          core::Interface::restapi};
    auto t = Clock::now();
    const long batch = 20000;
    for (long done = 0; done < total; done += batch) {
        store->transaction([&] {
            for (long i = done; i < std::min(total, done + batch); ++i) {
                core::ActionLogEntry e;
                e.created_at = start + i * 2;  // one entry every 2 s: ~23 days in all
                const bool failed = rng() % 10 < 7;
                e.action = failed ? "failedlogin" : (rng() % 3 ? "login" : "read");
                e.failure_type = failed ? reasons[rng() % 5] : core::FailureReason::none;
                e.username = failed && rng() % 2 ? "root" + std::to_string(rng() % 5000)
                                                 : "user" + std::to_string(rng() % 2000);
                e.ip = "10." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) +
                       "." + std::to_string(rng() % 256);
                e.interface = interfaces[rng() % 5];
                e.detail = failed ? "wrong password" : "";
                store->append_action(e);
            }
        });
    }
    const double insert_ms = ms_since(t);
    std::printf("inserted %ld entries in %.1f s (%.0f entries/s)\n", total, insert_ms / 1000,
                total / (insert_ms / 1000));

    struct Case {
        const char* name;
        core::ActionLogQuery q;
    };
    std::vector<Case> cases;
    auto add = [&](const char* name, auto fill) {
        core::ActionLogQuery q;
        q.limit = 100;
        fill(q);
        cases.push_back({name, q});
    };
    add("newest page, no filter", [](auto&) {});
    add("action=failedlogin", [](auto& q) { q.action = "failedlogin"; });
    add("username=user42", [](auto& q) { q.username = "USER42"; });
    add("ip=10.1.2.3 (rare)", [](auto& q) { q.ip = "10.1.2.3"; });
    add("interface=ftp", [](auto& q) { q.interface = core::Interface::ftp; });
    add("failure_type=disabled", [](auto& q) { q.failure_type = core::FailureReason::disabled; });
    add("time range (one day, mid-log)", [&](auto& q) {
        q.since = start + total;  // half way
        q.until = start + total + 86400;
    });
    add("failedlogin + username + interface", [](auto& q) {
        q.action = "failedlogin";
        q.username = "user7";
        q.interface = core::Interface::sftp;
    });
    add("failure_type + time range", [&](auto& q) {
        q.failure_type = core::FailureReason::password_mismatch;
        q.since = start + total / 2;
        q.until = start + total / 2 + 3600;
    });
    add("unknown username (no match)", [](auto& q) { q.username = "nobody-at-all"; });

    std::printf("%-40s %10s %8s\n", "query (limit 100, median of 7)", "ms", "rows");
    double worst = 0;
    for (auto& c : cases) {
        std::vector<double> times;
        std::size_t rows = 0;
        store->query_actions(c.q);  // warm-up
        for (int i = 0; i < 7; ++i) {
            t = Clock::now();
            rows = store->query_actions(c.q).entries.size();
            times.push_back(ms_since(t));
        }
        std::sort(times.begin(), times.end());
        worst = std::max(worst, times[3]);
        std::printf("%-40s %10.2f %8zu\n", c.name, times[3], rows);
    }
    // Paging deep with the cursor: each page costs the same as the first.
    core::ActionLogQuery q;
    q.action = "failedlogin";
    q.limit = 100;
    t = Clock::now();
    for (int page = 0; page < 10; ++page) q.cursor = store->query_actions(q).next_cursor;
    std::printf("%-40s %10.2f %8s\n", "10 pages of failedlogin (total)", ms_since(t), "1000");
    std::printf("slowest median: %.2f ms (target: well under 100 ms)\n", worst);
    store.reset();
    std::filesystem::remove_all(dir);
    return 0;
}
