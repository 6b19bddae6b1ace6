'use strict'
// Argument checks: input the C API cannot take (wrong type, NUL characters, a number out of the C
// type's range) is a TypeError or RangeError naming the argument, before any C call. What values
// mean (user names, terminal sizes, env names) is the library's to check: its InvalidArgumentError
// comes through the one error mapping (errors.js).

function options(value, what = 'options') {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${what} must be an object`)
  return value
}

function text(value, what) {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string`)
  if (value.includes('\0')) throw new TypeError(`${what} must not contain NUL characters`)
  return value
}

function optionalText(value, what) {
  return value === undefined || value === null ? undefined : text(value, what)
}

function nonNegative(value, what) {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${what} must be a number`)
  if (value < 0 || !Number.isFinite(value)) throw new RangeError(`${what} must be a finite number >= 0`)
  return value
}

// A duration in milliseconds; `fallback` when undefined.
function durationMs(value, what, fallback) {
  if (value === undefined) return fallback
  return Math.ceil(nonNegative(value, what))
}

// Milliseconds to the whole seconds the C API takes (rounded up, so 1 ms is not "no timeout").
function msToSeconds(ms) {
  return Math.ceil(ms / 1000)
}

function positiveInteger(value, what) {
  if (typeof value !== 'number') throw new TypeError(`${what} must be a number`)
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be an integer >= 1`)
  return value
}

function stringMap(value, what) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${what} must be an object`)
  for (const [k, v] of Object.entries(value)) {
    text(k, `${what} key`)
    text(v, `${what}.${k}`)
  }
  return value
}

// The user to run as: text; which users exist is the library's check.
function user(value) {
  return optionalText(value, 'user')
}

function callback(value, what) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'function') throw new TypeError(`${what} must be a function`)
  return value
}

// Bytes to send to the sandbox: text is UTF-8.
function bytes(data, what = 'data') {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return data
  throw new TypeError(`${what} must be a string, Uint8Array or ArrayBuffer`)
}

// E2B option keys that mean nothing for a local sandbox: accepted and ignored (README).
const IGNORED = ['apiKey', 'accessToken', 'domain', 'debug', 'requestTimeoutMs', 'headers', 'logger', 'signal',
  // transport options of E2B's file and stream calls: there is no transport
  'gzip', 'useOctetStream', 'streamIdleTimeoutMs']
// E2B option keys naming a feature SoulBox does not have: a clear error naming it.
const MISSING = {
  autoPause: 'auto-pause (sandbox pause/resume)',
  lifecycle: 'sandbox lifecycle / auto-pause',
  network: 'network egress rules',
  allowInternetAccess: 'internet access control',
  mcp: 'MCP gateway',
  volumes: 'volumes',
  secure: 'secure (traffic access token) sandboxes',
  metadata: 'file metadata (xattrs)', // only where a call does not list metadata as its own option
}

// Checks an options object's keys: `known` are used, IGNORED are accepted, MISSING and unknown
// keys throw InvalidArgumentError / UnsupportedError naming the key.
function checkOptions(value, what, known, extraMissing = {}) {
  const opts = options(value, what)
  const { InvalidArgumentError, UnsupportedError } = require('./errors')
  for (const key of Object.keys(opts)) {
    if (known.includes(key) || IGNORED.includes(key)) continue
    const feature = extraMissing[key] ?? MISSING[key]
    if (feature !== undefined) {
      // secure:false / allowInternetAccess:true are the local behaviour: fine.
      if ((key === 'secure' && opts[key] === false) || (key === 'allowInternetAccess' && opts[key] === true)) continue
      if (opts[key] === undefined) continue
      throw new UnsupportedError(`${what}.${key}: ${feature} is not supported by SoulBox`)
    }
    throw new InvalidArgumentError(`${what}: unknown option '${key}'`)
  }
  return opts
}

module.exports = {
  checkOptions,
  options,
  text,
  optionalText,
  nonNegative,
  durationMs,
  msToSeconds,
  positiveInteger,
  stringMap,
  callback,
  user,
  bytes,
}
