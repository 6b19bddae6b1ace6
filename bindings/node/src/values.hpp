// Results of the C++ API as JS values: one conversion per type of types.hpp, picked by
// overload so that async.hpp can convert any call's value (ToJs).
#pragma once

#include "common.hpp"

#include <string>
#include <vector>

namespace soulbox_node {

Napi::Value toJs(Napi::Env env, bool value);
Napi::Value toJs(Napi::Env env, const std::string& text);
Napi::Value toJs(Napi::Env env, const soulbox::EntryInfo& entry);
Napi::Value toJs(Napi::Env env, const soulbox::SandboxInfo& info);
Napi::Value toJs(Napi::Env env, const soulbox::ProcessInfo& info);
Napi::Value toJs(Napi::Env env, const soulbox::CommandResult& result);

template <class T> Napi::Value toJs(Napi::Env env, const std::vector<T>& values) {
    Napi::Array array = Napi::Array::New(env, values.size());
    for (uint32_t i = 0; i < values.size(); ++i)
        array.Set(i, toJs(env, values[i]));
    return array;
}

// The conversion as a function object (the default of runInPool).
struct ToJs {
    template <class T> Napi::Value operator()(Napi::Env env, const T& value) const {
        return toJs(env, value);
    }
};

// A watch event's type as JS names it ("create", ...).
const char* eventTypeName(soulbox::FilesystemEventType type);

} // namespace soulbox_node
