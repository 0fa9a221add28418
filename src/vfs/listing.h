// The `ls -l` line that FTP's LIST and SFTP's long names show for one directory entry.
#pragma once

#include <sys/stat.h>

#include <ctime>
#include <string>
#include <string_view>

namespace drawbridge::vfs {

// `text` with each control character (below 0x20, and DEL) written as "\xNN", so that a name
// or any user-controlled string printed in a line-based reply, listing or log line cannot end
// the line or forge another. Other bytes stay as they are (a backslash too: names are shown as
// clients must send them back; only a name with a control character is shown differently).
std::string escape_controls(std::string_view text);

// "drwxr-xr-x   2 owner    owner        4096 Nov 23 09:41 name" (UTC; the year instead of the
// time for entries older than six months or in the future), without a line ending. The name
// goes through escape_controls().
std::string ls_line(std::string_view name, const struct stat& st, std::time_t now,
                    std::string_view owner);

}  // namespace drawbridge::vfs
