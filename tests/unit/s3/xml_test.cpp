// The S3 XML documents: parsed strictly and within bounds (docs/s3.md#xml).
#include <gtest/gtest.h>

#include "s3/error.h"
#include "s3/xml.h"

namespace drawbridge::testing {
namespace {

TEST(S3Xml, ErrorDocumentGivesCodeMessageAndRequestId) {
    const auto e = s3::parse_error(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>"
        "<Message>The specified key does not exist.</Message><Key>a</Key>"
        "<RequestId>tx000-1</RequestId></Error>");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, "NoSuchKey");
    EXPECT_EQ(e->message, "The specified key does not exist.");
    EXPECT_EQ(e->request_id, "tx000-1");
    EXPECT_FALSE(s3::parse_error("<CopyObjectResult><ETag>x</ETag></CopyObjectResult>"));
    EXPECT_FALSE(s3::parse_error("not xml at all"));
    EXPECT_FALSE(s3::parse_error(""));
}

TEST(S3Xml, ErrorTextNamesEverything) {
    const s3::Error e("GET /b/k", 403, "SignatureDoesNotMatch", "bad", "tx1");
    EXPECT_STREQ(e.what(), "S3 GET /b/k: SignatureDoesNotMatch (HTTP 403): bad [request tx1]");
    const s3::Error t("PUT /b/k", 0, "", "Connection refused", "");
    EXPECT_STREQ(t.what(), "S3 PUT /b/k: transport failure: Connection refused");
}

constexpr const char* kListing =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>b</Name><Prefix>d%2F</Prefix><EncodingType>url</EncodingType>"
    "<IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>"
    "<Contents><Key>d/a+b%2Bc</Key><LastModified>2026-12-06T21:45:45.123Z</LastModified>"
    "<ETag>&quot;e1&quot;</ETag><Size>12</Size></Contents>"
    "<Contents><Key>d/%C3%A9</Key><LastModified>2026-12-06T21:45:46.000Z</LastModified>"
    "<ETag>&quot;e2&quot;</ETag><Size>0</Size></Contents>"
    "<CommonPrefixes><Prefix>d/sub%2F</Prefix></CommonPrefixes></ListBucketResult>";

TEST(S3Xml, ListingIsDecoded) {
    const auto page = s3::parse_list(kListing, 1000);
    ASSERT_EQ(page.objects.size(), 2u);
    EXPECT_EQ(page.objects[0].key, "d/a b+c");
    EXPECT_EQ(page.objects[0].size, 12u);
    EXPECT_EQ(page.objects[0].etag, "\"e1\"");
    EXPECT_EQ(page.objects[0].last_modified, 1796593545);
    EXPECT_EQ(page.objects[1].key, "d/\xC3\xA9");
    EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"d/sub/"});
    EXPECT_TRUE(page.truncated);
    EXPECT_EQ(page.next_continuation_token, "tok");
}

TEST(S3Xml, ListingBeyondItsBoundOrMalformedIsRefused) {
    EXPECT_THROW(s3::parse_list(kListing, 2), std::runtime_error);  // 2 keys + 1 prefix
    EXPECT_THROW(s3::parse_list("<Error><Code>x</Code></Error>", 10), std::runtime_error);
    EXPECT_THROW(s3::parse_list("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size>"
                                "</Contents></ListBucketResult>",
                                10),
                 std::runtime_error);
    EXPECT_THROW(s3::parse_list("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                "</ListBucketResult>",
                                10),
                 std::runtime_error);
    EXPECT_THROW(s3::parse_list(std::string(s3::kMaxXmlBytes + 1, ' '), 10), std::runtime_error);
}

TEST(S3Xml, MultipartDocuments) {
    EXPECT_EQ(s3::parse_upload_id("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                                  "<UploadId>2~abc</UploadId></InitiateMultipartUploadResult>"),
              "2~abc");
    EXPECT_THROW(s3::parse_upload_id("<InitiateMultipartUploadResult/>"), std::runtime_error);
    EXPECT_EQ(s3::complete_multipart_body({{1, "\"a\""}, {2, "\"b<\""}}),
              "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;"
              "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&lt;&quot;</ETag>"
              "</Part></CompleteMultipartUpload>");
}

TEST(S3Xml, TimesAndUrlDecoding) {
    EXPECT_EQ(s3::parse_iso8601("1970-01-01T00:00:01.999Z"), 1);
    EXPECT_EQ(s3::parse_iso8601("2026-12-06T21:45:45Z"), 1796593545);
    EXPECT_FALSE(s3::parse_iso8601("2026-12-06T21:45:45.5"));
    EXPECT_EQ(s3::url_decode("a+b%2b%2F%zz%4"), "a b+/%zz%4");
}

}  // namespace
}  // namespace drawbridge::testing
