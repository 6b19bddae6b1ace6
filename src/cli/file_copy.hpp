// Copying files and directory trees between this host and a sandbox (`files put`, `files get`).
//
// Trees are walked with the Filesystem API (list + read_stream / write_stream) rather than
// piped through tar in the sandbox: content coming out of a sandbox is untrusted, and this way
// every host-side file is created by us, by a checked name, relative to a directory we opened
// with O_NOFOLLOW, so a crafted tree (names with "..", symlinks followed by files of the same
// name) cannot write outside the destination. It also needs no tar in the sandbox template.
#pragma once

#include "soulbox/soulbox.hpp"

#include <string>

namespace soulbox::cli {

// Copy a local file or directory tree to `remote`. As cp does, an existing directory at
// `remote` receives the copy under the local name. Permission bits (0777) are kept; symlinks
// and special files inside a tree are skipped with a warning, so nothing outside the tree the
// user named is read from this host.
Status put_path(Sandbox& sandbox, const std::string& local, std::string remote);

// Copy a sandbox file or directory tree to `local`; an existing local directory receives it
// under the sandbox name. Permission bits (0777, never setuid/setgid) are kept, symlinks in
// a tree are recreated as symlinks, special files are skipped with a warning.
Status get_path(Sandbox& sandbox, const std::string& remote, std::string local);

} // namespace soulbox::cli
