'use strict'
// Sandbox: E2B's lifecycle API over a NativeSandbox (durations in milliseconds).
const native = require('./native')
const v = require('./validate')
const { Commands } = require('./commands')
const { Filesystem } = require('./filesystem')
const { Pty } = require('./pty')
const os = require('node:os')
const { InvalidArgumentError, NotFoundError, NotRunningError, SandboxError } = require('./errors')

// Sandbox.create's options: E2B's SandboxOpts (keys meaningless locally are accepted and ignored,
// see validate.js) plus SoulBox's limits.
const CREATE_OPTIONS = ['template', 'timeoutMs', 'metadata', 'envs', 'hostname', 'memoryMB', 'diskMB', 'pids', 'cpus']
const CONNECT_OPTIONS = ['timeoutMs']
const LIST_OPTIONS = ['query', 'limit', 'nextToken']
const LIST_QUERY = ['metadata', 'state']
const STATES = ['running', 'paused']
// E2B's default template name: the library's default template here.
const DEFAULT_TEMPLATE_ALIASES = ['base']

const DEFAULT_TIMEOUT_MS = 300_000
const MiB = 1024 * 1024
const CONSTRUCT = Symbol('construct')

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
    name: i.templateId || undefined,
    cpuCount: i.cpus > 0 ? i.cpus : os.availableParallelism?.() ?? os.cpus().length,
    memoryMB: i.memoryBytes > 0 ? i.memoryBytes / MiB : Math.floor(os.totalmem() / MiB),
    envdVersion: String(i.agentProtocolVersion ?? ''),
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
    this._killed = false
    this.commands = new Commands(nativeSandbox, () => this._killed)
    this.files = new Filesystem(nativeSandbox)
    this.pty = new Pty(nativeSandbox)
    this.git = new (require('./git').Git)(this.commands)
  }

  /** Sandbox.create(opts) or Sandbox.create(template, opts), as E2B. */
  static async create(templateOrOpts, maybeOpts) {
    if (templateOrOpts !== undefined && templateOrOpts !== null && typeof templateOrOpts !== 'string' && typeof templateOrOpts !== 'object') {
      throw new TypeError('Sandbox.create(template?: string, opts?: object)')
    }
    const opts =
      typeof templateOrOpts === 'string'
        ? { ...v.checkOptions(maybeOpts, 'Sandbox.create options', CREATE_OPTIONS), template: templateOrOpts }
        : v.checkOptions(templateOrOpts, 'Sandbox.create options', CREATE_OPTIONS)
    if (DEFAULT_TEMPLATE_ALIASES.includes(opts.template)) delete opts.template
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

  /** Reaches a running sandbox by id (from any process of this host user). */
  static async connect(sandboxId, opts) {
    v.text(sandboxId, 'sandboxId')
    opts = v.checkOptions(opts, 'Sandbox.connect options', CONNECT_OPTIONS)
    const timeoutMs = v.durationMs(opts.timeoutMs, 'timeoutMs')
    const sandbox = new Sandbox(CONSTRUCT, await native.NativeSandbox.connect(sandboxId))
    if (timeoutMs !== undefined) await sandbox.setTimeout(timeoutMs)
    return sandbox
  }

  /** E2B's instance connect(): checks the sandbox still runs; timeoutMs sets a new lifetime. */
  async connect(opts) {
    opts = v.checkOptions(opts, 'connect options', CONNECT_OPTIONS)
    const timeoutMs = v.durationMs(opts.timeoutMs, 'timeoutMs')
    if (!(await this.isRunning())) throw new NotRunningError(`sandbox ${this.sandboxId} is not running`)
    if (timeoutMs !== undefined) await this.setTimeout(timeoutMs)
    return this
  }

  /**
   * E2B's Sandbox.list(): a SandboxPaginator (returned synchronously) over this host user's
   * sandboxes, filtered by query.metadata and query.state.
   */
  static list(opts) {
    return new SandboxPaginator(opts)
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
  async kill(opts) {
    v.checkOptions(opts, 'kill options', [])
    this._killed = true
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

class SandboxPaginator {
  constructor(opts) {
    opts = v.checkOptions(opts, 'Sandbox.list options', LIST_OPTIONS)
    const query = v.checkOptions(opts.query, 'Sandbox.list query', LIST_QUERY)
    this._metadata = v.stringMap(query.metadata, 'query.metadata')
    if (query.state !== undefined) {
      if (!Array.isArray(query.state)) throw new TypeError('query.state must be an array of states')
      for (const st of query.state) {
        if (!STATES.includes(st)) throw new InvalidArgumentError(`query.state: unknown state '${st}' (expected 'running' or 'paused')`)
      }
    }
    this._states = query.state
    if (opts.limit !== undefined) {
      v.positiveInteger(opts.limit, 'limit')
    }
    this._limit = opts.limit
    if (opts.nextToken !== undefined) {
      v.text(opts.nextToken, 'nextToken')
      if (!/^[0-9]+$/.test(opts.nextToken)) throw new InvalidArgumentError(`nextToken '${opts.nextToken}' is not a token from this paginator`)
    }
    this._offset = opts.nextToken === undefined ? 0 : Number(opts.nextToken)
    this.hasNext = true
    this.nextToken = opts.nextToken
  }

  /** The next page; throws when hasNext is false (as E2B). */
  async nextItems(opts) {
    v.checkOptions(opts, 'nextItems options', [])
    if (!this.hasNext) throw new SandboxError('No more items to fetch')
    let all = (await native.NativeSandbox.list()).map(sandboxInfo)
    all.sort((a, b) => a.startedAt - b.startedAt || (a.sandboxId < b.sandboxId ? -1 : 1))
    if (this._metadata) {
      all = all.filter((i) => Object.entries(this._metadata).every(([k, val]) => i.metadata?.[k] === val))
    }
    if (this._states) all = all.filter((i) => this._states.includes(i.state))
    const end = this._limit === undefined ? all.length : this._offset + this._limit
    const page = all.slice(this._offset, end)
    if (end < all.length) {
      this._offset = end
      this.nextToken = String(end)
      this.hasNext = true
    } else {
      this.nextToken = undefined
      this.hasNext = false
    }
    return page
  }
}

module.exports = { Sandbox, SandboxPaginator }
