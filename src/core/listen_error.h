// A listener that could not bind its port. The servers throw it so that `serve` can name the
// address, the port and the configuration key that changes it in one line, instead of dying on
// an uncaught exception.
#pragma once

#include <cstddef>
#include <string>
#include <system_error>

namespace drawbridge::core {

struct ListenError : std::system_error {
    ListenError(int error, std::string address_, int port_, std::size_t listener_)
        : std::system_error(error, std::generic_category(),
                            "cannot listen on " + address_ + ":" + std::to_string(port_)),
          address(std::move(address_)),
          port(port_),
          listener(listener_) {}

    std::string address;
    int port;
    // Which of the server's listeners: its index in the server's documented order (SFTP: the
    // index in ServerOptions::ports; FTP: 0 explicit, 1 implicit; HTTP: 0 HTTPS, 1 plain).
    std::size_t listener;
};

}  // namespace drawbridge::core
