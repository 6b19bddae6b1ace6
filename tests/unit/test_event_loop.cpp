// EventLoop behaviour, run against both backends.
#include <doctest/doctest.h>

#include "core/unique_fd.hpp"
#include "io/event_loop.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <future>
#include <mutex>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace soulbox;
using namespace soulbox::io;
using namespace std::chrono_literals;

namespace {

// Generous: sanitizer builds are slow, and a timeout means a real failure.
constexpr auto timeout = 60s;

std::string backend_name(Backend b) {
    return b == Backend::io_uring ? "io_uring" : "epoll";
}

template <class Test> void for_each_backend(Test&& test) {
    for (Backend wanted : {Backend::io_uring, Backend::epoll}) {
        INFO("backend: ", backend_name(wanted));
        auto created = EventLoop::create(wanted);
        REQUIRE(created.has_value());
        EventLoop& loop = **created;
        if (loop.backend() != wanted)
            MESSAGE("io_uring unavailable here; the epoll fallback runs instead");
        test(loop);
    }
}

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Pipe make_pipe(int flags = 0) {
    int fds[2];
    REQUIRE(::pipe2(fds, flags | O_CLOEXEC) == 0);
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd, bool on) {
    int flags = ::fcntl(fd, F_GETFL);
    REQUIRE(flags >= 0);
    REQUIRE(::fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) == 0);
}

// Byte `i` of an endless pseudo-random stream, so any chunking can be checked in place.
std::byte pattern_at(std::uint64_t i) {
    std::uint64_t x = (i / 8) + 0x9e3779b97f4a7c15ull; // splitmix64 of the word index
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return static_cast<std::byte>(x >> (8 * (i % 8)));
}

void fill_pattern(std::uint64_t offset, std::span<std::byte> out) {
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = pattern_at(offset + i);
}

bool matches_pattern(std::uint64_t offset, std::span<const std::byte> chunk) {
    for (std::size_t i = 0; i < chunk.size(); ++i)
        if (chunk[i] != pattern_at(offset + i)) return false;
    return true;
}

// Writes the pattern from `offset` on a blocking fd; returns false if the reader went away.
bool write_pattern(int fd, std::uint64_t offset, std::size_t size) {
    std::vector<std::byte> buf(64 * 1024);
    while (size > 0) {
        std::size_t n = std::min(size, buf.size());
        fill_pattern(offset, std::span(buf).first(n));
        ssize_t written = ::write(fd, buf.data(), n);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return false;
        offset += static_cast<std::size_t>(written);
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

template <class T> void wait_or_fail(std::future<T>& f, const char* what) {
    INFO("waiting for ", what);
    REQUIRE(f.wait_for(timeout) == std::future_status::ready);
}

// Returns once the loop has run a task posted now, i.e. finished its current dispatch round.
void flush(EventLoop& loop) {
    std::promise<void> ran;
    auto done = ran.get_future();
    loop.post([&] { ran.set_value(); });
    wait_or_fail(done, "a posted task");
}

// Everything a stream's handlers record, checked on the test thread after `closed`.
struct StreamLog {
    std::uint64_t received = 0;
    bool in_order = true;
    std::size_t largest_chunk = 0;
    int data_calls = 0;
    int closes = 0;
    int close_err = -1;
    std::promise<void> closed;

    EventLoop::DataHandler on_data() {
        return [this](std::span<const std::byte> chunk) {
            if (!matches_pattern(received, chunk)) in_order = false;
            received += chunk.size();
            largest_chunk = std::max(largest_chunk, chunk.size());
            ++data_calls;
            return true;
        };
    }
    EventLoop::CloseHandler on_close() {
        return [this](int err) {
            close_err = err;
            if (++closes == 1) closed.set_value();
        };
    }
};

} // namespace

TEST_CASE("read_stream delivers 64 MiB complete and in order, then on_close(0) once") {
    for_each_backend([](EventLoop& loop) {
        constexpr std::size_t total = 64u << 20;
        Pipe pipe = make_pipe();
        StreamLog log;
        auto closed = log.closed.get_future();
        EventLoop::WatchId id = loop.read_stream(pipe.read.get(), log.on_data(), log.on_close());
        std::jthread writer([&] {
            CHECK(write_pattern(pipe.write.get(), 0, total));
            pipe.write.reset();
        });
        wait_or_fail(closed, "end of stream");
        writer.join();
        flush(loop); // a second on_close would have run by now
        CHECK(log.received == total);
        CHECK(log.in_order);
        CHECK(log.largest_chunk <= 256 * 1024);
        CHECK(log.closes == 1);
        CHECK(log.close_err == 0);
        loop.cancel(id); // already closed: a no-op
    });
}

TEST_CASE("a paused stream reads nothing until resume()") {
    for (bool resume_on_loop_thread : {false, true}) {
        INFO("resume from the loop thread: ", resume_on_loop_thread);
        for_each_backend([&](EventLoop& loop) {
            Pipe pipe = make_pipe();
            set_nonblocking(pipe.write.get(), true);
            StreamLog log;
            auto closed = log.closed.get_future();
            std::promise<void> paused;
            auto paused_future = paused.get_future();
            auto record = log.on_data();
            EventLoop::WatchId id = loop.read_stream(
                pipe.read.get(),
                [&](std::span<const std::byte> chunk) {
                    record(chunk);
                    if (log.data_calls > 1) return true;
                    paused.set_value();
                    return false;
                },
                log.on_close());

            REQUIRE(write_pattern(pipe.write.get(), 0, 1000));
            wait_or_fail(paused_future, "the first chunk");

            // Nothing is read while paused, so the pipe fills and a non-blocking writer
            // gets EAGAIN. The bound only stops a broken loop from running forever.
            std::uint64_t written = 1000;
            bool full = false;
            std::vector<std::byte> buf(4096);
            while (!full && written < (64u << 20)) {
                fill_pattern(written, buf);
                ssize_t n = ::write(pipe.write.get(), buf.data(), buf.size());
                if (n > 0)
                    written += static_cast<std::uint64_t>(n);
                else
                    full = n < 0 && errno == EAGAIN;
                REQUIRE((n > 0 || full));
            }
            CHECK(full);
            flush(loop);
            CHECK(log.data_calls == 1);

            if (resume_on_loop_thread)
                loop.post([&] { loop.resume(id); });
            else
                loop.resume(id);
            set_nonblocking(pipe.write.get(), false);
            REQUIRE(write_pattern(pipe.write.get(), written, 1u << 20));
            written += 1u << 20;
            pipe.write.reset();
            wait_or_fail(closed, "end of stream");
            CHECK(log.received == written);
            CHECK(log.in_order);
            CHECK(log.closes == 1);
            CHECK(log.close_err == 0);
        });
    }
}

TEST_CASE("cancel from another thread while data flows: no handler runs after it returns") {
    std::signal(SIGPIPE, SIG_IGN); // the writer learns of the closed reader from EPIPE
    for_each_backend([](EventLoop& loop) {
        Pipe pipe = make_pipe();
        std::atomic<int> calls{0};
        std::atomic<bool> cancel_returned{false};
        std::atomic<int> calls_after_cancel{0};
        std::atomic<bool> closed{false};
        std::promise<void> flowing;
        auto flowing_future = flowing.get_future();
        auto handler_state = std::make_shared<int>(0); // freed with the handlers
        EventLoop::WatchId id = loop.read_stream(
            pipe.read.get(),
            [&, handler_state](std::span<const std::byte>) {
                if (cancel_returned) ++calls_after_cancel;
                if (++calls == 10) flowing.set_value();
                return true;
            },
            [&](int) { closed = true; });
        std::jthread writer([&] {
            for (std::uint64_t offset = 0;; offset += 64 * 1024)
                if (!write_pattern(pipe.write.get(), offset, 64 * 1024)) return;
        });
        wait_or_fail(flowing_future, "data to flow");

        std::jthread canceller([&] {
            loop.cancel(id);
            cancel_returned = true;
        });
        canceller.join();
        int calls_at_cancel = calls;
        CHECK(handler_state.use_count() == 1);
        flush(loop); // the writer keeps the pipe readable through these rounds
        flush(loop);
        CHECK(calls == calls_at_cancel);
        CHECK(calls_after_cancel == 0);
        CHECK_FALSE(closed);

        pipe.read.reset(); // ends the writer with EPIPE
        writer.join();
        loop.cancel(id); // cancelled already: a no-op
    });
}

TEST_CASE("cancel from inside the stream's own handler") {
    for_each_backend([](EventLoop& loop) {
        Pipe pipe = make_pipe();
        std::atomic<EventLoop::WatchId> self{0};
        int calls = 0;
        bool closed = false;
        std::promise<void> cancelled;
        auto cancelled_future = cancelled.get_future();
        EventLoop::WatchId id = loop.read_stream(
            pipe.read.get(),
            [&](std::span<const std::byte>) {
                if (++calls == 1) {
                    loop.cancel(self);
                    loop.cancel(self); // twice is harmless
                    cancelled.set_value();
                }
                return true; // ignored: the stream is cancelled
            },
            [&](int) { closed = true; });
        self = id; // before any data is written, so the handler sees it

        REQUIRE(write_pattern(pipe.write.get(), 0, 100));
        wait_or_fail(cancelled_future, "the first chunk");
        REQUIRE(write_pattern(pipe.write.get(), 100, 1000));
        pipe.write.reset();
        flush(loop);
        flush(loop);
        CHECK(calls == 1);
        CHECK_FALSE(closed);
        loop.cancel(id);
        loop.cancel(~EventLoop::WatchId{0} >> 8); // unknown: a no-op
    });
}

TEST_CASE("watch_readable is level triggered and stops when the handler returns false") {
    for_each_backend([](EventLoop& loop) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
        UniqueFd ours(fds[0]), theirs(fds[1]);
        int calls = 0;
        std::promise<void> third;
        auto third_future = third.get_future();
        EventLoop::WatchId id = loop.watch_readable(ours.get(), [&] {
            char byte;
            CHECK(::recv(ours.get(), &byte, 1, 0) == 1); // one byte a call: the rest stays
            if (++calls < 3) return true;
            third.set_value();
            return false;
        });
        REQUIRE(::send(theirs.get(), "abc", 3, MSG_NOSIGNAL) == 3);
        wait_or_fail(third_future, "three readiness calls");
        REQUIRE(::send(theirs.get(), "more", 4, MSG_NOSIGNAL) == 4);
        flush(loop);
        flush(loop);
        CHECK(calls == 3);
        loop.cancel(id); // stopped already: a no-op
    });
}

TEST_CASE("post runs tasks on the loop thread in FIFO order") {
    for_each_backend([](EventLoop& loop) {
        constexpr int count = 10000;
        std::vector<int> order; // touched only on the loop thread until `done`
        for (int i = 0; i < count; ++i)
            loop.post([&order, i] { order.push_back(i); });
        bool on_loop = false;
        std::promise<void> done;
        auto done_future = done.get_future();
        loop.post([&] {
            on_loop = loop.on_loop_thread();
            done.set_value();
        });
        wait_or_fail(done_future, "the posted tasks");
        REQUIRE(order.size() == count);
        CHECK(std::is_sorted(order.begin(), order.end()));
        CHECK(on_loop);
        CHECK_FALSE(loop.on_loop_thread());
    });
}

TEST_CASE("1000 concurrent pipes all complete") {
    for_each_backend([](EventLoop& loop) {
        constexpr int count = 1000;
        struct Stream {
            Pipe pipe;
            std::string received;
            int closes = 0;
            int close_err = -1;
        };
        std::vector<Stream> streams(count);
        std::mutex mutex;
        std::condition_variable all_closed;
        int closed = 0;
        auto payload = [](int i) {
            return "stream " + std::to_string(i) + std::string(i % 97, 'x');
        };

        for (int i = 0; i < count; ++i) {
            Stream& s = streams[i];
            s.pipe = make_pipe(i % 2 ? O_NONBLOCK : 0); // io_uring must cope with both
            loop.read_stream(
                s.pipe.read.get(),
                [&s](std::span<const std::byte> chunk) {
                    s.received.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
                    return true;
                },
                [&s, &mutex, &all_closed, &closed](int err) {
                    s.close_err = err;
                    ++s.closes;
                    std::lock_guard lock(mutex);
                    if (++closed == count) all_closed.notify_one();
                });
        }
        for (int i = 0; i < count; ++i) {
            std::string p = payload(i);
            REQUIRE(::write(streams[i].pipe.write.get(), p.data(), p.size()) ==
                    static_cast<ssize_t>(p.size()));
            streams[i].pipe.write.reset();
        }
        {
            std::unique_lock lock(mutex);
            REQUIRE(all_closed.wait_for(lock, timeout, [&] { return closed == count; }));
        }
        flush(loop);
        int complete = 0;
        for (int i = 0; i < count; ++i) {
            const Stream& s = streams[i];
            if (s.received == payload(i) && s.closes == 1 && s.close_err == 0) ++complete;
        }
        CHECK(complete == count);
    });
}

TEST_CASE("read errors reach on_close, regular files are read to the end") {
    for_each_backend([](EventLoop& loop) {
        UniqueFd dir(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(dir);
        StreamLog dir_log;
        auto dir_closed = dir_log.closed.get_future();
        loop.read_stream(dir.get(), dir_log.on_data(), dir_log.on_close());
        wait_or_fail(dir_closed, "the read error");
        CHECK(dir_log.close_err == EISDIR);
        CHECK(dir_log.data_calls == 0);

        // epoll refuses regular files; they must still be read (io_uring reads them natively).
        char path[] = "/tmp/soulbox-loop-test-XXXXXX";
        UniqueFd file(::mkstemp(path));
        REQUIRE(file);
        ::unlink(path);
        constexpr std::size_t size = 3u << 20;
        REQUIRE(write_pattern(file.get(), 0, size));
        REQUIRE(::lseek(file.get(), 0, SEEK_SET) == 0);
        StreamLog file_log;
        auto file_closed = file_log.closed.get_future();
        loop.read_stream(file.get(), file_log.on_data(), file_log.on_close());
        wait_or_fail(file_closed, "end of file");
        CHECK(file_log.received == size);
        CHECK(file_log.in_order);
        CHECK(file_log.close_err == 0);
    });
}

TEST_CASE("throughput of `head -c 1G /dev/zero` through a pipe (reported, not asserted)") {
    for_each_backend([](EventLoop& loop) {
        Pipe pipe = make_pipe();
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipe.write.get(), STDOUT_FILENO);
        char head[] = "head", count[] = "-c", bytes[] = "1G", zero[] = "/dev/zero";
        char* argv[] = {head, count, bytes, zero, nullptr};
        pid_t pid;
        int spawned = ::posix_spawnp(&pid, "head", &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        REQUIRE(spawned == 0);
        pipe.write.reset();

        std::uint64_t received = 0;
        std::promise<void> closed;
        auto closed_future = closed.get_future();
        auto start = std::chrono::steady_clock::now();
        loop.read_stream(
            pipe.read.get(),
            [&](std::span<const std::byte> chunk) {
                received += chunk.size();
                return true;
            },
            [&](int) { closed.set_value(); });
        wait_or_fail(closed_future, "end of stream");
        std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(received == (1ull << 30));
        MESSAGE(backend_name(loop.backend()), ": ", received / elapsed.count() / 1e9, " GB/s");
    });
}

TEST_CASE("destroying a loop with live and paused streams calls no handler") {
    for (Backend backend : {Backend::io_uring, Backend::epoll}) {
        INFO("backend: ", backend_name(backend));
        Pipe idle = make_pipe();   // a read stays in flight (io_uring) until the loop goes
        Pipe paused = make_pipe(); // paused after its first chunk
        std::atomic<int> calls{0};
        {
            auto created = EventLoop::create(backend);
            REQUIRE(created.has_value());
            EventLoop& loop = **created;
            std::promise<void> first;
            auto first_future = first.get_future();
            loop.read_stream(
                idle.read.get(), [&](std::span<const std::byte>) { return ++calls, true; },
                [&](int) { ++calls; });
            loop.read_stream(
                paused.read.get(),
                [&](std::span<const std::byte>) {
                    first.set_value();
                    return false;
                },
                [&](int) { ++calls; });
            REQUIRE(write_pattern(paused.write.get(), 0, 10));
            wait_or_fail(first_future, "the first chunk");
        }
        idle.write.reset();
        paused.write.reset();
        CHECK(calls == 0);
    }
}
