// The `ls -l` line that FTP's LIST and SFTP's long names show for one directory entry.
#pragma once

#include <sys/stat.h>

#include <ctime>
#include <string>
#include <string_view>

namespace drawbridge::vfs {

// "drwxr-xr-x   2 owner    owner        4096 Nov 23 09:41 name" (UTC; the year instead of the
// time for entries older than six months or in the future), without a line ending.
std::string ls_line(std::string_view name, const struct stat& st, std::time_t now,
                    std::string_view owner);

}  // namespace drawbridge::vfs
