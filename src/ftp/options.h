// What a node's configuration says about its FTP listeners.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/user.h"
#include "vfs/file_session.h"

namespace drawbridge::ftp {

struct ServerOptions {
    std::string address = "0.0.0.0";
    int port = 2121;           // plain and explicit FTPS (AUTH TLS); 0 picks a free port
    int implicit_port = 9990;  // implicit FTPS; -1 none, 0 picks a free port
    int passive_port_min = 0;  // 0: any free port for passive data connections
    int passive_port_max = 0;
    std::string passive_address;  // announced in PASV replies (NAT); empty: the control's own
    int idle_timeout_seconds = 120;
    std::filesystem::path cert_file;
    std::filesystem::path key_file;
    int threads = 0;  // I/O threads; 0: the number of cores, at most 4
    // Load balancers (CIDRs, node config proxy.trusted) whose control connections must start
    // with a PROXY protocol header naming the client; anyone else's header closes the connection.
    std::vector<std::string> proxy_trusted;
    std::chrono::milliseconds proxy_header_timeout{3000};
    // Opens a logged-in user's files (root, folder permissions, upload mode).
    vfs::FileSessionOpener open_files;
};

}  // namespace drawbridge::ftp
