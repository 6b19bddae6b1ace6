'use strict'
// SoulBox for Node.js: E2B's JS SDK API (Sandbox, commands, files, pty) over a local sandbox.
const { Sandbox } = require('./lib/sandbox')
const { CommandHandle } = require('./lib/commands')
const { FileType, FilesystemEventType, WatchHandle } = require('./lib/filesystem')
const errors = require('./lib/errors')
const native = require('./lib/native')

const { makeError, ...errorClasses } = errors

module.exports = {
  Sandbox,
  CommandHandle,
  WatchHandle,
  FileType,
  FilesystemEventType,
  ...errorClasses,
  version: native.version(),
  default: Sandbox,
}
