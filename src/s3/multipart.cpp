#include "s3/multipart.h"

#include <algorithm>
#include <stdexcept>

namespace drawbridge::s3 {
namespace {

constexpr std::size_t kMinPartSize = 5 * 1024 * 1024;
constexpr std::size_t kMaxPartSize = 5ull * 1024 * 1024 * 1024;
constexpr int kMaxParts = 10000;

}  // namespace

MultipartWriter::MultipartWriter(Client& client, std::string bucket, std::string key,
                                 Metadata metadata, Options options)
    : client_(client),
      bucket_(std::move(bucket)),
      key_(std::move(key)),
      metadata_(std::move(metadata)),
      options_(options) {
    if (options_.part_size < kMinPartSize || options_.part_size > kMaxPartSize) {
        throw std::invalid_argument("S3 part size outside 5 MiB..5 GiB");
    }
    if (options_.parallel < 1 || options_.parallel > 64) {
        throw std::invalid_argument("S3 parallel parts outside 1..64");
    }
    buffer_.reserve(options_.part_size);
}

MultipartWriter::~MultipartWriter() {
    if (done_) return;
    try {
        abort();
    } catch (...) {  // a destructor must not throw; S3's lifecycle rules reap stray uploads
    }
}

void MultipartWriter::write(std::string_view data) {
    if (done_) throw std::logic_error("S3 upload already finished or aborted");
    while (!data.empty()) {
        const std::size_t n = std::min(data.size(), options_.part_size - buffer_.size());
        buffer_.append(data.substr(0, n));
        data.remove_prefix(n);
        bytes_ += n;
        if (buffer_.size() == options_.part_size) send_part();
    }
}

void MultipartWriter::send_part() {
    rethrow_failure();
    if (next_part_ > kMaxParts) throw std::length_error("S3 upload beyond 10,000 parts");
    if (upload_id_.empty()) {
        upload_id_ = client_.create_multipart_upload(bucket_, key_, metadata_);
        pool_ = std::make_unique<core::WorkPool>(options_.parallel);
    }
    wait_until_fewer_than(options_.parallel);
    rethrow_failure();
    auto body = std::make_shared<std::string>(std::move(buffer_));
    buffer_ = std::string();
    buffer_.reserve(options_.part_size);
    const int number = next_part_++;
    {
        std::lock_guard lock(mutex_);
        ++in_flight_;
    }
    pool_->submit([this, body, number] {
        CompletedPart part{number, {}};
        std::exception_ptr failure;
        try {
            part.etag = client_.upload_part(bucket_, key_, upload_id_, number, *body);
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        if (failure && !failure_) failure_ = failure;
        if (!failure) parts_.push_back(std::move(part));
        --in_flight_;
        changed_.notify_all();
    });
}

void MultipartWriter::wait_until_fewer_than(unsigned in_flight) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return in_flight_ < in_flight; });
}

void MultipartWriter::rethrow_failure() {
    std::lock_guard lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
}

void MultipartWriter::finish() {
    if (done_) throw std::logic_error("S3 upload already finished or aborted");
    if (upload_id_.empty()) {  // smaller than one part
        client_.put_object(bucket_, key_, buffer_, metadata_);
        done_ = true;
        return;
    }
    if (!buffer_.empty()) send_part();
    wait_until_fewer_than(1);
    rethrow_failure();
    std::sort(parts_.begin(), parts_.end(),
              [](const CompletedPart& a, const CompletedPart& b) { return a.number < b.number; });
    client_.complete_multipart_upload(bucket_, key_, upload_id_, parts_);
    done_ = true;
}

void MultipartWriter::abort() {
    if (done_) return;
    done_ = true;
    if (upload_id_.empty()) return;
    wait_until_fewer_than(1);  // a part still arriving after the abort would be kept
    client_.abort_multipart_upload(bucket_, key_, upload_id_);
}

}  // namespace drawbridge::s3
