// Many threads on the C ABI at once: 8 threads share 3 sandboxes (commands with streamed output,
// background processes, file calls) and each also creates, uses and kills sandboxes of its own;
// several threads type into one shared process and read info and lists concurrently. Built a
// second time with -fsanitize=thread (ctest -R tsan), library included, so that a data race in
// the C layer or below it fails the test.
#include "soulbox/soulbox.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 8;
constexpr int kSharedSandboxes = 3;
constexpr int kRounds = 10;

std::atomic<int> passed{0}, failed{0};

void check(bool ok, const char* what, int line, soulbox_error* err = nullptr) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::fprintf(stderr, "test_stress.cpp:%d: %s failed: %s\n", line, what,
                     soulbox_error_message(err));
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)
// Runs a call that fills `err`, checks that it succeeded and frees the error.
#define CHECK_OK(call)                                                                             \
    do {                                                                                           \
        soulbox_error* err = nullptr;                                                              \
        int rc_ = (call);                                                                          \
        check(rc_ == SOULBOX_OK, #call, __LINE__, err);                                            \
        soulbox_error_free(err);                                                                   \
    } while (0)

// Output bytes seen by a callback (on the library's thread).
void count_bytes(const char*, size_t len, void* user_data) {
    static_cast<std::atomic<size_t>*>(user_data)->fetch_add(len);
}

std::string stdout_of(const soulbox_command_result* res) {
    size_t len = 0;
    const char* data = soulbox_command_result_stdout(res, &len);
    return data ? std::string(data, len) : std::string();
}

void command_round(soulbox_sandbox* sbx, int thread, int round) {
    std::atomic<size_t> streamed{0};
    soulbox_run_options opts;
    soulbox_run_options_init(&opts);
    opts.on_stdout = count_bytes;
    opts.user_data = &streamed;
    std::string cmd = "echo t" + std::to_string(thread) + "-" + std::to_string(round);
    soulbox_command_result* res = nullptr;
    CHECK_OK(soulbox_commands_run(&res, sbx, cmd.c_str(), &opts, &err));
    std::string want = cmd.substr(5) + "\n";
    CHECK(stdout_of(res) == want);
    CHECK(streamed.load() == want.size());
    soulbox_command_result_free(res);

    // A background process, waited for on this thread.
    soulbox_process* proc = nullptr;
    CHECK_OK(soulbox_commands_start(&proc, sbx, "sleep 0.1; echo bg", nullptr, &err));
    CHECK_OK(soulbox_process_wait(&res, proc, &err));
    CHECK(stdout_of(res) == "bg\n");
    soulbox_command_result_free(res);
    soulbox_process_free(proc);
}

void file_round(soulbox_sandbox* sbx, int thread, int round) {
    std::string dir = "/home/user/t" + std::to_string(thread);
    std::string path = dir + "/f" + std::to_string(round);
    std::string data = "data of " + path;
    soulbox_entry* entry = nullptr;
    CHECK_OK(
        soulbox_files_write(&entry, sbx, path.c_str(), data.data(), data.size(), nullptr, &err));
    soulbox_entry_free(entry);
    void* read = nullptr;
    size_t len = 0;
    CHECK_OK(soulbox_files_read(&read, &len, sbx, path.c_str(), nullptr, &err));
    CHECK(len == data.size() && std::memcmp(read, data.data(), len) == 0);
    soulbox_free(read);
    int exists = 0;
    CHECK_OK(soulbox_files_exists(&exists, sbx, path.c_str(), nullptr, &err));
    CHECK(exists == 1);
    soulbox_entry_list* list = nullptr;
    CHECK_OK(soulbox_files_list(&list, sbx, dir.c_str(), 1, nullptr, &err));
    CHECK(soulbox_entry_list_count(list) >= 1);
    soulbox_entry_list_free(list);
    CHECK_OK(soulbox_files_remove(sbx, path.c_str(), nullptr, &err));
}

void own_sandbox(int thread) {
    soulbox_sandbox* sbx = nullptr;
    CHECK_OK(soulbox_sandbox_create(&sbx, nullptr, &err));
    if (!sbx) return;
    command_round(sbx, thread, 99);
    file_round(sbx, thread, 99);
    CHECK_OK(soulbox_sandbox_kill(sbx, &err));
    soulbox_sandbox_free(sbx);
}

void worker(soulbox_sandbox* const* shared, soulbox_process* typist, int thread) {
    for (int round = 0; round < kRounds; ++round) {
        soulbox_sandbox* sbx = shared[(thread + round) % kSharedSandboxes];
        command_round(sbx, thread, round);
        file_round(sbx, thread, round);
        std::string line = "line " + std::to_string(thread) + " " + std::to_string(round) + "\n";
        CHECK_OK(soulbox_process_send_stdin(typist, line.data(), line.size(), &err));
        soulbox_sandbox_info* info = nullptr;
        CHECK_OK(soulbox_sandbox_get_info(&info, sbx, &err));
        CHECK(std::strcmp(soulbox_sandbox_info_id(info), soulbox_sandbox_id(sbx)) == 0);
        soulbox_sandbox_info_free(info);
        if (thread % 4 == 0) {
            soulbox_sandbox_info_list* list = nullptr;
            CHECK_OK(soulbox_sandbox_list(&list, &err));
            soulbox_sandbox_info_list_free(list);
        }
    }
    own_sandbox(thread);
}

} // namespace

int main() {
    soulbox_sandbox* shared[kSharedSandboxes] = {};
    for (auto& sbx : shared)
        CHECK_OK(soulbox_sandbox_create(&sbx, nullptr, &err));
    for (auto* sbx : shared)
        if (!sbx) return 1;

    // One process every thread types into: its line count proves no write was lost.
    std::atomic<size_t> typed{0};
    soulbox_run_options opts;
    soulbox_run_options_init(&opts);
    opts.stdin_open = 1;
    opts.on_stdout = count_bytes;
    opts.user_data = &typed;
    soulbox_process* typist = nullptr;
    CHECK_OK(soulbox_commands_start(&typist, shared[0], "wc -l", &opts, &err));
    if (!typist) return 1;

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back(worker, shared, typist, t);
    for (auto& thread : threads)
        thread.join();

    CHECK_OK(soulbox_process_close_stdin(typist, &err));
    soulbox_command_result* res = nullptr;
    CHECK_OK(soulbox_process_wait(&res, typist, &err));
    CHECK(stdout_of(res) == std::to_string(kThreads * kRounds) + "\n");
    soulbox_command_result_free(res);
    soulbox_process_free(typist);

    for (auto* sbx : shared) {
        CHECK_OK(soulbox_sandbox_kill(sbx, &err));
        soulbox_sandbox_free(sbx);
    }
    std::printf("%d passed, %d failed\n", passed.load(), failed.load());
    return failed.load() ? 1 : 0;
}
