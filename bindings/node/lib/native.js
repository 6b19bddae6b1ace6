'use strict'
// Loads soulbox.node: $SOULBOX_NODE_ADDON (the ctest build) or build/Release/soulbox.node (npm
// install; shipped prebuilt in the npm tarball).
const path = require('node:path')
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
} = require('./errors')

// Indexed by soulbox_errc: [code name, class].
const BY_ERRC = [
  ['OK', SandboxError],
  ['INVALID_ARGUMENT', InvalidArgumentError],
  ['NOT_FOUND', NotFoundError],
  ['ALREADY_EXISTS', AlreadyExistsError],
  ['PERMISSION_DENIED', PermissionDeniedError],
  ['UNSUPPORTED', UnsupportedError],
  ['LIMIT_UNENFORCEABLE', LimitUnenforceableError],
  ['TIMEOUT', TimeoutError],
  ['NOT_RUNNING', NotRunningError],
  ['IO', IOError],
  ['PROTOCOL', ProtocolError],
  ['NOT_ENOUGH_SPACE', NotEnoughSpaceError],
  ['INTERNAL', InternalError],
  ['NOT_A_DIRECTORY', NotADirectoryError],
  ['IS_A_DIRECTORY', IsADirectoryError],
]

// Called by the addon for every failed C call. `domain` refines NOT_FOUND.
function makeError(errc, message, errno, domain) {
  let [code, Cls] = BY_ERRC[errc] ?? ['UNKNOWN', SandboxError]
  if (Cls === NotFoundError && domain === 'file') Cls = FileNotFoundError
  if (Cls === NotFoundError && domain === 'sandbox') Cls = SandboxNotFoundError
  const error = new Cls(message)
  error.code = code
  error.errno = errno
  return error
}


const addonPath = process.env.SOULBOX_NODE_ADDON
  ? path.resolve(process.env.SOULBOX_NODE_ADDON)
  : path.join(__dirname, '..', 'build', 'Release', 'soulbox.node')
const native = require(addonPath)
native.configure({ makeError })

module.exports = native
