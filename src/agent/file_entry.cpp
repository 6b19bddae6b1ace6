#include "agent/file_entry.hpp"

#include "agent/path_resolver.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

using protocol::Field;

constexpr std::size_t kMaxIdFile = 1u << 20;

// A small regular file of the sandbox. O_NONBLOCK: a FIFO put there by root inside must not
// block PID 1.
std::string read_id_file(int root_fd, std::string_view path) {
    auto fd = open_in_root(root_fd, path, O_RDONLY | O_NONBLOCK);
    if (!fd) return {};
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd->get(), buf, sizeof buf);
        if (n <= 0 || out.size() + static_cast<std::size_t>(n) > kMaxIdFile) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// "name:x:id:..." lines (passwd and group share the first three fields).
std::map<unsigned, std::string> parse_id_file(const std::string& text) {
    std::map<unsigned, std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + start, end - start);
        start = end + 1;
        std::size_t c1 = line.find(':');
        std::size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string_view::npos || c1 == 0) continue;
        std::string_view id = line.substr(c2 + 1, line.find(':', c2 + 1) - c2 - 1);
        if (id.empty() || id.size() > 10) continue;
        unsigned long value = 0;
        bool digits = true;
        for (char ch : id) {
            if (ch < '0' || ch > '9') digits = false;
            value = value * 10 + static_cast<unsigned long>(ch - '0');
        }
        if (digits && value <= UINT_MAX)
            out.emplace(static_cast<unsigned>(value), std::string(line.substr(0, c1)));
    }
    return out;
}

std::string name_of(const std::map<unsigned, std::string>& names, unsigned id) {
    auto it = names.find(id);
    return it == names.end() ? std::to_string(id) : it->second;
}

std::uint64_t file_type(mode_t mode) {
    // FileType order: file, dir, symlink, other.
    if (S_ISREG(mode)) return 0;
    if (S_ISDIR(mode)) return 1;
    if (S_ISLNK(mode)) return 2;
    return 3;
}

} // namespace

IdNames IdNames::load(int root_fd) {
    IdNames names;
    names.users = parse_id_file(read_id_file(root_fd, "/etc/passwd"));
    names.groups = parse_id_file(read_id_file(root_fd, "/etc/group"));
    return names;
}

Result<struct stat> lstat_at(int dir_fd, const std::string& name, std::string_view path) {
    struct stat st {};
    int flags = AT_SYMLINK_NOFOLLOW | (name.empty() ? AT_EMPTY_PATH : 0);
    if (::fstatat(dir_fd, name.c_str(), &st, flags) != 0)
        return std::unexpected(sys_error("'" + std::string(path) + "'", errno));
    return st;
}

protocol::Message entry_fields(int dir_fd, const std::string& name, std::string_view path,
                               const struct stat& st, const IdNames& names) {
    protocol::Message entry;
    auto slash = path.rfind('/');
    std::string_view base = path == "/" ? "/" : path.substr(slash + 1);
    entry.add(Field::name, base);
    entry.add(Field::path, path);
    entry.add_u64(Field::file_type, file_type(st.st_mode));
    entry.add_u64(Field::size, static_cast<std::uint64_t>(st.st_size));
    entry.add_u64(Field::mode, st.st_mode & 07777);
    entry.add(Field::owner_name, name_of(names.users, st.st_uid));
    entry.add(Field::group_name, name_of(names.groups, st.st_gid));
    entry.add_u64(Field::mtime_ns, static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                                       static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
    if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(dir_fd, name.c_str(), target, sizeof target);
        if (n >= 0) entry.add(Field::symlink_target, std::string_view(target, std::size_t(n)));
    }
    return entry;
}

} // namespace soulbox::agent
