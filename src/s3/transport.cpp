#include "s3/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <thread>

#include "core/types.h"
#include "s3/error.h"
#include "s3/xml.h"

namespace drawbridge::s3 {
namespace {

// A reply's header block; more is not an S3 server (docs/s3.md#transport).
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Exchange {
    Exchange(const HttpRequest& r, CURL* c, std::size_t l) : request(r), curl(c), limit(l) {}
    const HttpRequest& request;
    CURL* curl;
    std::size_t limit;
    std::size_t sent = 0;
    std::size_t header_bytes = 0;
    bool delivered = false;  // the sink has seen bytes: the request cannot be tried again
    bool too_large = false;
    HttpReply reply;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* x = static_cast<Exchange*>(user);
    const std::string_view body = x->request.body;
    const std::size_t n = std::min(size * count, body.size() - x->sent);
    std::memcpy(buffer, body.data() + x->sent, n);
    x->sent += n;
    return n;
}

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

std::size_t on_header(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* x = static_cast<Exchange*>(user);
    const std::size_t n = size * count;
    x->header_bytes += n;
    if (x->header_bytes > kMaxHeaderBytes) return 0;
    const std::string_view line(buffer, n);
    if (line.starts_with("HTTP/")) {  // a new reply (after 100 Continue): forget the last
        x->reply.headers.clear();
        return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    x->reply.headers.emplace_back(std::move(name), trim(line.substr(colon + 1)));
    return n;
}

std::size_t on_write(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* x = static_cast<Exchange*>(user);
    const std::size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
    if (x->request.sink && status >= 200 && status < 300) {
        x->delivered = true;
        return x->request.sink(std::string_view(buffer, n)) ? n : 0;
    }
    if (x->reply.body.size() + n > x->limit) {
        x->too_large = true;
        return 0;
    }
    x->reply.body.append(buffer, n);
    return n;
}

std::string authority_of(const std::string& endpoint) {
    const auto scheme = endpoint.find("://");
    if (scheme == std::string::npos) throw std::invalid_argument("S3 endpoint without a scheme");
    const std::string rest = endpoint.substr(scheme + 3);
    return rest.substr(0, rest.find('/'));
}

bool worth_retrying(long status) {
    return status == 0 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::string operation_of(const HttpRequest& r) {
    return r.method + " " + r.path;
}

[[noreturn]] void throw_reply(const HttpRequest& request, const HttpReply& reply) {
    if (auto doc = parse_error(reply.body)) {
        throw Error(operation_of(request), reply.status, doc->code, doc->message,
                    doc->request_id.empty() ? reply.header("x-amz-request-id") : doc->request_id);
    }
    // HEAD replies, and proxies in front of S3, carry no error document.
    throw Error(operation_of(request), reply.status, "HTTP " + std::to_string(reply.status), "",
                reply.header("x-amz-request-id"));
}

}  // namespace

std::string HttpReply::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (n == name) return v;
    }
    return {};
}

std::string amz_date_now() {
    return core::format_utc(std::time(nullptr), "%Y%m%dT%H%M%SZ");
}

Transport::Transport(ClientConfig config)
    : config_(std::move(config)), host_(authority_of(config_.endpoint)) {
    while (config_.endpoint.ends_with('/')) config_.endpoint.pop_back();
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Transport::~Transport() {
    for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* Transport::take_handle() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            void* h = idle_.back();
            idle_.pop_back();
            return h;
        }
    }
    CURL* h = curl_easy_init();
    if (!h) throw std::runtime_error("cannot start libcurl");
    return h;
}

void Transport::give_back(void* handle) {
    // curl_easy_reset keeps the handle's live connection for the next request.
    curl_easy_reset(static_cast<CURL*>(handle));
    std::lock_guard lock(mutex_);
    idle_.push_back(handle);
}

HttpReply Transport::send(const HttpRequest& request) {
    for (int attempt_no = 1;; ++attempt_no) {
        bool delivered = false;
        try {
            HttpReply reply = attempt(request, delivered);
            if (reply.status < 300) return reply;
            if (!worth_retrying(reply.status) || attempt_no >= config_.attempts) {
                throw_reply(request, reply);
            }
        } catch (const Error& e) {
            if (e.status() != 0 || delivered || attempt_no >= config_.attempts) throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt_no));
    }
}

HttpReply Transport::attempt(const HttpRequest& request, bool& delivered) {
    const bool has_body = request.method == "PUT" || request.method == "POST";
    const std::string payload_hash = !has_body              ? std::string(kEmptySha256)
                                     : config_.sign_payload ? payload_sha256(request.body)
                                                            : std::string(kUnsignedPayload);
    const std::string date = amz_date_now();
    SignedRequest signed_request{request.method, request.path, request.query, request.headers,
                                 payload_hash};
    signed_request.headers.emplace_back("host", host_);
    signed_request.headers.emplace_back("x-amz-date", date);
    signed_request.headers.emplace_back("x-amz-content-sha256", payload_hash);
    const Signature signature =
        sign(signed_request, config_.credentials, {config_.region, "s3"}, date);

    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr,
                                                                        curl_slist_free_all);
    const auto add = [&headers](const std::string& line) {
        headers.reset(curl_slist_append(headers.release(), line.c_str()));
    };
    for (const auto& [name, value] : signed_request.headers) {
        add(value.empty() ? name + ";" : name + ": " + value);  // "name;" sends an empty value
    }
    add("Authorization: " + signature.authorization);
    add("Expect:");  // no 100-continue round trip before each part

    // Back to the pool however this ends; curl_easy_reset there forgets `x` and `headers`.
    const auto release = [this](void* h) { give_back(h); };
    std::unique_ptr<void, decltype(release)> handle(take_handle(), release);
    CURL* c = static_cast<CURL*>(handle.get());
    Exchange x(request, c, request.max_reply_bytes ? request.max_reply_bytes : kMaxXmlBytes);
    std::string url = config_.endpoint + uri_encode(request.path, true);
    if (!request.query.empty()) url += "?" + canonical_query(request.query);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);  // keys may hold "." and ".." segments
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (request.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &x);
        if (request.method == "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
    } else if (request.method != "GET") {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(config_.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(config_.stall_timeout.count()));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, config_.verify_tls ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, config_.verify_tls ? 2L : 0L);
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

    const CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x.reply.status);
    delivered = x.delivered;
    if (x.too_large) {
        throw Error(operation_of(request), x.reply.status, "ReplyTooLarge",
                    "reply body beyond " + std::to_string(x.limit) + " bytes", "");
    }
    if (rc == CURLE_WRITE_ERROR && x.delivered) {
        throw Error(operation_of(request), x.reply.status, "Stopped", "the reader stopped", "");
    }
    if (rc != CURLE_OK) {
        throw Error(operation_of(request), 0, "", error[0] ? error : curl_easy_strerror(rc), "");
    }
    return std::move(x.reply);
}

}  // namespace drawbridge::s3
