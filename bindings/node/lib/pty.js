'use strict'
const { checkKeys } = require('./compat')
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

class Pty {
  constructor(sandbox) {
    this._sandbox = sandbox
  }

  /** Starts `bash -i -l` on a terminal of cols x rows. */
  async create(opts) {
    if (opts === null || typeof opts !== 'object') throw new TypeError('pty.create needs {cols, rows, onData}')
    checkKeys(opts, CREATE_OPTS, 'pty.create')
    const nativeOpts = {
      cols: dimension(opts.cols, 'cols'),
      rows: dimension(opts.rows, 'rows'),
      envs: v.stringMap(opts.envs, 'envs'),
      cwd: v.optionalText(opts.cwd, 'cwd'),
      user: v.user(opts.user),
      // E2B ends a terminal after 60 s unless told otherwise (0 = never).
      timeoutMs: v.durationMs(opts.timeoutMs, 'timeoutMs', 60_000),
    }
    const onPty = v.callback(opts.onData, 'onData')
    return startHandle({ onPty }, (dispatch) => native.createPty(this._sandbox, nativeOpts, dispatch))
  }

  async connect(pid, opts) {
    v.positiveInteger(pid, 'pid')
    const onPty = v.callback(v.options(opts).onData, 'onData')
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

const CREATE_OPTS = new Set(['cols', 'rows', 'onData', 'envs', 'cwd', 'user', 'timeoutMs'])

module.exports = { Pty }
