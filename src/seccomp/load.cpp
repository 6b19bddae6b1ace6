// Agent side of the seccomp module: read the raw BPF program the host prepared and install it.
// This file is linked into the static agent, so it may use only libc, the standard library and
// error.hpp (no libseccomp, no fmt, no iostreams).
#include "seccomp/policy.hpp"

#include <cerrno>
#include <cstddef>
#include <linux/seccomp.h>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace soulbox::seccomp {

Result<Program> read_program(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return std::unexpected(sys_error("seccomp: stat policy fd"));

    // The kernel rejects empty programs and programs longer than BPF_MAXINSNS; a size that is not
    // a whole number of instructions means the fd does not hold what the host wrote.
    const auto size = static_cast<std::size_t>(st.st_size);
    if (st.st_size <= 0 || size % sizeof(sock_filter) != 0 ||
        size / sizeof(sock_filter) > BPF_MAXINSNS) {
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "seccomp: policy fd holds " + std::to_string(st.st_size) +
                                              " bytes, not 1.." + std::to_string(BPF_MAXINSNS) +
                                              " BPF instructions"));
    }

    Program program;
    program.instructions.resize(size / sizeof(sock_filter));
    auto* bytes = reinterpret_cast<char*>(program.instructions.data());
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got = ::pread(fd, bytes + done, size - done, static_cast<off_t>(done));
        if (got < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(sys_error("seccomp: read policy fd"));
        }
        if (got == 0) {
            return std::unexpected(make_error(Errc::io, "seccomp: policy fd shrank while read"));
        }
        done += static_cast<std::size_t>(got);
    }
    return program;
}

Status install(std::span<const sock_filter> program) {
    if (program.empty() || program.size() > BPF_MAXINSNS) {
        return std::unexpected(make_error(
            Errc::invalid_argument, "seccomp: program has " + std::to_string(program.size()) +
                                        " instructions, not 1.." + std::to_string(BPF_MAXINSNS)));
    }
    // The kernel copies the program and never writes through this pointer.
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.size());
    prog.filter = const_cast<sock_filter*>(program.data());

    // glibc has no wrapper for seccomp(2). With TSYNC a positive return is the id of a thread
    // that could not be synchronised (it already runs a diverging filter).
    const long rc =
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    if (rc < 0) return std::unexpected(sys_error("seccomp: install filter"));
    if (rc > 0) {
        return std::unexpected(
            make_error(Errc::internal, "seccomp: thread " + std::to_string(rc) +
                                           " could not be synchronised to the filter"));
    }
    return {};
}

} // namespace soulbox::seccomp
