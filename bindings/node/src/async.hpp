// One-shot calls off the JS thread. Short calls (spawn, file operations, sandbox lifecycle)
// run on libuv's thread pool; anything that can wait without bound (a process's wait, a read
// stream held back by its consumer) runs on its own thread (process.cpp, read_stream.cpp) so
// that long commands never starve the pool that fs, dns and these short calls share.
#pragma once

#include "values.hpp"

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace soulbox_node {

// Queues `work` on the pool and settles the returned promise on the JS thread: rejected with
// the mapped error when work fails, else resolved with `done(env)`.
Napi::Promise queuePoolCall(Napi::Env env, std::function<soulbox::Status()> work,
                            std::function<Napi::Value(Napi::Env)> done);

// Runs `call` (returning a soulbox::Result<T>) on the pool and resolves with
// convert(env, value), or with undefined for a soulbox::Status. `convert` may take the value
// by non-const reference to move it out.
template <class Call, class Convert = ToJs>
Napi::Promise runInPool(Napi::Env env, Call call, Convert convert = {}) {
    using Value = typename std::invoke_result_t<Call&>::value_type;
    if constexpr (std::is_void_v<Value>) {
        return queuePoolCall(env, std::move(call), [](Napi::Env e) { return e.Undefined(); });
    } else {
        auto value = std::make_shared<std::optional<Value>>();
        return queuePoolCall(
            env,
            [call = std::move(call), value]() mutable -> soulbox::Status {
                auto result = call();
                if (!result) return std::unexpected(std::move(result.error()));
                value->emplace(std::move(*result));
                return {};
            },
            [value, convert = std::move(convert)](Napi::Env e) -> Napi::Value {
                return convert(e, **value);
            });
    }
}

} // namespace soulbox_node
