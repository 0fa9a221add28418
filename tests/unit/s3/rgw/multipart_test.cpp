// Multipart uploads with parallel parts against a real Ceph RADOS gateway (docs/s3.md#multipart).
#include <chrono>
#include <cstdio>

#include "core/crypto.h"
#include "s3/error.h"
#include "s3/multipart.h"
#include "unit/s3/rgw/rgw_fixture.h"

namespace drawbridge::testing {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string block(std::size_t size, unsigned seed) {
    std::string out(size, '\0');
    std::uint32_t x = seed * 2654435761u + 7;
    for (auto& c : out) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return out;
}

using Multipart = RgwTest;

TEST_F(Multipart, SixtyFourMiBInEightMiBPartsAppearsOnlyWhenComplete) {
    // 64 MiB + 1 KiB: eight full parts and a short last one.
    std::string data;
    for (unsigned i = 0; i < 64; ++i) data += block(kMiB, i);
    data += block(1024, 99);
    const auto began = std::chrono::steady_clock::now();
    s3::MultipartWriter writer(*client_, bucket_, "up/large.bin", {{"mtime", "1234567890"}},
                               {8 * kMiB, 4});
    // Written in odd-sized pieces, as a protocol hands them over.
    for (std::size_t at = 0; at < data.size(); at += 300 * 1024 + 1) {
        writer.write(std::string_view(data).substr(at, 300 * 1024 + 1));
    }
    EXPECT_FALSE(client_->head_object(bucket_, "up/large.bin")) << "visible before completion";
    writer.finish();
    const auto done = std::chrono::steady_clock::now();
    std::printf("64 MiB multipart upload: %lld ms\n",
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(done - began).count()));
    EXPECT_EQ(writer.parts_uploaded(), 9u);
    EXPECT_EQ(writer.bytes_written(), data.size());

    const auto info = client_->head_object(bucket_, "up/large.bin");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->size, data.size());
    EXPECT_EQ(info->metadata.at("mtime"), "1234567890");
    EXPECT_NE(info->etag.find("-9"), std::string::npos) << info->etag;  // a multipart ETag
    const std::string back = client_->get_object(bucket_, "up/large.bin", {}, 65 * kMiB);
    EXPECT_EQ(core::crypto::to_hex(core::crypto::sha256(back)),
              core::crypto::to_hex(core::crypto::sha256(data)));
    // Across the boundary of parts 1 and 2.
    const auto across =
        client_->get_object(bucket_, "up/large.bin", s3::ByteRange{8 * kMiB - 5, 8 * kMiB + 4});
    EXPECT_EQ(across, data.substr(8 * kMiB - 5, 10));
}

TEST_F(Multipart, DroppedWriterLeavesNoObject) {
    {
        s3::MultipartWriter writer(*client_, bucket_, "up/abandoned", {}, {5 * kMiB, 2});
        writer.write(block(11 * kMiB, 3));
    }  // no finish(): the destructor aborts
    EXPECT_FALSE(client_->head_object(bucket_, "up/abandoned"));
}

TEST_F(Multipart, SmallObjectGoesAsOnePut) {
    s3::MultipartWriter writer(*client_, bucket_, "up/small", {{"mode", "100600"}}, {});
    writer.write("tiny");
    writer.finish();
    EXPECT_EQ(writer.parts_uploaded(), 0u);
    EXPECT_EQ(client_->get_object(bucket_, "up/small"), "tiny");
    EXPECT_EQ(client_->head_object(bucket_, "up/small")->metadata.at("mode"), "100600");
}

TEST_F(Multipart, ExplicitCallsAndAbortedUploadIsGone) {
    const std::string id = client_->create_multipart_upload(bucket_, "up/manual");
    const std::string part1 = block(5 * kMiB, 4), part2 = "end";
    const std::string e2 = client_->upload_part(bucket_, "up/manual", id, 2, part2);
    const std::string e1 = client_->upload_part(bucket_, "up/manual", id, 1, part1);
    client_->complete_multipart_upload(bucket_, "up/manual", id, {{1, e1}, {2, e2}});
    EXPECT_EQ(client_->get_object(bucket_, "up/manual", {}, 6 * kMiB), part1 + part2);

    const std::string gone = client_->create_multipart_upload(bucket_, "up/gone");
    client_->upload_part(bucket_, "up/gone", gone, 1, "x");
    client_->abort_multipart_upload(bucket_, "up/gone", gone);
    try {
        client_->upload_part(bucket_, "up/gone", gone, 2, "y");
        ADD_FAILURE() << "a part was accepted after the abort";
    } catch (const s3::Error& e) {
        EXPECT_EQ(e.code(), "NoSuchUpload");
    }
    EXPECT_FALSE(client_->head_object(bucket_, "up/gone"));
}

TEST_F(Multipart, CompletionWithAWrongETagIsRefused) {
    const std::string id = client_->create_multipart_upload(bucket_, "up/bad");
    client_->upload_part(bucket_, "up/bad", id, 1, "x");
    try {
        client_->complete_multipart_upload(bucket_, "up/bad", id, {{1, "\"0000\""}});
        ADD_FAILURE() << "completed with a wrong ETag";
    } catch (const s3::Error& e) {
        EXPECT_EQ(e.code(), "InvalidPart") << e.what();
    }
    client_->abort_multipart_upload(bucket_, "up/bad", id);
}

}  // namespace
}  // namespace drawbridge::testing
