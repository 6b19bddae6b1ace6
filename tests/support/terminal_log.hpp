// Terminal output collected from a PTY's on_data callback, with bounded waits for text in it.
// Tests wait on a condition over the output (with a deadline), never for a fixed time.
// Queries see the output with terminal escape sequences and carriage returns removed (bash's
// bracketed-paste switches end in "\r", readline clears lines), so "\nkey=" finds a line an
// echo printed and lines end in "\n"; offsets (`from`, size()) count in that plain text.
#pragma once

#include "soulbox/soulbox.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace soulbox::test {

class TerminalLog {
public:
    // The callback for PtyOptions::on_data / Pty::connect. It shares the log's state, so it
    // stays valid even if the log is destroyed before the handle.
    OutputCallback sink() const {
        return [state = state_](std::string_view chunk) {
            std::lock_guard lock(state->mutex);
            state->text.append(chunk);
            state->changed.notify_all();
        };
    }

    // Wait until `needle` appears at or after offset `from`; false if `limit` passes first.
    bool wait_for(std::string_view needle, std::chrono::milliseconds limit = kDefaultLimit,
                  std::size_t from = 0) const {
        std::unique_lock lock(state_->mutex);
        return state_->changed.wait_for(lock, limit, [&] {
            std::string text = without_escapes(state_->text);
            return text.size() >= from && text.find(needle, from) != std::string::npos;
        });
    }

    // The rest of the line after the first `key` at or after `from` (up to "\n"), once
    // a whole line is there; none if it did not arrive within `limit`.
    std::optional<std::string> value_after(std::string_view key, std::size_t from = 0,
                                           std::chrono::milliseconds limit = kDefaultLimit) const {
        std::unique_lock lock(state_->mutex);
        std::optional<std::string> value;
        state_->changed.wait_for(lock, limit, [&] {
            std::string text = without_escapes(state_->text);
            auto at = text.find(key, from);
            if (at == std::string::npos) return false;
            auto start = at + key.size();
            auto end = text.find('\n', start);
            if (end == std::string::npos) return false;
            value = text.substr(start, end - start);
            return true;
        });
        return value;
    }

    // The plain text so far.
    std::string text() const {
        std::lock_guard lock(state_->mutex);
        return without_escapes(state_->text);
    }
    std::size_t size() const { return text().size(); }

    // Drop CSI sequences (ESC [ ... final byte), OSC sequences (ESC ] ... BEL or ESC \) and
    // two-byte escapes. An unfinished sequence at the end is dropped too.
    static std::string without_escapes(std::string_view raw) {
        std::string out;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\r') continue;
            if (raw[i] != '\x1b') {
                out += raw[i];
                continue;
            }
            if (++i >= raw.size()) break;
            if (raw[i] == '[') {
                while (++i < raw.size() && !(raw[i] >= 0x40 && raw[i] <= 0x7e)) {
                }
            } else if (raw[i] == ']') {
                while (++i < raw.size() && raw[i] != '\a' &&
                       !(raw[i] == '\\' && raw[i - 1] == '\x1b')) {
                }
            }
        }
        return out;
    }

    static constexpr std::chrono::milliseconds kDefaultLimit{20'000};

private:
    struct State {
        std::mutex mutex;
        std::condition_variable changed;
        std::string text;
    };
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

} // namespace soulbox::test
