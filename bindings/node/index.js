'use strict'
// SoulBox for Node.js: E2B's JS SDK API (Sandbox, commands, files, pty) over a local sandbox.
const { Sandbox } = require('./lib/sandbox')
const { CommandHandle } = require('./lib/commands')
const { FileType, FilesystemEventType, WatchHandle } = require('./lib/filesystem')
const native = require('./lib/native')
const { ALL_TRAFFIC, SandboxPaginator } = require('./lib/compat')

// Literal names and a spread require, the forms Node's CommonJS export detection understands, so
// that ESM named imports (`import { Sandbox, CommandExitError } from 'soulbox'`) work.
module.exports = {
  Sandbox,
  CommandHandle,
  WatchHandle,
  FileType,
  FilesystemEventType,
  SandboxPaginator,
  ALL_TRAFFIC,
  ...require('./lib/errors'),
  version: native.version(),
  default: Sandbox,
}
