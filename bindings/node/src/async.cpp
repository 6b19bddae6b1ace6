#include "async.hpp"

#include <cerrno>
#include <new>

namespace soulbox_node {
namespace {

class PoolCall : public Napi::AsyncWorker {
public:
    PoolCall(Napi::Env env, std::function<soulbox::Status()> work,
             std::function<Napi::Value(Napi::Env)> done)
        : Napi::AsyncWorker(env, "soulbox"), deferred_(Napi::Promise::Deferred::New(env)),
          work_(std::move(work)), done_(std::move(done)) {}

    Napi::Promise promise() const { return deferred_.Promise(); }

protected:
    void Execute() override {
        try {
            status_ = work_();
        } catch (const std::bad_alloc&) {
            status_ =
                std::unexpected(soulbox::Error{soulbox::Errc::internal, ENOMEM, "out of memory"});
        }
    }

    void OnOK() override {
        Napi::Env env = Env();
        if (!status_) {
            deferred_.Reject(makeError(env, status_.error()));
            return;
        }
        try {
            deferred_.Resolve(done_(env));
        } catch (const Napi::Error& error) {
            deferred_.Reject(error.Value());
        }
    }

private:
    Napi::Promise::Deferred deferred_;
    std::function<soulbox::Status()> work_;
    std::function<Napi::Value(Napi::Env)> done_;
    soulbox::Status status_;
};

} // namespace

Napi::Promise queuePoolCall(Napi::Env env, std::function<soulbox::Status()> work,
                            std::function<Napi::Value(Napi::Env)> done) {
    auto* call = new PoolCall(env, std::move(work), std::move(done));
    Napi::Promise promise = call->promise();
    call->Queue(); // deletes itself after OnOK
    return promise;
}

} // namespace soulbox_node
