// io_uring backend: one IORING_OP_READ in flight per active stream, into that stream's own
// buffer; one-shot IORING_OP_POLL_ADD for watch_readable, re-armed after each handler call so
// readiness stays level-triggered (multishot poll only reports new wakeups); a READ on the
// wake eventfd so post() from any thread ends the wait.
#include "io/loop_common.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <liburing.h>
#include <poll.h>

namespace soulbox::io::detail {
namespace {

// What a completion is for; stored in the low bits of user_data, the watch id above them.
enum class Op : std::uint64_t { read = 0, poll = 1, wake = 2, cancel = 3 };
constexpr int op_bits = 2;

constexpr std::uint64_t tag(WatchId id, Op op) {
    return (id << op_bits) | static_cast<std::uint64_t>(op);
}

constexpr unsigned sq_entries = 256;
// Every active stream has a read in flight; a large CQ keeps 1000s of them from overflowing.
constexpr unsigned cq_entries = 4096;
// Streams start small (many idle pipes stay cheap) and double while reads fill the buffer.
constexpr std::size_t initial_buffer_size = 16 * 1024;

class UringLoop final : public LoopCore {
public:
    static Result<std::unique_ptr<EventLoop>> create() {
        std::unique_ptr<UringLoop> loop(new UringLoop());
        if (Status started = loop->start(); !started) return std::unexpected(started.error());
        return loop;
    }
    ~UringLoop() override { stop(); }

    Backend backend() const override { return Backend::io_uring; }

private:
    UringLoop() = default;

    Status init_on_loop_thread() override {
        // The ring is created on the loop thread: SINGLE_ISSUER binds it to its creator, and
        // DEFER_TASKRUN runs completion work only when this thread waits (fewer wakeups).
        io_uring_params params{};
        params.flags =
            IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
        params.cq_entries = cq_entries;
        int rc = io_uring_queue_init_params(sq_entries, &ring_, &params);
        if (rc == -EINVAL) { // kernel older than 6.1
            params = {};
            params.flags = IORING_SETUP_CQSIZE;
            params.cq_entries = cq_entries;
            rc = io_uring_queue_init_params(sq_entries, &ring_, &params);
        }
        if (rc < 0) return std::unexpected(sys_error("io_uring_queue_init", -rc));
        arm_wake();
        return {};
    }

    void wait_and_dispatch() override {
        int rc = io_uring_submit_and_wait(&ring_, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            std::fprintf(stderr, "soulbox: io_uring_submit_and_wait failed: %d\n", rc);
            std::abort(); // the ring is unusable; every stream would hang silently
        }
        process_completions();
    }

    void arm(Watch& w) override {
        if (w.request_in_flight != 0) return;
        if (w.kind == Watch::Kind::readable) {
            submit_poll(w);
            return;
        }
        if (!w.buffer) resize_buffer(w, initial_buffer_size);
        submit_read(w);
    }

    void disarm(Watch& w) override {
        // The request's buffer stays valid: the watch is retired only after its CQE arrives.
        if (w.request_in_flight == 0) return;
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_cancel64(sqe, w.request_in_flight, 0);
        io_uring_sqe_set_data64(sqe, tag(w.id, Op::cancel));
    }

    void shutdown_on_loop_thread() override {
        // Every watch is done and its request cancelled; wait for all CQEs so no buffer is
        // freed while the kernel might still write to it.
        stopping_ = true;
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_cancel64(sqe, tag(0, Op::wake), 0);
        io_uring_sqe_set_data64(sqe, tag(0, Op::cancel));
        while (requests_in_flight_ > 0) {
            io_uring_submit_and_wait(&ring_, 1);
            process_completions();
        }
        io_uring_queue_exit(&ring_);
    }

    // A free SQE; submits the queued ones if the SQ is full. Counts the request it becomes.
    io_uring_sqe* next_sqe() {
        io_uring_sqe* sqe;
        while ((sqe = io_uring_get_sqe(&ring_)) == nullptr)
            io_uring_submit(&ring_);
        ++requests_in_flight_;
        return sqe;
    }

    void arm_wake() {
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_read(sqe, wake_fd(), &wake_count_, sizeof wake_count_, 0);
        io_uring_sqe_set_data64(sqe, tag(0, Op::wake));
    }

    void submit_read(Watch& w) {
        io_uring_sqe* sqe = next_sqe();
        // Offset -1: the file position, so regular files read sequentially too.
        io_uring_prep_read(sqe, w.fd, w.buffer.get(), static_cast<unsigned>(w.buffer_size),
                           static_cast<__u64>(-1));
        w.request_in_flight = tag(w.id, Op::read);
        io_uring_sqe_set_data64(sqe, w.request_in_flight);
    }

    void submit_poll(Watch& w) {
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_poll_add(sqe, w.fd, POLLIN);
        w.request_in_flight = tag(w.id, Op::poll);
        io_uring_sqe_set_data64(sqe, w.request_in_flight);
    }

    static void resize_buffer(Watch& w, std::size_t size) {
        w.buffer = std::make_unique_for_overwrite<std::byte[]>(size);
        w.buffer_size = size;
    }

    void process_completions() {
        struct Completion {
            std::uint64_t user_data;
            int res;
        };
        constexpr unsigned batch_size = 64;
        io_uring_cqe* cqes[batch_size];
        Completion batch[batch_size];
        for (;;) {
            unsigned count = io_uring_peek_batch_cqe(&ring_, cqes, batch_size);
            if (count == 0) return;
            // Copy out and release the CQ slots before handlers run and submit more.
            for (unsigned i = 0; i < count; ++i)
                batch[i] = {cqes[i]->user_data, cqes[i]->res};
            io_uring_cq_advance(&ring_, count);
            for (unsigned i = 0; i < count; ++i)
                complete(batch[i].user_data, batch[i].res);
        }
    }

    void complete(std::uint64_t user_data, int res) {
        --requests_in_flight_;
        auto op = static_cast<Op>(user_data & ((1u << op_bits) - 1));
        WatchId id = user_data >> op_bits;
        if (op == Op::cancel) return;
        if (op == Op::wake) {
            if (!stopping_) arm_wake(); // the loop runs posted tasks after this dispatch
            return;
        }
        Watch* w = find(id);
        if (!w) return; // cannot happen: a watch outlives its request
        w->request_in_flight = 0;
        if (w->done) { // cancelled while in flight; now its buffer may go
            retire_if_idle(*w);
            return;
        }
        if (op == Op::read)
            read_done(*w, res);
        else
            poll_done(*w, res);
    }

    void read_done(Watch& w, int res) {
        if (w.finishing) {
            if (res > 0 && !deliver_data(w, std::span<const std::byte>(
                                                w.buffer.get(), static_cast<std::size_t>(res))))
                if (w.done) return;
            drain_and_finish(w);
            return;
        }
        if (res > 0) {
            bool filled = static_cast<std::size_t>(res) == w.buffer_size;
            auto chunk = std::span<const std::byte>(w.buffer.get(), static_cast<std::size_t>(res));
            if (!deliver_data(w, chunk)) return;
            if (filled && w.buffer_size < max_chunk_size) resize_buffer(w, w.buffer_size * 2);
            submit_read(w);
        } else if (res == 0) {
            finish(w, 0);
        } else if (res == -EAGAIN) {
            submit_poll(w); // an O_NONBLOCK fd the kernel cannot poll-arm a read for
        } else if (res == -EINTR) {
            submit_read(w);
        } else {
            finish(w, -res);
        }
    }

    void poll_done(Watch& w, int res) {
        if (w.kind == Watch::Kind::stream && w.finishing) {
            drain_and_finish(w);
            return;
        }
        if (w.kind == Watch::Kind::stream) { // readable again after -EAGAIN
            if (res < 0)
                finish(w, -res);
            else
                submit_read(w);
            return;
        }
        if (res < 0) { // e.g. EBADF: the fd cannot be watched
            drop(w);
            return;
        }
        if (deliver_ready(w)) submit_poll(w);
    }

    io_uring ring_{};
    std::uint64_t wake_count_ = 0; // target of the wake eventfd read
    int requests_in_flight_ = 0;   // submitted requests whose CQE has not been seen
    bool stopping_ = false;
};

} // namespace

Result<std::unique_ptr<EventLoop>> make_uring_loop() {
    return UringLoop::create();
}

} // namespace soulbox::io::detail
