// The --json forms of the CLI's output. Strings go through json::quote, so any bytes a
// command prints (including invalid UTF-8) still give valid JSON.
#pragma once

#include "soulbox/soulbox.hpp"

#include <string>
#include <vector>

namespace soulbox::cli {

// {"exit_code","stdout","stderr","error","timed_out","oom_killed","signal"}; no newline.
std::string command_result_json(const CommandResult& result);
// {"id","template","metadata","started_at","end_at","state","limits":{...},"rootless"}
std::string sandbox_info_json(const SandboxInfo& info);
std::string sandbox_list_json(const std::vector<SandboxInfo>& sandboxes);

// "file", "dir", "symlink" or "other".
std::string_view file_type_name(FileType type);
// {"name","type","path","size","mode","permissions","owner","group","modified_time",
//  "symlink_target"}; modified_time is RFC 3339, symlink_target null unless a symlink.
std::string entry_json(const EntryInfo& entry);
std::string entry_list_json(const std::vector<EntryInfo>& entries);

} // namespace soulbox::cli
