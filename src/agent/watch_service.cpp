#include "agent/watch_service.hpp"

#include "agent/path_resolver.hpp"

#include <fcntl.h>

namespace soulbox::agent {

using protocol::Field;
using protocol::Message;
using protocol::Op;

WatchService::WatchService(FileIdentity identity, FileWatcher::EventSink send_event)
    : identity_(identity), root_(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)),
      watcher_(root_.get(), std::move(send_event)) {}

Result<Message> WatchService::watch(ConnectionId connection, const Message& request) {
    return as_user(identity_, root_.get(), request,
                   [&](const FileUser& user, const std::string& path) -> Result<Message> {
                       auto dir = open_in_root(root_.get(), path, O_PATH | O_DIRECTORY);
                       if (!dir) return std::unexpected(about(path, dir.error()));
                       auto id = watcher_.add(connection, path, dir->get(),
                                              request.get_u64(Field::recursive).value_or(0) != 0,
                                              user.ids);
                       if (!id) return std::unexpected(id.error());
                       Message reply(Op::reply, 0);
                       reply.add_u64(Field::watch_id, *id);
                       return reply;
                   });
}

Result<Message> WatchService::unwatch(ConnectionId connection, const Message& request) {
    if (auto user = file_user(identity_, request); !user) return std::unexpected(user.error());
    if (auto s = watcher_.remove(connection, request.get_u64(Field::watch_id).value_or(0)); !s)
        return std::unexpected(s.error());
    return Message(Op::reply, 0);
}

} // namespace soulbox::agent
