// Each S3 call against a real Ceph RADOS gateway (docs/s3.md#tests).
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "s3/error.h"
#include "unit/s3/rgw/rgw_fixture.h"

namespace drawbridge::testing {
namespace {

// Bytes that differ at every offset, so a range shifted by one byte cannot match.
std::string pattern(std::size_t size, unsigned seed) {
    std::string out(size, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : out) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    return out;
}

s3::Error error_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const s3::Error& e) {
        return e;
    }
    ADD_FAILURE() << "no s3::Error thrown";
    return s3::Error("", 0, "", "", "");
}

using Client = RgwTest;

TEST_F(Client, PutHeadGetDeleteKeepMetadata) {
    client_->put_object(bucket_, "a/hello.txt", "hello, world",
                        {{"mtime", "1700000000"}, {"mode", "100640"}});
    const auto info = client_->head_object(bucket_, "a/hello.txt");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->size, 12u);
    EXPECT_EQ(info->metadata.at("mtime"), "1700000000");
    EXPECT_EQ(info->metadata.at("mode"), "100640");
    EXPECT_GT(info->last_modified, 1700000000);
    EXPECT_FALSE(info->etag.empty());
    EXPECT_EQ(client_->get_object(bucket_, "a/hello.txt"), "hello, world");

    client_->delete_object(bucket_, "a/hello.txt");
    EXPECT_FALSE(client_->head_object(bucket_, "a/hello.txt"));
    const auto e = error_of([&] { client_->get_object(bucket_, "a/hello.txt"); });
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.code(), "NoSuchKey");
    EXPECT_FALSE(e.request_id().empty());
    EXPECT_NE(std::string(e.what()).find("NoSuchKey (HTTP 404)"), std::string::npos) << e.what();
}

TEST_F(Client, RangedGetsAreByteExact) {
    const std::string data = pattern(3 * 1024 * 1024 + 17, 1);
    client_->put_object(bucket_, "big.bin", data);
    const std::vector<s3::ByteRange> ranges = {{0, 0},
                                               {1, 1},
                                               {1000, 99999},
                                               {1024 * 1024 - 1, 2 * 1024 * 1024},
                                               {data.size() - 10, data.size() - 1}};
    for (const auto& r : ranges) {
        SCOPED_TRACE(std::to_string(r.first) + "-" + std::to_string(r.last));
        const std::string got = client_->get_object(bucket_, "big.bin", r);
        EXPECT_TRUE(got == data.substr(r.first, r.last - r.first + 1));
    }
    // A range past the end is cut to the object (the resume of a finished download).
    EXPECT_EQ(client_->get_object(bucket_, "big.bin", s3::ByteRange{data.size() - 3, data.size()}),
              data.substr(data.size() - 3));
    const auto e = error_of([&] {
        client_->get_object(bucket_, "big.bin", s3::ByteRange{data.size(), data.size()});
    });
    EXPECT_EQ(e.status(), 416);
    EXPECT_EQ(e.code(), "InvalidRange");
}

TEST_F(Client, StreamingGetStopsWhenTheReaderStops) {
    client_->put_object(bucket_, "k", pattern(2 * 1024 * 1024, 2));
    std::size_t seen = 0;
    const auto e = error_of([&] {
        client_->get_object(bucket_, "k", std::nullopt, [&](std::string_view chunk) {
            seen += chunk.size();
            return seen < 100000;
        });
    });
    EXPECT_EQ(e.code(), "Stopped");
    EXPECT_LT(seen, 2u * 1024 * 1024);
    const auto big = error_of([&] { client_->get_object(bucket_, "k", std::nullopt, 1000); });
    EXPECT_EQ(big.code(), "ReplyTooLarge");
}

TEST_F(Client, CopyKeepsOrReplacesMetadata) {
    client_->put_object(bucket_, "from", "content", {{"mtime", "1"}});
    client_->copy_object(bucket_, "from", "kept");
    client_->copy_object(bucket_, "from", "replaced", s3::Metadata{{"mtime", "2"}});
    EXPECT_EQ(client_->head_object(bucket_, "kept")->metadata.at("mtime"), "1");
    EXPECT_EQ(client_->head_object(bucket_, "replaced")->metadata.at("mtime"), "2");
    EXPECT_EQ(client_->get_object(bucket_, "replaced"), "content");
    const auto e = error_of([&] { client_->copy_object(bucket_, "absent", "x"); });
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.code(), "NoSuchKey");
}

TEST_F(Client, OddKeysRoundTrip) {
    // Spaces, '+', '%', UTF-8, dot segments and a double slash: encoded in the path, signed
    // the same, and decoded from the listing's encoding-type=url.
    const std::vector<std::string> keys = {
        "a b+c%d.txt",     "\xC3\xA9t\xC3\xA9/\xE1\x88\xB4", "x/../y", "x/./z", "d//e", "q?s=1&t#u",
        "~tilde!$'()*,;=@"};
    for (const auto& k : keys) client_->put_object(bucket_, k, "v:" + k);
    for (const auto& k : keys) {
        SCOPED_TRACE(k);
        EXPECT_EQ(client_->get_object(bucket_, k), "v:" + k);
    }
    const auto page = client_->list_objects(bucket_, {});
    std::vector<std::string> listed;
    for (const auto& o : page.objects) listed.push_back(o.key);
    auto expected = keys;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(listed, expected);
}

TEST_F(Client, WrongSecretIsRefusedWithSignatureDoesNotMatch) {
    auto config = rgw_config();
    config.credentials.secret_key += "x";
    s3::Client wrong(config);
    const auto e = error_of([&] { wrong.put_object(bucket_, "k", "v"); });
    EXPECT_EQ(e.status(), 403);
    EXPECT_EQ(e.code(), "SignatureDoesNotMatch");
    EXPECT_EQ(std::string(e.what()).find(config.credentials.secret_key), std::string::npos);
    EXPECT_FALSE(client_->head_object(bucket_, "k"));

    config.credentials = {"NOSUCHACCESSKEY", "whatever"};
    s3::Client unknown(config);
    EXPECT_EQ(error_of([&] { unknown.get_object(bucket_, "k"); }).code(), "InvalidAccessKeyId");
}

TEST_F(Client, UnsignedPayloadIsAccepted) {
    auto config = rgw_config();
    config.sign_payload = false;
    s3::Client unsigned_client(config);
    unsigned_client.put_object(bucket_, "u", "unsigned body");
    EXPECT_EQ(client_->get_object(bucket_, "u"), "unsigned body");
}

TEST_F(Client, MissingBucketNamesItsCode) {
    const auto e = error_of([&] { client_->put_object("no-such-bucket-here", "k", "v"); });
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.code(), "NoSuchBucket");
}

TEST_F(Client, TransportFailureIsClear) {
    auto config = rgw_config();
    config.endpoint = "http://127.0.0.1:1";  // nothing listens there
    config.attempts = 1;
    s3::Client nowhere(config);
    const auto e = error_of([&] { nowhere.head_object(bucket_, "k"); });
    EXPECT_EQ(e.status(), 0);
    EXPECT_NE(std::string(e.what()).find("transport failure"), std::string::npos) << e.what();
}

TEST_F(Client, ListingOfTenThousandKeysWithDelimiter) {
    constexpr std::size_t kFiles = 10000;
    const auto began = std::chrono::steady_clock::now();
    parallel_for(kFiles, 16, [&](std::size_t i) {
        char name[32];
        std::snprintf(name, sizeof name, "dir/f%05zu", i);
        client_->put_object(bucket_, name, "x");
    });
    client_->put_object(bucket_, "dir/sub/one", "1");
    client_->put_object(bucket_, "dir/sub/two", "2");
    client_->put_object(bucket_, "other", "3");
    const auto put = std::chrono::steady_clock::now();

    s3::ListRequest request{"dir/", "/", "", 1000};
    std::vector<std::string> files, folders;
    int pages = 0;
    for (;; ++pages) {
        const auto page = client_->list_objects(bucket_, request);
        for (const auto& o : page.objects) files.push_back(o.key);
        for (const auto& p : page.common_prefixes) folders.push_back(p);
        if (!page.truncated) break;
        request.continuation_token = page.next_continuation_token;
    }
    const auto listed = std::chrono::steady_clock::now();
    const auto ms = [](auto d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    std::printf("10,000 PUTs: %lld ms; listing: %lld ms in %d pages\n",
                static_cast<long long>(ms(put - began)), static_cast<long long>(ms(listed - put)),
                pages + 1);
    ASSERT_EQ(files.size(), kFiles);
    EXPECT_EQ(files.front(), "dir/f00000");
    EXPECT_EQ(files.back(), "dir/f09999");
    EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
    EXPECT_EQ(folders, std::vector<std::string>{"dir/sub/"});
    EXPECT_GE(pages + 1, 10);
}

}  // namespace
}  // namespace drawbridge::testing
