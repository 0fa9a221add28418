#include "ftp/data_channel.h"

#include <openssl/crypto.h>

#include <spdlog/spdlog.h>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "core/proxy_asio.h"
#include "ftp/tls.h"

namespace drawbridge::ftp {

using asio::use_awaitable;

namespace {

constexpr auto kDataConnectTimeout = std::chrono::seconds(30);

// Dual-stack sockets show IPv4 peers as ::ffff:a.b.c.d.
asio::ip::address plain(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    return a;
}

}  // namespace

std::unique_ptr<tcp::acceptor> PassivePorts::open(const asio::any_io_executor& ex,
                                                  const asio::ip::address& address) {
    const int count = min_ > 0 && max_ >= min_ ? max_ - min_ + 1 : 1;
    for (int i = 0; i < count; ++i) {
        const int port = min_ > 0 ? min_ + static_cast<int>(next_++ % count) : 0;
        auto acceptor = std::make_unique<tcp::acceptor>(ex);
        boost::system::error_code ec;
        const tcp::endpoint ep(address, static_cast<std::uint16_t>(port));
        acceptor->open(ep.protocol(), ec);
        if (!ec) acceptor->bind(ep, ec);
        if (!ec) acceptor->listen(1, ec);
        if (!ec) return acceptor;
    }
    return nullptr;
}

DataChannel::DataChannel(SessionContext& ctx, ControlChannel& control, const Login& login,
                         const Peer& peer)
    : ctx_(ctx), control_(control), login_(login), peer_(peer) {}

asio::awaitable<void> DataChannel::cmd_pasv(std::string) {
    if (epsv_all_) {
        co_await control_.reply("503 EPSV ALL was sent; use EPSV.");
        co_return;
    }
    const auto local = plain(control_.socket().local_endpoint().address());
    std::string announced = ctx_.options.passive_address;
    if (announced.empty()) {
        if (!local.is_v4()) {
            co_await control_.reply("522 PASV is for IPv4; use EPSV.");
            co_return;
        }
        announced = local.to_string();
    }
    active_.reset();
    passive_ = ctx_.ports.open(control_.socket().get_executor(), local);
    if (!passive_) {
        co_await control_.reply("425 No passive port is free; try again.");
        co_return;
    }
    co_await control_.reply(pasv_reply(announced, passive_->local_endpoint().port()));
}

asio::awaitable<void> DataChannel::cmd_epsv(std::string arg) {
    if (arg == "ALL" || arg == "all") {
        epsv_all_ = true;
        co_await control_.reply("200 EPSV ALL ok.");
        co_return;
    }
    const auto local = control_.socket().local_endpoint().address();
    if (!arg.empty() && arg != (plain(local).is_v4() ? "1" : "2")) {
        const std::string text = std::string("522 Network protocol not supported, use (") +
                                 (plain(local).is_v4() ? "1" : "2") + ").";
        co_await control_.reply(text);
        co_return;
    }
    active_.reset();
    passive_ = ctx_.ports.open(control_.socket().get_executor(), local);
    if (!passive_) {
        co_await control_.reply("425 No passive port is free; try again.");
        co_return;
    }
    co_await control_.reply("229 Entering Extended Passive Mode (|||" +
                            std::to_string(passive_->local_endpoint().port()) + "|).");
}

asio::awaitable<void> DataChannel::set_active(const HostPort& hp) {
    if (epsv_all_) {
        co_await control_.reply("503 EPSV ALL was sent; use EPSV.");
        co_return;
    }
    boost::system::error_code ec;
    const auto target = asio::ip::make_address(hp.ip, ec);
    // No FTP bounce: data goes only to the client's own address (behind a balancer, the one
    // its PROXY header named), and not to a system port.
    if (ec || plain(target) != plain(peer_.address) || hp.port < 1024) {
        co_await control_.reply(
            "504 Data connections go only to your own address, port 1024 or above.");
        co_return;
    }
    passive_.reset();
    active_ = tcp::endpoint(target, hp.port);
    co_await control_.reply("200 Active data connection to " + hp.ip + " port " +
                            std::to_string(hp.port) + ".");
}

asio::awaitable<void> DataChannel::cmd_port(std::string arg) {
    const auto hp = parse_port_arg(arg);
    if (!hp) {
        co_await control_.reply("501 PORT needs h1,h2,h3,h4,p1,p2.");
        co_return;
    }
    co_await set_active(*hp);
}

asio::awaitable<void> DataChannel::cmd_eprt(std::string arg) {
    const auto hp = parse_eprt_arg(arg);
    if (!hp) {
        co_await control_.reply("501 EPRT needs |1|address|port| or |2|address|port|.");
        co_return;
    }
    co_await set_active(*hp);
}

asio::awaitable<void> DataChannel::cmd_pbsz(std::string) {
    if (!control_.secure()) {
        co_await control_.reply("503 PBSZ needs AUTH TLS first.");
        co_return;
    }
    // The buffer size is always 0 over TLS (RFC 4217 §9); nothing to remember.
    co_await control_.reply("200 PBSZ=0");
}

asio::awaitable<void> DataChannel::cmd_prot(std::string arg) {
    if (!control_.secure()) {
        co_await control_.reply("503 PROT needs AUTH TLS first.");
        co_return;
    }
    const char level = static_cast<char>(std::toupper(static_cast<unsigned char>(arg[0])));
    if (arg.size() == 1 && level == 'P') {
        protect_ = true;
        co_await control_.reply("200 Protection level set to P.");
    } else if (arg.size() == 1 && level == 'C') {
        co_await control_.reply(
            "534 Data connections must be protected when the control is; use PROT P.");
    } else {
        co_await control_.reply("536 Only PROT P is supported.");
    }
}

asio::awaitable<bool> DataChannel::ready() {
    if (!passive_ && !active_) {
        co_await control_.reply("425 Use PASV, EPSV, PORT or EPRT first.");
        co_return false;
    }
    if (control_.secure() && !protect_) {
        co_await control_.reply("521 Data connections must be protected; send PBSZ 0 and PROT P.");
        co_return false;
    }
    co_return true;
}

asio::awaitable<std::unique_ptr<Stream>> DataChannel::open() {
    auto ex = control_.socket().get_executor();
    asio::steady_timer timer(ex);
    timer.expires_after(kDataConnectTimeout);
    boost::system::error_code ec;
    const auto peer = plain(control_.socket().remote_endpoint().address());
    const auto client = plain(peer_.address);
    if (passive_) {
        auto acceptor = std::move(passive_);
        timer.async_wait([a = acceptor.get()](boost::system::error_code e) {
            if (!e) a->close(e);
        });
        passive_.reset();
        for (;;) {
            tcp::socket s(ex);
            co_await acceptor->async_accept(s, asio::redirect_error(use_awaitable, ec));
            if (ec) break;
            if (co_await data_from_client(s, peer, client)) {
                timer.cancel();
                co_return std::make_unique<Stream>(std::move(s));
            }
        }
        timer.cancel();
        co_return nullptr;
    }
    tcp::socket s(ex);
    const tcp::endpoint target = *std::exchange(active_, std::nullopt);
    timer.async_wait([&s](boost::system::error_code e) {
        if (!e) s.close(e);
    });
    co_await s.async_connect(target, asio::redirect_error(use_awaitable, ec));
    timer.cancel();
    if (ec) co_return nullptr;
    co_return std::make_unique<Stream>(std::move(s));
}

// Only the client itself may take its data connection (docs/ftp.md, "Passive data behind a
// balancer"). A trusted balancer relays it with a PROXY header of its own, which must name the
// client of the control connection: several clients share the balancer's address, and the
// header is what tells them apart. Anyone else must be the control connection's peer.
asio::awaitable<bool> DataChannel::data_from_client(tcp::socket& s, const asio::ip::address& peer,
                                                    const asio::ip::address& client) {
    boost::system::error_code ec;
    const auto from = plain(s.remote_endpoint(ec).address());
    if (ec) co_return false;
    const std::string from_text = from.to_string();
    const auto from_ip = core::IpAddress::parse(from_text);
    if (from_ip && ctx_.proxy_trusted.contains(*from_ip)) {
        const auto parsed =
            co_await core::async_read_proxy_header(s, ctx_.options.proxy_header_timeout);
        const auto& source = parsed.header.source;
        if (parsed.state == core::ProxyParse::State::done && source &&
            source->to_string() == peer_.ip)
            co_return true;
        spdlog::warn(
            "ftp: refused a data connection relayed by {} meant for {}: {}", from_text, peer_.ip,
            parsed.state != core::ProxyParse::State::done ? "no valid PROXY header: " + parsed.error
            : source ? "its PROXY header names " + source->to_string()
                     : "its PROXY header names no client");
        co_return false;
    }
    if (from == peer || from == client) co_return true;
    spdlog::warn("ftp: refused a data connection from {} meant for {}", from_text, peer_.ip);
    co_return false;
}

asio::awaitable<bool> DataChannel::protect(Stream& data) {
    if (!protect_) co_return true;
    data.start_tls(ctx_.tls);
    // No session tickets on a data connection: an uploading client never reads them, and
    // unread data makes its close a reset that cuts the upload short.
    SSL_set_num_tickets(data.ssl(), 0);
    co_await data.handshake();
    co_return !login_.site().ftp_require_tls_session_reuse || session_acceptable(data.ssl());
}

bool DataChannel::session_acceptable(SSL* data) const {
    const auto token = resumed_token(data);
    if (!token) return false;
    const std::string& own = control_.tls_token();
    if (token->size() == own.size() && CRYPTO_memcmp(token->data(), own.data(), own.size()) == 0)
        return true;
    return login_.user() && ctx_.owners.user_of(*token) == login_.user()->id;
}

void DataChannel::close() {
    if (passive_) {
        boost::system::error_code ec;
        passive_->close(ec);
    }
}

}  // namespace drawbridge::ftp
