// A sandbox: a command, streamed output, a background process, files, a terminal.
#include <soulbox/soulbox.hpp>

#include <cstdio>

// Every call returns std::expected<T, soulbox::Error>; nothing throws.
template <class Result> bool ok(const Result& result, const char* what) {
    if (!result) std::fprintf(stderr, "%s: %s\n", what, result.error().describe().c_str());
    return result.has_value();
}

int main() {
    auto sbx = soulbox::Sandbox::create(); // template "host", 300 s timeout
    if (!ok(sbx, "create")) return 1;
    auto r = sbx->commands().run("python3 -c 'print(6*7)'");
    if (!ok(r, "run")) return 1;
    std::printf("exit %d: %s", r->exit_code, r->stdout_data.c_str()); // 0: 42

    soulbox::RunOptions opts;
    opts.on_stdout = [](std::string_view chunk) {
        std::printf("streamed: %.*s", int(chunk.size()), chunk.data());
    };
    opts.timeout = std::chrono::seconds(10); // the process tree is killed on expiry
    auto handle = sbx->commands().start("echo hi; sleep 100", opts); // background
    if (!ok(handle, "start")) return 1;
    auto killed = handle->kill();
    auto ended = handle->wait();
    if (!ok(killed, "kill") || !ok(ended, "wait")) return 1;
    std::printf("background: %s\n", ended->error.c_str()); // killed by a signal

    auto& files = sbx->files();
    auto written = files.write("/home/user/data/in.csv", "a,b\n1,2\n"); // atomic; parents made
    auto text = files.read("data/in.csv");                              // relative to /home/user
    auto entries = files.list("/home/user", /*depth=*/2); // EntryInfo: type, size, mode, owner...
    if (!ok(written, "write") || !ok(text, "read") || !ok(entries, "list")) return 1;
    std::printf("read back %zu bytes, %zu entries\n", text->size(), entries->size());
    auto watch = files.watch_dir("/home/user", /*recursive=*/true,
                                 [](const soulbox::FilesystemEvent&) { /* create, write, ... */ });
    if (!ok(watch, "watch")) return 1;

    soulbox::PtyOptions pty;
    pty.size = {24, 80};
    pty.on_data = [](std::string_view) { /* terminal output */ };
    auto term = sbx->pty().create(pty); // bash -i -l, TERM=xterm-256color
    if (!ok(term, "pty")) return 1;
    auto resized = sbx->pty().resize(term->pid(), {40, 120}); // the program gets SIGWINCH
    auto typed = term->send_stdin("exit 3\n");
    auto session = term->wait();
    if (!ok(resized, "resize") || !ok(typed, "type") || !ok(session, "wait")) return 1;
    std::printf("terminal exit %d\n", session->exit_code); // 3

    if (!ok(sbx->kill(), "kill")) return 1;
    std::printf("all steps passed\n");
}
