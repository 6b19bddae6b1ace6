// epoll backend: level-triggered interest on every active watch; a readable stream is read into
// one loop-wide buffer (chunks are only valid during on_data). A paused stream leaves the
// interest set, otherwise level triggering would keep reporting it (and its hangup).
#include "io/loop_common.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace soulbox::io::detail {
namespace {

constexpr WatchId wake_token = 0; // epoll_event.data of the wake eventfd; watch ids start at 1
// Reads of one stream per wakeup before others get their turn.
constexpr int max_reads_per_wakeup = 16;

class EpollLoop final : public LoopCore {
public:
    static Result<std::unique_ptr<EventLoop>> create() {
        std::unique_ptr<EpollLoop> loop(new EpollLoop());
        if (Status started = loop->start(); !started) return std::unexpected(started.error());
        return loop;
    }
    ~EpollLoop() override { stop(); }

    Backend backend() const override { return Backend::epoll; }

private:
    EpollLoop() = default;

    Status init_on_loop_thread() override {
        epoll_fd_.reset(::epoll_create1(EPOLL_CLOEXEC));
        if (!epoll_fd_) return std::unexpected(sys_error("epoll_create1"));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = wake_token;
        if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd(), &ev) != 0)
            return std::unexpected(sys_error("epoll_ctl(eventfd)"));
        buffer_ = std::make_unique_for_overwrite<std::byte[]>(max_chunk_size);
        return {};
    }

    void wait_and_dispatch() override {
        constexpr int max_events = 64;
        epoll_event events[max_events];
        int timeout = always_ready_.empty() ? -1 : 0;
        int count = ::epoll_wait(epoll_fd_.get(), events, max_events, timeout);
        if (count < 0 && errno != EINTR) {
            std::perror("soulbox: epoll_wait");
            std::abort(); // cannot wait any more; every stream would hang silently
        }
        for (int i = 0; i < count; ++i) {
            WatchId id = events[i].data.u64;
            if (id == wake_token) {
                drain_wake_fd(); // the loop runs posted tasks after this dispatch
                continue;
            }
            // An earlier handler of this batch may have cancelled or paused it.
            if (Watch* w = find(id); w && !w->done && w->armed) service(*w);
        }
        if (!always_ready_.empty()) {
            std::vector<WatchId> ready = always_ready_;
            for (WatchId id : ready)
                if (Watch* w = find(id); w && !w->done && w->armed) service(*w);
        }
    }

    void arm(Watch& w) override {
        if (w.kind == Watch::Kind::stream) {
            // Reads must not block the loop; the fd is ours to read until it ends.
            int flags = ::fcntl(w.fd, F_GETFL);
            if (flags < 0 || ::fcntl(w.fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                finish_later(w.id, errno);
                return;
            }
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = w.id;
        if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, w.fd, &ev) == 0) {
            w.armed = true;
        } else if (errno == EPERM) {
            // Regular files (and directories) cannot be polled; they are always readable.
            w.armed = true;
            always_ready_.push_back(w.id);
        } else if (w.kind == Watch::Kind::stream) {
            finish_later(w.id, errno);
        } else {
            drop(w); // no handler can report it; the watch just ends
        }
    }

    void disarm(Watch& w) override {
        if (!w.armed) return;
        w.armed = false;
        if (std::erase(always_ready_, w.id) == 0)
            ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, w.fd, nullptr);
    }

    void shutdown_on_loop_thread() override {} // every watch is disarmed; fds close with us

    void service(Watch& w) {
        if (w.kind == Watch::Kind::readable) {
            deliver_ready(w);
            return;
        }
        for (int reads = 0; reads < max_reads_per_wakeup; ++reads) {
            ssize_t n = ::read(w.fd, buffer_.get(), max_chunk_size);
            if (n > 0) {
                auto chunk = std::span<const std::byte>(buffer_.get(), static_cast<std::size_t>(n));
                if (!deliver_data(w, chunk)) return;
            } else if (n == 0) {
                finish(w, 0);
                return;
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return;
            } else if (errno != EINTR) {
                finish(w, errno);
                return;
            }
        }
    }

    UniqueFd epoll_fd_;
    std::unique_ptr<std::byte[]> buffer_;
    std::vector<WatchId> always_ready_; // armed watches whose fd epoll refused with EPERM
};

} // namespace

Result<std::unique_ptr<EventLoop>> make_epoll_loop() {
    return EpollLoop::create();
}

} // namespace soulbox::io::detail
