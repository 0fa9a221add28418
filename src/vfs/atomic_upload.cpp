#include "vfs/atomic_upload.h"

#include <fcntl.h>

#include <cerrno>

#include "core/crypto.h"
#include "vfs/path_text.h"

namespace drawbridge::vfs {
namespace {

std::string_view leaf_of(std::string_view normalised) {
    return normalised.substr(normalised.rfind('/') + 1);
}

}  // namespace

int AtomicUpload::begin(const Storage& root, std::string_view path, mode_t mode,
                        AtomicUpload& out) {
    if (path.find('\0') != std::string_view::npos) return EINVAL;
    const std::string final_path = normalize(path);
    if (final_path == "/") return EISDIR;
    // Refused before any data arrives, not at the final rename.
    if (const int e = name_error(leaf_of(final_path))) return e;
    struct stat st {};
    if (root.stat(final_path, false, st) == 0 && !S_ISREG(st.st_mode))
        return S_ISDIR(st.st_mode) ? EISDIR : EPERM;
    const std::string dir = final_path.substr(0, final_path.rfind('/') + 1);
    for (int attempt = 0; attempt < 8; ++attempt) {
        const std::string temp =
            dir + std::string(kTempPrefix) + core::crypto::to_hex(core::crypto::random_bytes(8));
        UniqueFd fd;
        const int e = root.open_file(temp, O_WRONLY | O_CREAT | O_EXCL, mode, fd);
        if (e == EEXIST) continue;
        if (e) return e;
        out.abort();
        out.root_ = &root;
        out.final_path_ = final_path;
        out.temp_path_ = temp;
        out.fd_ = std::move(fd);
        return 0;
    }
    return EEXIST;
}

int AtomicUpload::commit(unsigned flags) {
    if (!root_) return EBADF;
    fd_.reset();
    const int e = root_->rename(temp_path_, final_path_, flags);
    if (e) root_->unlink(temp_path_);
    root_ = nullptr;
    return e;
}

void AtomicUpload::abort() {
    if (!root_) return;
    fd_.reset();
    root_->unlink(temp_path_);
    root_ = nullptr;
}

}  // namespace drawbridge::vfs
