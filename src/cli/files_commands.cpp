// files ls, cat, put, get, rm, mkdir: files in a running sandbox.
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/file_copy.hpp"
#include "cli/json_output.hpp"
#include "cli/signals.hpp"
#include "cli/text_output.hpp"

#include <algorithm>
#include <cerrno>
#include <unistd.h>

namespace soulbox::cli {

namespace {

int print(const std::string& text) {
    return write_all(STDOUT_FILENO, text) ? 0 : kExitFailure;
}

int list(Sandbox& sandbox, const Invocation& inv) {
    auto entries = sandbox.files().list(inv.operands.at(0), inv.depth);
    if (!entries) return report("files ls", entries.error());
    std::sort(entries->begin(), entries->end(),
              [](const EntryInfo& a, const EntryInfo& b) { return a.path < b.path; });
    return print(inv.json ? entry_list_json(*entries) + "\n" : entry_table(*entries));
}

int cat(Sandbox& sandbox, const Invocation& inv) {
    bool reader_gone = false;
    auto read = sandbox.files().read_stream(inv.operands.at(0), [&](std::string_view chunk) {
        if (write_all(STDOUT_FILENO, chunk)) return true;
        reader_gone = errno == EPIPE;
        return false;
    });
    if (!read) return report("files cat", read.error());
    // Like cat in a pipeline whose reader quit: end as SIGPIPE would have ended us.
    if (reader_gone) raise_broken_pipe();
    return 0;
}

int put(Sandbox& sandbox, const Invocation& inv) {
    if (auto s = put_path(sandbox, inv.operands.at(0), inv.operands.at(1)); !s)
        return report("files put", s.error());
    return 0;
}

int get(Sandbox& sandbox, const Invocation& inv) {
    if (auto s = get_path(sandbox, inv.operands.at(0), inv.operands.at(1)); !s)
        return report("files get", s.error());
    return 0;
}

int remove(Sandbox& sandbox, const Invocation& inv) {
    if (auto s = sandbox.files().remove(inv.operands.at(0)); !s)
        return report("files rm", s.error());
    return 0;
}

int make_dir(Sandbox& sandbox, const Invocation& inv) {
    // An existing directory is fine, as with mkdir -p.
    if (auto made = sandbox.files().make_dir(inv.operands.at(0)); !made)
        return report("files mkdir", made.error());
    return 0;
}

} // namespace

int files_command(const Invocation& inv) {
    auto sandbox = Sandbox::connect(inv.sandbox_id);
    if (!sandbox) return report("files", sandbox.error());
    switch (inv.command) {
    case Command::files_ls:
        return list(*sandbox, inv);
    case Command::files_cat:
        return cat(*sandbox, inv);
    case Command::files_put:
        return put(*sandbox, inv);
    case Command::files_get:
        return get(*sandbox, inv);
    case Command::files_rm:
        return remove(*sandbox, inv);
    case Command::files_mkdir:
        return make_dir(*sandbox, inv);
    default:
        break;
    }
    print_error("files: no such subcommand");
    return kExitUsage;
}

} // namespace soulbox::cli
