#pragma once

#include <napi.h>

// Registration of the addon's free functions, one concern per file.

namespace soulbox_node {

void initCommands(Napi::Env env, Napi::Object exports);
void initPty(Napi::Env env, Napi::Object exports);
void initFiles(Napi::Env env, Napi::Object exports);
void initWatch(Napi::Env env, Napi::Object exports);
void initReadStream(Napi::Env env, Napi::Object exports);

// The classes whose instances the functions above return.
Napi::Function defineReadStream(Napi::Env env);
Napi::Function defineWatch(Napi::Env env);

} // namespace soulbox_node
