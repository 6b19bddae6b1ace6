'use strict'
// SoulBox for Node.js: E2B's JS SDK API (Sandbox, commands, files, pty) over a local sandbox.
const { Sandbox } = require('./lib/sandbox')
const { CommandHandle } = require('./lib/commands')
const { FileType, FilesystemEventType, WatchHandle } = require('./lib/filesystem')
const {
  SandboxError,
  InvalidArgumentError,
  NotFoundError,
  FileNotFoundError,
  SandboxNotFoundError,
  AlreadyExistsError,
  PermissionDeniedError,
  UnsupportedError,
  LimitUnenforceableError,
  TimeoutError,
  NotRunningError,
  IOError,
  ProtocolError,
  NotEnoughSpaceError,
  InternalError,
  NotADirectoryError,
  IsADirectoryError,
  CommandExitError,
} = require('./lib/errors')
const native = require('./lib/native')

// Listed one by one so that ESM named imports (`import { Sandbox } from 'soulbox'`) work.
module.exports = {
  Sandbox,
  CommandHandle,
  WatchHandle,
  FileType,
  FilesystemEventType,
  SandboxError,
  InvalidArgumentError,
  NotFoundError,
  FileNotFoundError,
  SandboxNotFoundError,
  AlreadyExistsError,
  PermissionDeniedError,
  UnsupportedError,
  LimitUnenforceableError,
  TimeoutError,
  NotRunningError,
  IOError,
  ProtocolError,
  NotEnoughSpaceError,
  InternalError,
  NotADirectoryError,
  IsADirectoryError,
  CommandExitError,
  version: native.version(),
  default: Sandbox,
}
