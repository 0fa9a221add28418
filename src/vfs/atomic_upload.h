// The temporary file behind an upload, so that a half-written file never has its final name.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "vfs/storage.h"

namespace drawbridge::vfs {

// Writes an upload under a hidden temporary name in the target's folder and renames it over the
// final name only on commit(), so that an interrupted upload never leaves a truncated file under
// the final name. Dropped without commit(), the temporary file is removed.
class AtomicUpload {
  public:
    static constexpr std::string_view kTempPrefix = ".drawbridge-upload-";

    AtomicUpload() = default;
    AtomicUpload(AtomicUpload&&) noexcept = default;
    AtomicUpload& operator=(AtomicUpload&&) noexcept = default;
    ~AtomicUpload() { abort(); }

    // New or truncating uploads only: resuming or appending writes to the file in place.
    static int begin(const Storage& root, std::string_view path, mode_t mode, AtomicUpload& out);
    int fd() const { return fd_.get(); }
    // flags: 0 replaces an existing file; RENAME_NOREPLACE keeps it (exclusive create).
    int commit(unsigned flags = 0);
    void abort();

  private:
    const Storage* root_ = nullptr;
    std::string final_path_;
    std::string temp_path_;
    UniqueFd fd_;
};

}  // namespace drawbridge::vfs
