// NativeSandbox: a JS object owning one soulbox::Sandbox. The sandbox is shared so calls in
// flight on other threads keep it valid if the JS object is collected meanwhile; the last
// owner frees the handle only (the sandbox keeps running until its timeout, as in E2B).
#pragma once

#include "common.hpp"

namespace soulbox_node {

using SandboxRef = std::shared_ptr<soulbox::Sandbox>;

class SandboxWrap : public Napi::ObjectWrap<SandboxWrap> {
public:
    static Napi::Function define(Napi::Env env);
    // The sandbox behind a NativeSandbox argument; TypeError for anything else.
    static SandboxRef unwrap(const Napi::Value& value);
    static Napi::Object wrap(Napi::Env env, SandboxRef sandbox);

    explicit SandboxWrap(const Napi::CallbackInfo& info);

private:
    static Napi::Value create(const Napi::CallbackInfo& info);
    static Napi::Value connect(const Napi::CallbackInfo& info);
    static Napi::Value list(const Napi::CallbackInfo& info);
    Napi::Value id(const Napi::CallbackInfo& info);
    Napi::Value kill(const Napi::CallbackInfo& info);
    Napi::Value isRunning(const Napi::CallbackInfo& info);
    Napi::Value setTimeout(const Napi::CallbackInfo& info);
    Napi::Value getInfo(const Napi::CallbackInfo& info);

    SandboxRef sandbox_;
};

} // namespace soulbox_node
