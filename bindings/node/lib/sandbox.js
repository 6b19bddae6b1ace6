'use strict'
// Sandbox: E2B's lifecycle API over a NativeSandbox (durations in milliseconds).
const native = require('./native')
const v = require('./validate')
const { Commands } = require('./commands')
const { Filesystem } = require('./filesystem')
const { Pty } = require('./pty')
const { NotFoundError, NotRunningError } = require('./errors')
const compat = require('./compat')
const { version } = native

const DEFAULT_TIMEOUT_MS = 300_000
const MiB = 1024 * 1024
const CONSTRUCT = Symbol('construct')
// SandboxInfo.envdVersion: the in-sandbox agent is this library's own.
const ENVD_VERSION = `soulbox-${version()}`
const CREATE_OPTS = new Set([
  'template', 'timeoutMs', 'metadata', 'envs', 'hostname', 'memoryMB', 'diskMB', 'pids', 'cpus',
  ...compat.CREATE_CLOUD,
])
const CONNECT_OPTS = new Set(['timeoutMs'])

// MiB option -> bytes for the C API (undefined = library default, 0 = unlimited).
function mib(value, what) {
  return value === undefined || value === null ? undefined : Math.round(v.nonNegative(value, what) * MiB)
}

function limitCount(value, what) {
  if (value === undefined || value === null) return undefined
  if (!Number.isInteger(v.nonNegative(value, what))) throw new RangeError(`${what} must be an integer`)
  return value
}

function sandboxInfo(i) {
  return {
    sandboxId: i.sandboxId,
    templateId: i.templateId,
    metadata: i.metadata,
    startedAt: new Date(i.startedAtMs),
    endAt: i.endAtMs ? new Date(i.endAtMs) : null,
    state: i.state,
    name: i.templateId,
    cpuCount: Math.max(1, Math.ceil(i.cpus || 1)),
    memoryMB: i.memoryBytes / MiB,
    envdVersion: ENVD_VERSION,
    // SoulBox extras
    limits: { memoryMB: i.memoryBytes / MiB, cpus: i.cpus, pids: i.pids, diskMB: i.diskBytes / MiB },
    cgroup: i.cgroup,
    rootless: i.rootless,
    limitsNote: i.limitsNote,
    foreignReason: i.foreignReason,
    agentProtocolVersion: i.agentProtocolVersion,
  }
}

class Sandbox {
  /** @internal: use Sandbox.create() or Sandbox.connect(). */
  constructor(token, nativeSandbox) {
    if (token !== CONSTRUCT) throw new TypeError('use Sandbox.create() or Sandbox.connect()')
    this._native = nativeSandbox
    this.sandboxId = nativeSandbox.id
    this.commands = new Commands(nativeSandbox)
    this.files = new Filesystem(nativeSandbox)
    this.pty = new Pty(nativeSandbox)
    this.git = new (require('./git').Git)(this.commands)
  }

  /** Sandbox.create(opts) or Sandbox.create(template, opts), as E2B. */
  static async create(templateOrOpts, maybeOpts) {
    const opts = typeof templateOrOpts === 'string' ? { ...v.options(maybeOpts), template: templateOrOpts } : v.options(templateOrOpts)
    compat.checkKeys(opts, CREATE_OPTS, 'Sandbox.create')
    compat.checkCreateFeatures(opts)
    const timeoutMs = v.durationMs(opts.timeoutMs, 'timeoutMs', DEFAULT_TIMEOUT_MS)
    const nativeSandbox = await native.NativeSandbox.create({
      template: v.optionalText(opts.template, 'template'),
      hostname: v.optionalText(opts.hostname, 'hostname'),
      timeoutSeconds: v.msToSeconds(timeoutMs),
      envs: v.stringMap(opts.envs, 'envs'),
      metadata: v.stringMap(opts.metadata, 'metadata'),
      memoryBytes: mib(opts.memoryMB, 'memoryMB'),
      diskBytes: mib(opts.diskMB, 'diskMB'),
      pids: limitCount(opts.pids, 'pids'),
      cpus: opts.cpus === undefined || opts.cpus === null ? undefined : v.nonNegative(opts.cpus, 'cpus'),
    })
    return new Sandbox(CONSTRUCT, nativeSandbox)
  }

  /** Reaches a running sandbox by id (from any process of this host user); `timeoutMs`, as
   * E2B, sets its remaining lifetime. */
  static async connect(sandboxId, opts) {
    v.text(sandboxId, 'sandboxId')
    opts = compat.checkKeys(v.options(opts), CONNECT_OPTS, 'Sandbox.connect')
    const sandbox = new Sandbox(CONSTRUCT, await native.NativeSandbox.connect(sandboxId))
    if (opts.timeoutMs !== undefined) await sandbox.setTimeout(opts.timeoutMs)
    return sandbox
  }

  /** E2B's instance form: the same sandbox, its lifetime reset when `timeoutMs` is given. */
  async connect(opts) {
    opts = compat.checkKeys(v.options(opts), CONNECT_OPTS, 'connect')
    if (!(await this.isRunning())) throw new NotRunningError(`sandbox ${this.sandboxId} is not running`)
    if (opts.timeoutMs !== undefined) await this.setTimeout(opts.timeoutMs)
    return this
  }

  /** The sandboxes of this host user as E2B's paginator (returned at once, as E2B):
   * `while (p.hasNext) await p.nextItems()`; `query: {metadata, state}`, `limit`, `nextToken`. */
  static list(opts) {
    return new compat.SandboxPaginator(async () => (await native.NativeSandbox.list()).map(sandboxInfo), v.options(opts))
  }

  /** Ends the sandbox `sandboxId`; false when it was not running or not found. */
  static async kill(sandboxId) {
    v.text(sandboxId, 'sandboxId')
    try {
      const sandbox = await Sandbox.connect(sandboxId)
      return await sandbox.kill()
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof NotRunningError) return false
      throw error
    }
  }

  static async setTimeout(sandboxId, timeoutMs) {
    await (await Sandbox.connect(sandboxId)).setTimeout(timeoutMs)
  }

  static async getInfo(sandboxId) {
    return (await Sandbox.connect(sandboxId)).getInfo()
  }

  /** Ends the sandbox and everything in it; false when it had already ended. */
  async kill() {
    try {
      await this._native.kill()
      return true
    } catch (error) {
      if (error instanceof NotRunningError || error instanceof NotFoundError) return false
      throw error
    }
  }

  /** New lifetime from now (rounded up to whole seconds; 0 = no timeout). */
  async setTimeout(timeoutMs) {
    const ms = v.durationMs(timeoutMs, 'timeoutMs')
    if (ms === undefined) throw new TypeError('timeoutMs must be a number')
    await this._native.setTimeout(v.msToSeconds(ms))
  }

  async isRunning() {
    return this._native.isRunning()
  }

  async getInfo() {
    return sandboxInfo(await this._native.getInfo())
  }
}

module.exports = { Sandbox }
