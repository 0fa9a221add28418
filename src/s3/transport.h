// One signed HTTP exchange with an S3 endpoint over libcurl (docs/s3.md#transport): path-style
// URLs, SigV4 in the Authorization header, bounded replies, timeouts, and a pool of easy
// handles so that connections are kept alive and several threads can send at once.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "s3/sigv4.h"

namespace drawbridge::s3 {

struct ClientConfig {
    std::string endpoint;  // "http://127.0.0.1:7480" or "https://s3.example.com" (no path)
    std::string region = "us-east-1";
    Credentials credentials;
    // Hash bodies into the signature (x-amz-content-sha256 = SHA-256) or send UNSIGNED-PAYLOAD,
    // which only TLS then protects (docs/s3.md#signing).
    bool sign_payload = true;
    bool verify_tls = true;
    std::chrono::seconds connect_timeout{10};
    // A transfer that moves no byte for this long fails; a long one that moves is never cut.
    std::chrono::seconds stall_timeout{60};
    // Attempts of a request answered 500/502/503/504 or lost in transport, with backoff.
    int attempts = 3;
};

struct HttpRequest {
    std::string method;
    std::string path;  // raw, "/bucket/key"
    Pairs query;
    Pairs headers;          // signed too: range, x-amz-meta-*, x-amz-copy-source, ...
    std::string_view body;  // sent with PUT and POST
    // Streams the reply body of a 2xx reply instead of keeping it; false stops the transfer.
    std::function<bool(std::string_view)> sink;
    std::size_t max_reply_bytes = 0;  // 0: the XML bound (kMaxXmlBytes)
};

struct HttpReply {
    long status = 0;
    Pairs headers;  // names lowercase
    std::string body;
    std::string header(std::string_view name) const;
};

class Transport {
  public:
    explicit Transport(ClientConfig config);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // Sends `request`; throws s3::Error for a transport failure or a reply of 300 or more,
    // with S3's error document when there is one.
    HttpReply send(const HttpRequest& request);
    const ClientConfig& config() const { return config_; }

  private:
    HttpReply attempt(const HttpRequest& request, bool& delivered);
    void* take_handle();
    void give_back(void* handle);

    ClientConfig config_;
    std::string host_;  // the Host header: the endpoint's authority as written
    std::mutex mutex_;
    std::vector<void*> idle_;  // CURL* easy handles, each reused by one request at a time
};

// "20261206T214545Z" for now.
std::string amz_date_now();

}  // namespace drawbridge::s3
