#include "unit/s3/rgw/rgw_fixture.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace drawbridge::testing {
namespace {

Rgw g_rgw;

std::string fixture_script() {
    return DRAWBRIDGE_RGW_FIXTURE;
}

Rgw read_rgw(const std::string& json_path) {
    std::ifstream in(json_path);
    if (!in) throw std::runtime_error("cannot read " + json_path);
    const auto j = nlohmann::json::parse(in);
    return {j.at("endpoint"), j.at("access_key"), j.at("secret_key"), j.at("region")};
}

// Starts a gateway for this process when ctest's fixture did not (a run by hand).
class RgwEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        if (const char* json = std::getenv("DRAWBRIDGE_RGW")) {
            g_rgw = read_rgw(json);
            return;
        }
        char dir[] = "/dev/shm/drawbridge-rgw-gtest-XXXXXX";
        if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
        dir_ = dir;
        const std::string command =
            "/usr/bin/python3 " + fixture_script() + " start " + dir_ + " >/dev/null";
        if (std::system(command.c_str()) != 0) {
            throw std::runtime_error("the Ceph RGW fixture did not start (" + command + ")");
        }
        g_rgw = read_rgw(dir_ + "/rgw.json");
    }
    void TearDown() override {
        if (dir_.empty()) return;
        const std::string command = "/usr/bin/python3 " + fixture_script() + " stop " + dir_;
        if (std::system(command.c_str()) != 0) std::fprintf(stderr, "rgw stop failed\n");
    }

  private:
    std::string dir_;
};

[[maybe_unused]] const auto* const g_environment =
    ::testing::AddGlobalTestEnvironment(new RgwEnvironment);

// "rgw-<suite>-<test>", as S3 bucket names go: lowercase, digits and '-', at most 63.
std::string bucket_for_this_test() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("t-") + info->test_suite_name() + "-" + info->name();
    std::string out;
    for (const char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    return out.substr(0, 63);
}

}  // namespace

const Rgw& rgw() {
    return g_rgw;
}

void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn) {
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::exception_ptr failure;
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (std::size_t i; (i = next++) < count;) {
                try {
                    fn(i);
                } catch (...) {
                    std::lock_guard lock(mutex);
                    if (!failure) failure = std::current_exception();
                    next = count;
                }
            }
        });
    }
    for (auto& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
}

s3::ClientConfig rgw_config() {
    s3::ClientConfig c;
    c.endpoint = g_rgw.endpoint;
    c.region = g_rgw.region;
    c.credentials = {g_rgw.access_key, g_rgw.secret_key};
    return c;
}

void RgwTest::SetUp() {
    client_ = std::make_unique<s3::Client>(rgw_config());
    bucket_ = bucket_for_this_test();
    client_->create_bucket(bucket_);
}

void RgwTest::empty_bucket() {
    s3::ListRequest request;
    for (;;) {
        const auto page = client_->list_objects(bucket_, request);
        parallel_for(page.objects.size(), 8,
                     [&](std::size_t i) { client_->delete_object(bucket_, page.objects[i].key); });
        if (!page.truncated) break;
        request.continuation_token = page.next_continuation_token;
    }
}

void RgwTest::TearDown() {
    try {
        empty_bucket();
        client_->delete_bucket(bucket_);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "cleaning bucket " << bucket_ << ": " << e.what();
    }
}

}  // namespace drawbridge::testing
