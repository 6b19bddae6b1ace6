'use strict'
// sandbox.pty: terminals are CommandHandles whose output goes to onData as bytes.
const native = require('./native')
const v = require('./validate')
const { startHandle, killed } = require('./commands')

// A uint16_t for the C API; which sizes make a terminal is the library's check.
function dimension(value, what) {
  if (typeof value !== 'number') throw new TypeError(`${what} must be a number`)
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new RangeError(`${what} must be an integer from 0 to 65535`)
  return value
}

const DEFAULT_PTY_TIMEOUT_MS = 60_000

class Pty {
  constructor(sandbox) {
    this._sandbox = sandbox
  }

  /** Starts `bash -i -l` on a terminal of cols x rows. */
  async create(opts) {
    if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError('pty.create needs {cols, rows, onData}')
    v.checkOptions(opts, 'pty.create options', ['cols', 'rows', 'onData', 'envs', 'cwd', 'user', 'timeoutMs'])
    const nativeOpts = {
      cols: dimension(opts.cols, 'cols'),
      rows: dimension(opts.rows, 'rows'),
      envs: v.stringMap(opts.envs, 'envs'),
      cwd: v.optionalText(opts.cwd, 'cwd'),
      user: v.user(opts.user),
      // E2B's default: 60 s (0 = no timeout)
      timeoutMs: v.durationMs(opts.timeoutMs, 'timeoutMs', DEFAULT_PTY_TIMEOUT_MS),
    }
    const onPty = v.callback(opts.onData, 'onData')
    return startHandle({ onPty }, (dispatch) => native.createPty(this._sandbox, nativeOpts, dispatch))
  }

  async connect(pid, opts) {
    v.positiveInteger(pid, 'pid')
    const onPty = v.callback(v.checkOptions(opts, 'pty.connect options', ['onData', 'timeoutMs']).onData, 'onData')
    return startHandle({ onPty }, (dispatch) => native.connectPty(this._sandbox, pid, dispatch))
  }

  async sendInput(pid, data) {
    v.positiveInteger(pid, 'pid')
    await native.sendPtyInput(this._sandbox, pid, v.bytes(data))
  }

  async resize(pid, size) {
    v.positiveInteger(pid, 'pid')
    size = v.options(size, 'size')
    await native.resizePty(this._sandbox, pid, dimension(size.rows, 'rows'), dimension(size.cols, 'cols'))
  }

  /** false when no such terminal runs. */
  async kill(pid) {
    v.positiveInteger(pid, 'pid')
    return killed(() => native.killPty(this._sandbox, pid))
  }
}

module.exports = { Pty }
