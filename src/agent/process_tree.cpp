#include "agent/process_tree.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <set>
#include <unistd.h>

namespace soulbox::agent {
namespace {

// Parent pid of every process, from /proc, to find a process's descendants.
std::map<pid_t, pid_t> parent_map() {
    std::map<pid_t, pid_t> parents;
    DIR* dir = ::opendir("/proc");
    if (!dir) return parents;
    while (dirent* entry = ::readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 1) continue;
        char path[64], buf[512];
        std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = ::read(fd, buf, sizeof buf - 1);
        ::close(fd);
        if (n <= 0) continue;
        buf[n] = '\0';
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses; skip to the last ')'.
        char* close = std::strrchr(buf, ')');
        if (!close) continue;
        char state;
        int ppid;
        if (std::sscanf(close + 1, " %c %d", &state, &ppid) == 2)
            parents[static_cast<pid_t>(pid)] = ppid;
    }
    ::closedir(dir);
    return parents;
}

} // namespace

void signal_tree(pid_t root, int sig) {
    auto parents = parent_map();
    std::set<pid_t> tree{root};
    for (bool grew = true; grew;) {
        grew = false;
        for (auto [pid, ppid] : parents)
            if (tree.count(ppid) && tree.insert(pid).second) grew = true;
    }
    ::kill(-root, sig);
    for (pid_t pid : tree)
        ::kill(pid, sig);
}

} // namespace soulbox::agent
