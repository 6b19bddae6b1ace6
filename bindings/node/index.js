'use strict'
// SoulBox for Node.js: E2B's JS SDK API (Sandbox, commands, files, pty) over a local sandbox.
const { Sandbox, SandboxPaginator } = require('./lib/sandbox')
const { CommandHandle } = require('./lib/commands')
const { FileType, FilesystemEventType, WatchHandle } = require('./lib/filesystem')
const native = require('./lib/native')

const ALL_TRAFFIC = '0.0.0.0/0' // E2B's selector for every egress address

// Literal names and a spread require, the forms Node's CommonJS export detection understands, so
// that ESM named imports (`import { Sandbox, CommandExitError } from 'soulbox'`) work.
module.exports = {
  Sandbox,
  SandboxPaginator,
  ALL_TRAFFIC,
  CommandHandle,
  WatchHandle,
  FileType,
  FilesystemEventType,
  ...require('./lib/errors'),
  version: native.version(),
  default: Sandbox,
}
