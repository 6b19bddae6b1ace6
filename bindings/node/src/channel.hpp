// JsChannel: how library threads talk to JS. It wraps one Napi::ThreadSafeFunction around a JS
// `dispatch(kind, payload)` function. Library callbacks (output, terminal data, watch events)
// run on the library's worker threads; they copy their bytes into a Message and queue it
// without blocking (NonBlockingCall on an unbounded queue), so those threads never wait for
// JS; messages reach JS in the order they were posted.
//
// Shares: the channel starts with one share held by the library callbacks. retireCallbacks()
// gives it up, and must be called only once the library guarantees the callbacks have stopped
// (wait returned, disconnect/stop returned, the handle was destroyed). The callbacks
// (std::function objects owned by a CommandHandle / WatchHandle) point at the channel, so
// their handle is always destroyed before the channel. A thread that posts after that (a process
// waiter) holds its own share (acquire()/release()). When no share is left the TSFN is finalized
// and no longer keeps Node alive.
#pragma once

#include "common.hpp"

#include <atomic>
#include <string_view>

namespace soulbox_node {

struct Message {
    std::string kind;
    std::string bytes; // payload for output kinds: handed to JS as a Buffer
    bool text = false; // hand `bytes` to JS as a string instead (watch event names)
    // Builds the payload on the JS thread instead (exit results, errors), when set.
    std::function<Napi::Value(Napi::Env)> make;
    // Runs on the JS thread after dispatch returns (read-stream flow control), when set.
    std::function<void()> delivered;
};

void deliverMessage(Napi::Env env, Napi::Function dispatch, std::nullptr_t*, Message* message);
using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Message, deliverMessage>;

class JsChannel {
public:
    JsChannel(Napi::Env env, Napi::Function dispatch, const char* name);
    ~JsChannel() { retireCallbacks(); }
    JsChannel(const JsChannel&) = delete;
    JsChannel& operator=(const JsChannel&) = delete;

    // Any thread, while a share is held. Never blocks.
    void post(std::unique_ptr<Message> message);
    void postBytes(const char* kind, std::string_view bytes, bool text = false);
    // A library output callback that posts each chunk as a `kind` message (Buffer payload).
    soulbox::OutputCallback forward(const char* kind) {
        return [this, kind](std::string_view chunk) { postBytes(kind, chunk); };
    }

    // An extra share for a thread that posts after the callbacks stopped; release it with
    // release(tsfn) on a copy taken before the channel may be destroyed.
    Tsfn acquire();
    static void release(Tsfn tsfn) { tsfn.Release(); }

    // Gives up the callbacks' share, once.
    void retireCallbacks();

    // JS thread only, and only before the channel's last message was delivered: whether the
    // channel keeps Node alive (it does by default).
    void keepAlive(Napi::Env env, bool value) { value ? tsfn_.Ref(env) : tsfn_.Unref(env); }

private:
    Tsfn tsfn_;
    std::atomic<bool> retired_{false};
};

} // namespace soulbox_node
