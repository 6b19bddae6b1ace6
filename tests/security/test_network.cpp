// Checklist line 13: with network off (the default) nothing leaves the sandbox, DNS fails,
// only loopback exists, and the host's own loopback services are out of reach.
#include "security_support.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <cerrno>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;

TEST_CASE("network 13: TCP and UDP to outside addresses fail at once with ENETUNREACH") {
    // Every IPv4 address of the host itself too: there is no route to them either.
    std::string host_addrs;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) == 0) {
        for (ifaddrs* i = list; i; i = i->ifa_next) {
            if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
            char text[INET_ADDRSTRLEN];
            auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
            if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
            ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
            host_addrs += "\"" + std::string(text) + "\",";
        }
        ::freeifaddrs(list);
    }
    Sandbox sbx = make_sandbox();
    const std::string body = "host_addrs = [" + host_addrs + "]\n" + R"PY(
def tcp(addr, port, family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    t = time.time()
    r = attempt(lambda: s.connect((addr, port)))
    return r, time.time() - t
def udp(addr, port, family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_DGRAM)
    return attempt(lambda: s.sendto(b"x" * 32, (addr, port)))
worst = 0
for name, addr, port in (("dns", "1.1.1.1", 53), ("private", "10.0.0.1", 80), ("meta", "169.254.169.254", 80)):
    r, took = tcp(addr, port)
    worst = max(worst, took)
    show("tcp_" + name, r)
    show("udp_" + name, udp(addr, port))
show("tcp6", tcp("2606:4700:4700::1111", 53, socket.AF_INET6)[0])
show("udp6", udp("2606:4700:4700::1111", 53, socket.AF_INET6))
show("host_addrs", ",".join(sorted(set(tcp(a, 22)[0] for a in host_addrs))) or "none")
show("slowest_connect_ms", int(worst * 1000))
ifaces = [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]]
show("ifaces", ",".join(sorted(ifaces)))
show("routes", len(open("/proc/net/route").readlines()) - 1)
)PY";
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, body, user);
        for (const char* name : {"dns", "private", "meta"}) {
            CAPTURE(std::string(name));
            CHECK(p[std::string("tcp_") + name] == "ENETUNREACH");
            CHECK(p[std::string("udp_") + name] == "ENETUNREACH");
        }
        CHECK(one_of(p["tcp6"], {"ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"}));
        CHECK(one_of(p["udp6"], {"ENETUNREACH", "EADDRNOTAVAIL", "EAFNOSUPPORT"}));
        CHECK(one_of(p["host_addrs"], {"ENETUNREACH", "none"}));
        // Refused locally, not after a timeout: nothing was sent anywhere.
        CHECK(std::stoi(p["slowest_connect_ms"]) < 500);
        CHECK(p["ifaces"] == "lo");
        CHECK(p["routes"] == "0");
    }
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("network 13: DNS lookups fail quickly") {
    Sandbox sbx = make_sandbox();
    auto start = std::chrono::steady_clock::now();
    auto r = sh(sbx, "getent hosts example.com; echo rc=$?");
    auto took = std::chrono::steady_clock::now() - start;
    // getent: 2 = key not found. No address is printed.
    CHECK(r.stdout_data == "rc=2\n");
    CHECK(took < std::chrono::seconds(3));
    auto p = probe(sbx, "show('gai', attempt(lambda: socket.getaddrinfo('example.com', 443)))\n");
    CHECK(one_of(p["gai"], {"EAI_NONAME", "EAI_AGAIN", "-2", "-3"}));
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("network 13: loopback inside works, the host's loopback services do not answer") {
    // A host service on 127.0.0.1 that the sandbox must not reach.
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(server >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(server, 8) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    int port = ntohs(addr.sin_port);

    Sandbox sbx = make_sandbox();
    auto p = probe(sbx, "HOST_PORT = " + std::to_string(port) + "\n" + R"PY(
import threading
# A server and a client inside the same sandbox talk over its own loopback.
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0)); srv.listen(1)
def serve():
    c, _ = srv.accept(); c.sendall(c.recv(16).upper()); c.close()
threading.Thread(target=serve).start()
cli = socket.create_connection(("127.0.0.1", srv.getsockname()[1]), timeout=5)
cli.sendall(b"ping")
show("inside", cli.recv(16).decode())
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(5)
show("host_port", attempt(lambda: s.connect(("127.0.0.1", HOST_PORT))))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s6.settimeout(5)
show("host_port6", attempt(lambda: s6.connect(("::1", HOST_PORT))))
)PY");
    CHECK(p["inside"] == "PING");
    // The sandbox's own loopback has nothing on that port.
    CHECK(p["host_port"] == "ECONNREFUSED");
    CHECK(one_of(p["host_port6"], {"ECONNREFUSED", "EADDRNOTAVAIL", "ENETUNREACH"}));
    // And the host's server saw no connection at all.
    errno = 0;
    int accepted = ::accept(server, nullptr, nullptr);
    int err = errno;
    CHECK(accepted == -1);
    CHECK(err == EAGAIN);
    if (accepted >= 0) ::close(accepted);
    ::close(server);
    expect_ok(sbx.kill(), "kill");
}
