// An object of unknown length streamed to S3 as a multipart upload (docs/s3.md#multipart): it
// appears only when finish() completes it, never half-written, and the whole of it is never
// held: each full part is uploaded on one of `parallel` threads while the next one fills, and
// write() waits while `parallel` parts are in flight, so memory stays (parallel + 1) parts.
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/work_pool.h"
#include "s3/client.h"

namespace drawbridge::s3 {

class MultipartWriter {
  public:
    struct Options {
        std::size_t part_size = 8 * 1024 * 1024;  // S3 wants 5 MiB or more but for the last
        unsigned parallel = 4;
    };

    MultipartWriter(Client& client, std::string bucket, std::string key, Metadata metadata,
                    Options options);
    // Aborts the upload unless finish() completed it: nothing appears, S3 drops the parts.
    ~MultipartWriter();
    MultipartWriter(const MultipartWriter&) = delete;
    MultipartWriter& operator=(const MultipartWriter&) = delete;

    // Throws the first failure of an earlier part, if any.
    void write(std::string_view data);
    // Uploads what is left and completes the object. One smaller than a part goes as one
    // PutObject (S3 refuses no upload of zero parts, but one PUT is one round trip).
    void finish();
    void abort();

    std::uint64_t bytes_written() const { return bytes_; }
    std::size_t parts_uploaded() const { return parts_.size(); }

  private:
    void send_part();
    void wait_until_fewer_than(unsigned in_flight);
    void rethrow_failure();

    Client& client_;
    const std::string bucket_;
    const std::string key_;
    const Metadata metadata_;
    const Options options_;
    std::string upload_id_;  // empty until the first full part
    std::string buffer_;
    std::uint64_t bytes_ = 0;
    int next_part_ = 1;
    bool done_ = false;

    std::mutex mutex_;
    std::condition_variable changed_;
    unsigned in_flight_ = 0;
    std::vector<CompletedPart> parts_;
    std::exception_ptr failure_;
    // Last: destroyed (its threads joined) before what they use.
    std::unique_ptr<core::WorkPool> pool_;
};

}  // namespace drawbridge::s3
