'use strict'
// Error classes with E2B's JS names; every soulbox_errc maps to one of them, refined by the
// error's subject (a NOT_FOUND about a path is a FileNotFoundError). `code` is the C error's
// name (e.g. 'NOT_FOUND'), `subject` what it refers to ('path', 'sandbox', 'process',
// 'template' or 'none'), `errno` the errno of the failed system call (0 if none).

class SandboxError extends Error {
  constructor(message, options) {
    super(message, options)
    this.name = 'SandboxError'
  }
}

function define(name, Base = SandboxError) {
  const cls = class extends Base {
    constructor(message, options) {
      super(message, options)
      this.name = name
    }
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

const InvalidArgumentError = define('InvalidArgumentError')
const NotFoundError = define('NotFoundError')
const FileNotFoundError = define('FileNotFoundError', NotFoundError)
const SandboxNotFoundError = define('SandboxNotFoundError', NotFoundError)
const ProcessNotFoundError = define('ProcessNotFoundError', NotFoundError)
const AlreadyExistsError = define('AlreadyExistsError')
const PermissionDeniedError = define('PermissionDeniedError')
const UnsupportedError = define('UnsupportedError')
const LimitUnenforceableError = define('LimitUnenforceableError')
const TimeoutError = define('TimeoutError')
const NotRunningError = define('NotRunningError')
const IOError = define('IOError')
const ProtocolError = define('ProtocolError')
const NotEnoughSpaceError = define('NotEnoughSpaceError')
const InternalError = define('InternalError')
const NotADirectoryError = define('NotADirectoryError')
const IsADirectoryError = define('IsADirectoryError')

// E2B's other error classes (same bases as E2B), for `instanceof` checks in ported scripts.
// SoulBox raises TemplateError for a bad template; the rest exist for compatibility.
const AuthenticationError = define('AuthenticationError', Error)
const GitAuthError = define('GitAuthError', AuthenticationError)
const GitUpstreamError = define('GitUpstreamError')
const TemplateError = define('TemplateError')
const RateLimitError = define('RateLimitError')
const BuildError = define('BuildError', Error)
const FileUploadError = define('FileUploadError', BuildError)
const VolumeError = define('VolumeError', Error)
const VolumeNotFoundError = define('VolumeNotFoundError', VolumeError)
const VolumePathNotFoundError = define('VolumePathNotFoundError', VolumeError)
const SecretError = define('SecretError', Error)
const SecretNotFoundError = define('SecretNotFoundError', SecretError)

// A command that exited non-zero (or was killed): the result's fields, as E2B.
class CommandExitError extends SandboxError {
  constructor(result) {
    super(result.error || `exit status ${result.exitCode}`)
    this.name = 'CommandExitError'
    this.exitCode = result.exitCode
    this.error = result.error
    this.stdout = result.stdout
    this.stderr = result.stderr
  }
}

// BEGIN GENERATED errors: scripts/gen-errors.py from src/core/error_codes.txt
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
// Indexed by soulbox_subject.
const SUBJECTS = ['none', 'sandbox', 'process', 'path', 'template']
// `${errc}:${subject}` -> class, where the subject refines the code.
const BY_ERRC_AND_SUBJECT = new Map([
  ['2:1', SandboxNotFoundError], // not_found, sandbox
  ['2:2', ProcessNotFoundError], // not_found, process
  ['2:3', FileNotFoundError], // not_found, path
])
// END GENERATED errors

// The error for a failed C call (called by the addon through native.js).
function makeError(errc, message, errno, subject) {
  const [code, Cls] = BY_ERRC[errc] ?? ['UNKNOWN', SandboxError]
  const error = new (BY_ERRC_AND_SUBJECT.get(`${errc}:${subject}`) ?? Cls)(message)
  error.code = code
  error.subject = SUBJECTS[subject] ?? 'none'
  error.errno = errno
  return error
}

module.exports = {
  SandboxError,
  InvalidArgumentError,
  NotFoundError,
  FileNotFoundError,
  SandboxNotFoundError,
  ProcessNotFoundError,
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
  AuthenticationError,
  GitAuthError,
  GitUpstreamError,
  TemplateError,
  RateLimitError,
  BuildError,
  FileUploadError,
  VolumeError,
  VolumeNotFoundError,
  VolumePathNotFoundError,
  SecretError,
  SecretNotFoundError,
}
// Not enumerable: index.js spreads this module into the package's exports, and makeError is
// not part of them.
Object.defineProperty(module.exports, 'makeError', { value: makeError })
