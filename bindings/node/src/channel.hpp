// JsChannel: how library threads talk to JS. It wraps one Napi::ThreadSafeFunction around a JS
// `dispatch(kind, payload)` function. Library callbacks (output, terminal data, watch events)
// copy their bytes into a Message and queue it without blocking (NonBlockingCall on an
// unbounded queue), so the library's event-loop thread never waits for JS; messages reach JS
// in the order they were posted.
//
// Shares: the channel starts with one share held by the C callbacks. retireCallbacks() gives it
// up, and must be called only once the C API guarantees the callbacks have stopped (wait
// returned, disconnect/free/stop returned). A thread that posts after that (a process waiter)
// holds its own share (acquire()/release()). When no share is left the TSFN is finalized and no
// longer keeps Node alive.
#pragma once

#include "common.hpp"

#include <atomic>

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
    void postBytes(const char* kind, const char* data, size_t len, bool text = false);

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

// C callback adapters: user_data is the JsChannel.
void onStdout(const char* data, size_t len, void* channel);
void onStderr(const char* data, size_t len, void* channel);
void onTerminalData(const char* data, size_t len, void* channel);

} // namespace soulbox_node
