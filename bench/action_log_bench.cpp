// Action-log search over 1,000,000 entries: fills a fresh SQLite store with a realistic mix, then
// times each kind of search `drawbridge log search` runs. Prints figures and each search's plan;
// never fails on speed. An optional argument sets the number of entries; a second, a PostgreSQL
// connection URI, runs it on that (empty) database instead (docs/store.md#postgresql;
// bench/pg_action_log_bench.sh starts a server for it).
//
// The mix is a site under a steady brute-force attack: ~70% failed logins, half of them from a
// few hundred botnet addresses trying a few common names (root, admin, ...), the rest spread
// over many users and addresses; logins are stamped when the attempt began, so neighbouring
// entries arrive a few seconds out of order, as they do in the server.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include "store/pg_connection.h"
#include "store/pg_store_impl.h"
#include "store/sqlite_store.h"
#include "store/store.h"

using namespace drawbridge;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string address(std::uint64_t n) {
    return "10." + std::to_string(n >> 16 & 255) + "." + std::to_string(n >> 8 & 255) + "." +
           std::to_string(n & 255);
}

// "SEARCH action_log USING INDEX action_log_ip (ip=? AND id<?)" -> "action_log_ip"
std::string driver(const std::string& plan) {
    if (plan.rfind("(none", 0) == 0) return "(empty by bounds)";
    for (const char* key : {"USING INDEX ", "USING COVERING INDEX "}) {
        const auto at = plan.find(key);
        if (at != std::string::npos) {
            const auto start = at + std::string(key).size();
            return plan.substr(start, plan.find(' ', start) - start);
        }
    }
    if (plan.find("INTEGER PRIMARY KEY") != std::string::npos) return "id range";
    if (plan.find("SCAN action_log") != std::string::npos) return "newest first (rowid)";
    // PostgreSQL: "Limit ... -> Index Scan Backward using action_log_ip on action_log ..."
    for (const char* key :
         {"Index Scan Backward using ", "Index Scan using ", "Bitmap Index Scan on "}) {
        const auto at = plan.find(key);
        if (at != std::string::npos) {
            const auto start = at + std::string(key).size();
            return plan.substr(start, plan.find(' ', start) - start);
        }
    }
    return plan.substr(0, plan.find('\n'));
}

std::string explain(store::Store& s, const core::ActionLogQuery& q) {
    if (auto* pg = dynamic_cast<store::pg::PgStore*>(&s)) return pg->explain_actions(q);
    return store::explain_query_actions(s, q);
}

}  // namespace

int main(int argc, char** argv) {
    const long total = argc > 1 ? std::atol(argv[1]) : 1000000;
    const auto dir = std::filesystem::temp_directory_path() /
                     ("drawbridge-action-log-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string uri = argc > 2 ? argv[2] : "";
    auto store =
        uri.empty() ? store::open_sqlite_store(dir / "bench.db") : store::open_postgres_store(uri);

    std::mt19937_64 rng(42);
    const core::UnixTime start = 1790000000;
    const core::FailureReason reasons[] = {
        core::FailureReason::username_not_found, core::FailureReason::username_not_found,
        core::FailureReason::password_mismatch,  core::FailureReason::password_mismatch,
        core::FailureReason::key_mismatch,       core::FailureReason::ip_mismatch,
        core::FailureReason::disabled,           core::FailureReason::no_ftp_permission};
    const core::Interface interfaces[] = {core::Interface::sftp, core::Interface::sftp,
                                          core::Interface::sftp, core::Interface::ftp,
                                          core::Interface::dav,  core::Interface::restapi,
                                          core::Interface::web};
    const char* common_names[] = {"root", "admin", "test", "user", "oracle", "ftp", "guest"};
    const char* file_actions[] = {"read", "create", "update", "destroy", "move", "copy"};

    auto t = Clock::now();
    const long batch = 20000;
    std::vector<core::ActionLogEntry> pending;
    for (long done = 0; done < total; done += batch) {
        store->transaction([&] {
            for (long i = done; i < std::min(total, done + batch); ++i) {
                core::ActionLogEntry e;
                // One entry every ~2 s (~23 days in all); a login is written when it ended.
                e.created_at = start + i * 2;
                const auto roll = rng() % 100;
                if (roll < 70) {
                    e.action = "failedlogin";
                    e.created_at -= static_cast<core::UnixTime>(rng() % 4);
                    e.failure_type = reasons[rng() % std::size(reasons)];
                    if (rng() % 2) {  // the botnet
                        e.ip = address(rng() % 300);
                        e.username = common_names[rng() % std::size(common_names)];
                    } else {
                        e.ip = address(1000 + rng() % 200000);
                        e.username = "user" + std::to_string(rng() % 5000);
                    }
                    e.detail = "wrong password";
                } else if (roll < 82) {
                    e.action = "login";
                    e.created_at -= static_cast<core::UnixTime>(rng() % 2);
                    e.username = "user" + std::to_string(rng() % 5000);
                    e.ip = address(1000 + rng() % 200000);
                } else {
                    e.action = file_actions[rng() % std::size(file_actions)];
                    e.username = "user" + std::to_string(rng() % 5000);
                    e.ip = address(1000 + rng() % 200000);
                    e.path = "/inbox/file" + std::to_string(i) + ".csv";
                    e.bytes = static_cast<std::int64_t>(rng() % 10000000);
                }
                e.interface = interfaces[rng() % std::size(interfaces)];
                // PostgreSQL: in the batches the log's writer hands the store (group commit,
                // docs/action-log.md), each a few statements whatever its size; one entry at a
                // time costs a round trip to the server per statement.
                if (uri.empty()) {
                    store->append_action(e);
                    continue;
                }
                pending.push_back(std::move(e));
                if (pending.size() == 1000 || i + 1 == std::min(total, done + batch)) {
                    std::vector<core::ActionLogEntry*> ptrs;
                    for (auto& p : pending) ptrs.push_back(&p);
                    store->append_actions(ptrs);
                    pending.clear();
                }
            }
        });
    }
    const double insert_ms = ms_since(t);
    std::printf(
        "inserted %ld entries in %.1f s: %.0f entries/s (batches of %ld per transaction%s)\n",
        total, insert_ms / 1000, total / (insert_ms / 1000), batch,
        uri.empty() ? "" : ", append_actions of 1000");
    t = Clock::now();
    for (int i = 0; i < 1000; ++i) {
        core::ActionLogEntry e;
        e.created_at = start + total * 2 + i;
        e.action = "failedlogin";
        e.username = "root";
        e.ip = address(7);
        store->append_action(e);
    }
    std::printf("1000 single appends, one commit (fsync) each: %.2f ms per append\n\n",
                ms_since(t) / 1000);
    if (!uri.empty()) {
        // What autovacuum would have done after a million inserts: statistics for the planner.
        t = Clock::now();
        store::pg::Connection(uri).script("ANALYZE action_log");
        std::printf("ANALYZE action_log: %.0f ms\n\n", ms_since(t));
    }

    struct Case {
        std::string name;
        core::ActionLogQuery q;
    };
    std::vector<Case> cases;
    auto add = [&](std::string name, auto fill) {
        core::ActionLogQuery q;
        q.limit = 100;
        fill(q);
        cases.push_back({std::move(name), q});
    };
    const core::UnixTime mid = start + total;  // half way through the log
    add("no filter, newest page", [](auto&) {});
    add("action=failedlogin", [](auto& q) { q.action = "failedlogin"; });
    add("action=copy", [](auto& q) { q.action = "copy"; });
    add("username=USER42 (any case)", [](auto& q) { q.username = "USER42"; });
    add("username=root (hot)", [](auto& q) { q.username = "root"; });
    add("username=nobody (no match)", [](auto& q) { q.username = "nobody"; });
    add("ip=10.0.0.7 (botnet, hot)", [](auto& q) { q.ip = "10.0.0.7"; });
    add("ip=10.1.2.3 (rare)", [](auto& q) { q.ip = "10.1.2.3"; });
    add("interface=ftp", [](auto& q) { q.interface = core::Interface::ftp; });
    add("failure_type=disabled", [](auto& q) { q.failure_type = core::FailureReason::disabled; });
    add("time range: one day, mid-log", [&](auto& q) {
        q.since = mid;
        q.until = mid + 86400;
    });
    add("time range: first hour of the log", [&](auto& q) {
        q.since = start;
        q.until = start + 3600;
    });
    add("until only (older than mid-log)", [&](auto& q) { q.until = mid; });
    add("since only (last day)", [&](auto& q) { q.since = start + total * 2 - 86400; });
    add("failedlogin + username + sftp", [](auto& q) {
        q.action = "failedlogin";
        q.username = "user7";
        q.interface = core::Interface::sftp;
    });
    add("hot ip + username=admin", [](auto& q) {
        q.ip = "10.0.0.9";
        q.username = "admin";
    });
    add("username=root + ftp + no_ftp_permission", [](auto& q) {
        q.username = "root";
        q.interface = core::Interface::ftp;
        q.failure_type = core::FailureReason::no_ftp_permission;
    });
    add("failure_type + one hour", [&](auto& q) {
        q.failure_type = core::FailureReason::password_mismatch;
        q.since = mid;
        q.until = mid + 3600;
    });
    add("all five filters + one week", [&](auto& q) {
        q.action = "failedlogin";
        q.failure_type = core::FailureReason::password_mismatch;
        q.username = "admin";
        q.interface = core::Interface::sftp;
        q.ip = "10.0.0.200";
        q.since = mid - 7 * 86400;
        q.until = mid;
    });
    add("failedlogin, cursor half way back", [&](auto& q) {
        q.action = "failedlogin";
        q.cursor = total / 2;
    });
    add("limit 1000, no filter", [](auto& q) { q.limit = 1000; });

    std::printf("%-42s %9s %6s  %-9s %s\n", "search (limit 100, median of 7 after a warm-up)", "ms",
                "rows", "target", "driven by");
    double worst = 0;
    auto report = [&](const std::string& name, double ms, std::size_t rows,
                      const std::string& plan) {
        worst = std::max(worst, ms);
        std::printf("%-42s %9.3f %6zu  %-9s %s\n", name.c_str(), ms, rows, "< 100 ms",
                    plan.c_str());
    };
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
        report(c.name, times[3], rows, driver(explain(*store, c.q)));
    }
    // Paging with the cursor: each page costs about what the first did.
    for (const char* filter : {"", "failedlogin", "copy"}) {
        std::vector<double> times;
        std::size_t rows = 0;
        for (int run = 0; run < 5; ++run) {
            core::ActionLogQuery q;
            if (*filter) q.action = filter;
            q.limit = 100;
            rows = 0;
            t = Clock::now();
            for (int page = 0; page < 10; ++page) {
                const auto p = store->query_actions(q);
                rows += p.entries.size();
                if (!p.next_cursor) break;
                q.cursor = p.next_cursor;
            }
            times.push_back(ms_since(t));
        }
        std::sort(times.begin(), times.end());
        report(std::string("10 pages deep, ") + (*filter ? filter : "no filter") + " (all 10)",
               times[2], rows, "cursor");
    }
    // The dashboard's chart (GET /history/summary): the whole log by day, and its last day by
    // hour, from the hourly login counts (docs/action-log.md#login-counts).
    const core::UnixTime end = start + total * 2 + 3600;
    for (const auto& [name, since, bucket] :
         {std::tuple{"login summary, all by day", start, core::UnixTime{86400}},
          std::tuple{"login summary, last day by hour", end - 86400, core::UnixTime{3600}}}) {
        std::vector<double> times;
        std::size_t rows = 0;
        for (int i = 0; i < 7; ++i) {
            t = Clock::now();
            rows = store->count_logins(since, end, bucket).size();
            times.push_back(ms_since(t));
        }
        std::sort(times.begin(), times.end());
        report(name, times[3], rows, "action_log_login_counts");
    }
    std::printf("\nslowest median: %.3f ms (target: each well under 100 ms)\n", worst);
    store.reset();
    std::filesystem::remove_all(dir);
    return 0;
}
