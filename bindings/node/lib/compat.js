'use strict'
// E2B's option vocabulary: what a local sandbox ignores, what names a feature SoulBox lacks
// (an UnsupportedError at once, never silence), and Sandbox.list()'s paginator. The Python
// binding makes the same decisions (bindings/python/src/soulbox/_compat.py).
const { InvalidArgumentError, SandboxError, UnsupportedError } = require('./errors')

const ALL_TRAFFIC = '0.0.0.0/0'

// Options of E2B's cloud connection that mean nothing for a local sandbox: accepted, ignored.
const IGNORED = new Set([
  'apiKey', 'accessToken', 'domain', 'debug', 'requestTimeoutMs', 'headers', 'logger',
  'secure', 'apiUrl', 'sandboxUrl', 'signal', 'validateApiKey',
])

function unsupported(feature) {
  return new UnsupportedError(`${feature} is not supported by SoulBox (local sandboxes)`)
}

// Every key of `opts` must be one of `known` (this call's own options) or an ignored E2B
// connection option; anything else is a mistake the caller should hear about.
function checkKeys(opts, known, fn) {
  for (const key of Object.keys(opts)) {
    if (known.has(key) || IGNORED.has(key)) continue
    throw new InvalidArgumentError(`${fn}: unknown option '${key}'`)
  }
  return opts
}

// Sandbox.create's cloud options: the ones naming missing features raise.
function checkCreateFeatures(opts) {
  if (opts.mcp !== undefined) throw unsupported('mcp (MCP gateway)')
  if (opts.volumeMounts !== undefined && Object.keys(opts.volumeMounts ?? {}).length)
    throw unsupported('volumeMounts (volumes)')
  if (opts.autoPause) throw unsupported('autoPause (pause/resume)')
  const onTimeout = opts.lifecycle?.onTimeout
  const action = typeof onTimeout === 'object' ? onTimeout?.action : onTimeout
  if ((action !== undefined && action !== 'kill') || opts.lifecycle?.autoResume)
    throw unsupported("lifecycle onTimeout 'pause' (pause/resume)")
  if (opts.allowInternetAccess === false) throw unsupported('allowInternetAccess: false (network egress rules)')
  if (opts.network !== undefined && opts.network !== null) throw unsupported('network (egress rules)')
  if (opts.iam !== undefined) throw unsupported('iam (workload identity)')
}

const CREATE_CLOUD = ['mcp', 'volumeMounts', 'autoPause', 'lifecycle', 'allowInternetAccess', 'network', 'iam']

function key(info) {
  return [info.startedAt.getTime(), info.sandboxId]
}

function less(a, b) {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1]
}

function parseToken(token) {
  const m = typeof token === 'string' ? /^(\d+)-(.+)$/.exec(token) : null
  if (!m) throw new InvalidArgumentError(`invalid nextToken ${JSON.stringify(token)}`)
  return [Number(m[1]), m[2]]
}

function matches(info, query) {
  if (!query) return true
  if (query.metadata && Object.entries(query.metadata).some(([k, v]) => info.metadata[k] !== v)) return false
  if (query.state && query.state.length && !query.state.includes(info.state)) return false
  return true
}

// E2B's SandboxPaginator: returned synchronously; each nextItems() lists again and gives the
// next page, newest sandbox first.
class SandboxPaginator {
  constructor(fetch, opts = {}) {
    checkKeys(opts, new Set(['query', 'limit', 'nextToken']), 'Sandbox.list')
    const { query, limit, nextToken } = opts
    if (query !== undefined && (typeof query !== 'object' || query === null || Array.isArray(query)))
      throw new TypeError('query must be an object')
    if (query) checkKeys(query, new Set(['metadata', 'state']), 'Sandbox.list query')
    if (query?.state !== undefined && !Array.isArray(query.state)) throw new TypeError('query.state must be an array')
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new InvalidArgumentError(`limit must be a positive integer, not ${limit}`)
    if (nextToken !== undefined) parseToken(nextToken)
    this._fetch = fetch
    this.query = query
    this.limit = limit
    this.nextToken = nextToken
    this._hasNext = true
  }

  get hasNext() {
    return this._hasNext
  }

  async nextItems(opts = {}) {
    checkKeys(opts, new Set(), 'nextItems')
    if (!this._hasNext) throw new SandboxError('No more items to fetch')
    let infos = (await this._fetch()).filter((i) => matches(i, this.query))
    infos.sort((a, b) => (less(key(a), key(b)) ? 1 : -1))
    if (this.nextToken) {
      const after = parseToken(this.nextToken)
      infos = infos.filter((i) => less(key(i), after))
    }
    if (this.limit !== undefined && infos.length > this.limit) {
      infos = infos.slice(0, this.limit)
      const last = key(infos[infos.length - 1])
      this.nextToken = `${last[0]}-${last[1]}`
    } else {
      this.nextToken = undefined
      this._hasNext = false
    }
    return infos
  }
}

module.exports = { ALL_TRAFFIC, IGNORED, CREATE_CLOUD, checkKeys, checkCreateFeatures, unsupported, SandboxPaginator }
