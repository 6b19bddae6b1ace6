// The `host` template: the host's /usr read-only, a synthetic /etc with only what programs need
// (accounts without passwords, name resolution, read-only views of the library cache,
// certificates and alternatives; never the host's shadow, keys or users), a minimal /dev, a
// fresh /proc, writable /home/user and /tmp. It needs no download.
#include "template/templates.hpp"

namespace soulbox::templates {
namespace {

using spec::MountKind;
using spec::MountOp;

MountOp op(MountKind kind, std::string target, std::string source = {}) {
    MountOp m;
    m.kind = kind;
    m.target = std::move(target);
    m.source = std::move(source);
    return m;
}

MountOp dir(std::string target, std::uint32_t mode, bool user_owned = false) {
    MountOp m = op(MountKind::dir, std::move(target));
    m.mode = mode;
    m.user_owned = user_owned;
    return m;
}

MountOp file(std::string target, std::string content) {
    MountOp m = op(MountKind::file, std::move(target));
    m.content = std::move(content);
    m.mode = 0644;
    return m;
}

MountOp optional(MountOp m) {
    m.optional = true;
    return m;
}

} // namespace

Template host_template() {
    std::vector<MountOp> m;
    m.push_back(op(MountKind::overlay_ro, "/usr", "/usr"));
    // Merged-/usr hosts have /bin -> usr/bin links; older ones have real directories.
    for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"})
        m.push_back(optional(op(MountKind::mirror, top, top)));

    m.push_back(dir("/etc", 0755));
    m.push_back(file("/etc/passwd",
                     "root:x:0:0:root:/root:/bin/bash\n"
                     "{user}:x:{uid}:{gid}:{user}:{home}:/bin/bash\n"
                     "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"));
    m.push_back(file("/etc/group", "root:x:0:\ntty:x:5:\n{user}:x:{gid}:\nnogroup:x:65534:\n"));
    m.push_back(file("/etc/hostname", "{hostname}\n"));
    m.push_back(file("/etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                                   "ip6-loopback\n127.0.1.1\t{hostname}\n"));
    // No network by default: resolution fails fast against loopback instead of hanging.
    m.push_back(file("/etc/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"));
    m.push_back(file("/etc/nsswitch.conf",
                     "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
                     "networks: files\nprotocols: files\nservices: files\n"));
    // Every line ends with status 0: a login shell's `exit` returns the last status, and E2B's
    // base template exits a fresh terminal with 0.
    m.push_back(file("/etc/profile",
                     "export PATH=\"${PATH:-/usr/local/bin:/usr/bin:/bin:/opt/soulbox/bin}\"\n"
                     "if [ -d /etc/profile.d ]; then for f in /etc/profile.d/*.sh; do "
                     "if [ -r \"$f\" ]; then . \"$f\"; fi; done; fi\n"));
    for (const char* f : {"/etc/ld.so.cache", "/etc/services", "/etc/protocols", "/etc/localtime"})
        m.push_back(optional(op(MountKind::copy, f, f)));
    m.push_back(dir("/etc/ssl", 0755));
    for (const char* d : {"/etc/ssl/certs", "/etc/alternatives", "/etc/ca-certificates",
                          "/etc/python3", "/etc/python3.11", "/etc/fonts"})
        m.push_back(optional(op(MountKind::overlay_ro, d, d)));
    m.push_back(op(MountKind::symlink, "/etc/os-release", "../usr/lib/os-release"));

    m.push_back(dir("/home", 0755));
    m.push_back(dir("{home}", 0755, true));
    m.push_back(dir("/root", 0700));
    m.push_back(dir("/tmp", 01777));
    m.push_back(dir("/var", 0755));
    m.push_back(dir("/var/tmp", 01777));
    m.push_back(dir("/run", 0755));
    m.push_back(dir("/opt", 0755));
    // Commands E2B's base template has that Debian's /usr does not: `python` is python3. The
    // directory is the template's own, last in the default PATH, so the host's /usr wins.
    m.push_back(dir("/opt/soulbox", 0755));
    m.push_back(dir("/opt/soulbox/bin", 0755));
    m.push_back(op(MountKind::symlink, "/opt/soulbox/bin/python", "/usr/bin/python3"));
    m.push_back(op(MountKind::dev, "/dev"));
    m.push_back(op(MountKind::proc, "/proc"));
    return Template{
        "host", "the host's /usr read-only with a synthetic /etc", std::move(m), {"base"}};
}

} // namespace soulbox::templates
