// The real Ceph RADOS gateway the S3 client tests talk to (docs/s3.md#tests). Under ctest it is
// started once for all of them by tests/fixtures/ceph_rgw.py (the rgw_start/rgw_stop fixture)
// and named by DRAWBRIDGE_RGW; run by hand, the test binary starts and stops one itself.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "s3/client.h"

namespace drawbridge::testing {

struct Rgw {
    std::string endpoint;
    std::string access_key;
    std::string secret_key;
    std::string region;
};

// The gateway of this test run (started by RgwEnvironment).
const Rgw& rgw();
s3::ClientConfig rgw_config();

// Runs fn(0) .. fn(count - 1) on `threads` threads; rethrows the first failure.
void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn);

// A bucket of its own for each test, emptied and removed at the end.
class RgwTest : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;
    void empty_bucket();

    std::unique_ptr<s3::Client> client_;
    std::string bucket_;
};

}  // namespace drawbridge::testing
