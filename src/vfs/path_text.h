// Client paths and new names as text: the one decoding of a path a client sent into a virtual
// path, and the rules a new name must follow, for every protocol and every backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drawbridge::vfs {

// Resolves "." and ".." lexically against `cwd` and clamps at the root, as a chroot does:
// normalize("../../etc", "/a") is "/etc" inside the root. Returns "/a/b" form.
std::string normalize(std::string_view path, std::string_view cwd = "/");

// Why a path a client sent cannot name anything, in words for the client; empty when it can.
// A NUL byte is refused: the permission check would see the whole string while the system
// call stops at the NUL, so "/private\0" would be checked as one path and opened as another.
std::string_view path_fault(std::string_view client_path);

// The one decoding of a client's path into a virtual path, for every protocol: normalize()
// against `cwd`, or nullopt when path_fault() refuses it (the caller answers with its text).
std::optional<std::string> virtual_path(std::string_view client_path, std::string_view cwd = "/");

// True when `ancestor` is `p` or one of its parent folders ("/" is everyone's). Both are
// virtual paths.
bool is_self_or_under(std::string_view p, std::string_view ancestor);

// Why `leaf` may not be the name of a new file, folder or link; empty when it may. CR and LF
// (and NUL) are refused, as most servers do: line-based protocols (FTP replies and listings,
// logs) would otherwise carry a forged line. LocalRoot applies it to every name it creates and
// answers EINVAL. A name longer than the file systems' 255 bytes is refused before any data
// is received (an upload's temporary name is shorter: without this check it would fail only at
// its final rename).
std::string_view name_fault(std::string_view leaf);
inline constexpr std::size_t kMaxNameBytes = 255;
// name_fault() as an errno value: 0, ENAMETOOLONG for a name too long, EINVAL otherwise.
int name_error(std::string_view leaf);

// How far past a file's end a write may start (the hole it leaves), until quotas exist: enough
// for pipelined SFTP writes applied out of order (64 requests of our 256 KiB write length, as
// OpenSSH's and rclone's clients keep in flight), far from the terabytes of sparse file an
// unbounded offset creates in one request.
inline constexpr std::uint64_t kMaxWriteGap = 16 * 1024 * 1024;

// 0 when writing at `offset` of the open file `fd` stays within kMaxWriteGap of its end, EFBIG
// when it does not (each protocol words it: "offset beyond end of file"), or fstat's errno.
int check_write_offset(int fd, std::uint64_t offset);

}  // namespace drawbridge::vfs
