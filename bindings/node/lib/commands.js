'use strict'
// sandbox.commands and CommandHandle (E2B's shapes; durations in milliseconds).
const native = require('./native')
const v = require('./validate')
const { CommandExitError, NotFoundError, NotRunningError, SandboxError, TimeoutError } = require('./errors')

const SIGKILL = 9
const DEFAULT_TIMEOUT_MS = 60_000
const RUN_OPTIONS = ['onStdout', 'onStderr', 'background', 'cwd', 'envs', 'user', 'timeoutMs', 'stdin', 'tag']

// true when `fn` succeeded, false when the target no longer exists (E2B's kill() contract).
async function killed(fn) {
  try {
    await fn()
    return true
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof NotRunningError) return false
    throw error
  }
}

/**
 * A running command or terminal. Output is accumulated in `stdout`/`stderr` and streamed to
 * the callbacks; `wait()` resolves with the result once the process ended and all output was
 * delivered. The native side waits on its own thread and holds Node open until the process
 * ends (its timeoutMs, kill() or disconnect() end it earlier).
 */
class CommandHandle {
  constructor(callbacks) {
    this._callbacks = callbacks // {onStdout, onStderr, onPty}
    this._native = undefined
    this._stdout = ''
    this._stderr = ''
    this._decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() }
    this._disconnected = false
    this._callbackError = undefined
    // Settles with {result} or {error}; never rejects, so an unobserved background command
    // cannot cause an unhandled rejection.
    this._outcome = new Promise((resolve) => {
      this._settle = resolve
    })
    this.exitCode = undefined
    this.error = undefined
  }

  /** @internal: the JS end of the native channel; output may arrive before _attach. */
  _dispatch(kind, payload) {
    switch (kind) {
      case 'stdout':
      case 'stderr': {
        const text = this._decoders[kind].decode(payload, { stream: true })
        if (kind === 'stdout') this._stdout += text
        else this._stderr += text
        const cb = kind === 'stdout' ? this._callbacks.onStdout : this._callbacks.onStderr
        if (text) this._call(cb, text)
        break
      }
      case 'data':
        this._call(this._callbacks.onPty, new Uint8Array(payload.buffer, payload.byteOffset, payload.length))
        break
      case 'exit':
        this.exitCode = payload.exitCode
        this.error = payload.error || undefined
        this._settle({ result: payload })
        break
      case 'error':
        this._settle({ error: payload })
        break
    }
  }

  _call(cb, arg) {
    if (!cb || this._disconnected) return
    try {
      const ret = cb(arg)
      if (ret && typeof ret.catch === 'function') ret.catch((e) => this._callbackError ??= e)
    } catch (error) {
      this._callbackError ??= error
    }
  }

  /** @internal */
  _attach(nativeProcess) {
    this._native = nativeProcess
    this.pid = nativeProcess.pid
    return this
  }

  get stdout() {
    return this._stdout
  }

  get stderr() {
    return this._stderr
  }

  /** Waits for the end; throws CommandExitError on a non-zero exit, TimeoutError on timeout. */
  async wait() {
    const { result: r, error } = await this._outcome
    if (error) {
      if (this._sandboxKilled?.() && !(error instanceof TimeoutError)) {
        throw new TimeoutError(`command did not finish: the sandbox was killed or reached its end of life (${error.message})`, { cause: error })
      }
      if (this._disconnected) throw new SandboxError(`command handle is disconnected: ${error.message}`)
      throw error
    }
    if (this._callbackError) throw this._callbackError
    const result = {
      exitCode: r.exitCode,
      stdout: r.stdout,
      stderr: r.stderr,
      error: r.error || undefined,
      // SoulBox extras from the core
      signal: r.signal,
      oomKilled: Boolean(r.oomKilled),
      timedOut: Boolean(r.timedOut),
      stdoutTruncated: Boolean(r.stdoutTruncated),
      stderrTruncated: Boolean(r.stderrTruncated),
    }
    if (r.timedOut === false && r.exitCode !== 0 && this._sandboxKilled?.()) {
      const e = new TimeoutError('command did not finish: the sandbox was killed or reached its end of life')
      Object.assign(e, result)
      throw e
    }
    if (r.timedOut) {
      const timeout = new TimeoutError(r.error || 'command timed out')
      Object.assign(timeout, result)
      throw timeout
    }
    if (r.exitCode !== 0) throw new CommandExitError(result)
    return result
  }

  /** SIGKILL; false when the process was already gone. */
  async kill() {
    return killed(() => this._native.kill(SIGKILL))
  }

  async sendStdin(data) {
    await this._native.sendStdin(v.bytes(data))
  }

  async closeStdin() {
    await this._native.closeStdin()
  }

  /** Stops output and wait(); the process keeps running (commands.connect(pid) reattaches). */
  async disconnect() {
    this._disconnected = true
    await this._native.disconnect()
  }
}

// Creates the handle, then the native process whose messages it receives.
async function startHandle(callbacks, start) {
  const handle = new CommandHandle(callbacks)
  const nativeProcess = await start((kind, payload) => handle._dispatch(kind, payload))
  return handle._attach(nativeProcess)
}

// E2B: a relative cwd is relative to the user's home directory.
function relativeToHome(cwd, user) {
  if (cwd === undefined || cwd.startsWith('/')) return cwd
  const home = (user ?? 'user') === 'root' ? '/root' : `/home/${user ?? 'user'}`
  return cwd === '' || cwd === '.' ? home : `${home}/${cwd}`
}

class Commands {
  constructor(sandbox, isKilled) {
    this._sandbox = sandbox
    this._isKilled = isKilled ?? (() => false)
    this._handles = new Map() // pid -> WeakRef(handle started here), for closeStdin(pid)
  }

  /**
   * Runs `cmd` with `bash -l -c`. Resolves with {exitCode, stdout, stderr, error}, or with a
   * CommandHandle when `background: true`.
   */
  async run(cmd, opts) {
    v.text(cmd, 'cmd')
    opts = v.checkOptions(opts, 'commands.run options', RUN_OPTIONS)
    if (opts.background !== undefined && typeof opts.background !== 'boolean') throw new TypeError('background must be a boolean')
    if (opts.stdin !== undefined && typeof opts.stdin !== 'boolean') throw new TypeError('stdin must be a boolean')
    const callbacks = {
      onStdout: v.callback(opts.onStdout, 'onStdout'),
      onStderr: v.callback(opts.onStderr, 'onStderr'),
    }
    const nativeOpts = {
      envs: v.stringMap(opts.envs, 'envs'),
      cwd: relativeToHome(v.optionalText(opts.cwd, 'cwd'), v.user(opts.user)),
      user: v.user(opts.user),
      tag: v.optionalText(opts.tag, 'tag'),
      timeoutMs: v.durationMs(opts.timeoutMs, 'timeoutMs', DEFAULT_TIMEOUT_MS),
      stdin: Boolean(opts.stdin),
    }
    const handle = await startHandle(callbacks, (dispatch) =>
      native.startCommand(this._sandbox, cmd, nativeOpts, dispatch),
    )
    handle._sandboxKilled = this._isKilled
    if (handle.pid !== undefined) {
      const pid = handle.pid
      this._handles.set(pid, new WeakRef(handle))
      handle._outcome.then(() => this._handles.delete(pid))
    }
    return opts.background ? handle : handle.wait()
  }

  /** Attaches to a running command: output from now on. */
  async connect(pid, opts) {
    v.positiveInteger(pid, 'pid')
    opts = v.checkOptions(opts, 'commands.connect options', ['onStdout', 'onStderr', 'timeoutMs'])
    const callbacks = {
      onStdout: v.callback(opts.onStdout, 'onStdout'),
      onStderr: v.callback(opts.onStderr, 'onStderr'),
    }
    const handle = await startHandle(callbacks, (dispatch) => native.connectCommand(this._sandbox, pid, dispatch))
    handle._sandboxKilled = this._isKilled
    return handle
  }

  /** Processes started through the API: [{pid, tag, cmd, args, envs, cwd}]. */
  async list() {
    const list = await native.listCommands(this._sandbox)
    return list.map((p) => ({ ...p, tag: p.tag || undefined, cwd: p.cwd || undefined }))
  }

  /** SIGKILL; false when no such process runs. */
  async kill(pid) {
    v.positiveInteger(pid, 'pid')
    return killed(() => native.killCommand(this._sandbox, pid, SIGKILL))
  }

  async sendStdin(pid, data, opts) {
    v.positiveInteger(pid, 'pid')
    v.checkOptions(opts, 'commands.sendStdin options', [])
    await native.sendCommandStdin(this._sandbox, pid, v.bytes(data))
  }

  /** Closes the command's stdin (EOF), as E2B's commands.closeStdin(pid). */
  async closeStdin(pid, opts) {
    v.positiveInteger(pid, 'pid')
    v.checkOptions(opts, 'commands.closeStdin options', [])
    const own = this._handles.get(pid)?.deref()
    if (own) return own.closeStdin()
    const handle = await this.connect(pid)
    try {
      await handle.closeStdin()
    } finally {
      await handle.disconnect().catch(() => {})
    }
  }
}

module.exports = { Commands, CommandHandle, startHandle, killed }
