'use strict'
// Error classes with E2B's JS names; every soulbox_errc maps to one of them. `code` is the
// C error's name (e.g. 'NOT_FOUND'), `errno` the errno of the failed system call (0 if none).

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

module.exports = {
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
}
