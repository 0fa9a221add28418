// What the parts of one FTP session share: the server's services and the client's address.
#pragma once

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <string>

#include "audit/action_log.h"
#include "auth/login_gate.h"
#include "auth/login_pool.h"
#include "core/cidr.h"
#include "ftp/options.h"
#include "ftp/tls.h"
#include "store/store.h"

namespace drawbridge::ftp {

class PassivePorts;  // data_channel.h

// Everything a session shares with the others of its server.
struct SessionContext {
    const ServerOptions& options;
    auth::LoginGate& gate;
    audit::ActionLog& log;
    store::Store& store;
    boost::asio::ssl::context& tls;
    auth::LoginPool::Client& logins;  // logins hash passwords away from the I/O threads
    PassivePorts& ports;
    SessionOwners& owners;
    std::atomic<int>& live_sessions;
    const std::atomic<bool>& stopping;    // the server is stopping: closes are no abandons
    const core::CidrList& proxy_trusted;  // balancers: their connections start with a header
};

// The client of a session: from the PROXY header behind a balancer, else the socket's peer.
struct Peer {
    std::string ip;                    // as the logs and the gate show it
    boost::asio::ip::address address;  // for the data connection checks
};

}  // namespace drawbridge::ftp
