// One-shot calls off the JS thread. Short calls (spawn, file operations, sandbox lifecycle)
// run on libuv's thread pool; anything that can wait without bound (a process's wait, a read
// stream held back by its consumer) runs on its own thread (process.cpp, files.cpp) so that
// long commands never starve the pool that fs, dns and these short calls share.
#pragma once

#include "common.hpp"

namespace soulbox_node {

// Runs `work` on the thread pool and settles the returned promise on the JS thread: rejected
// with the mapped error when work's status fails, else resolved with `done(env)`. Both
// callables usually share a small state object holding the call's C results.
Napi::Promise runInPool(Napi::Env env, std::function<Status()> work,
                        std::function<Napi::Value(Napi::Env)> done);

// runInPool for calls whose success value is `undefined`.
inline Napi::Promise runInPool(Napi::Env env, std::function<Status()> work) {
    return runInPool(env, std::move(work), [](Napi::Env e) { return e.Undefined(); });
}

} // namespace soulbox_node
