'use strict'
// sandbox.files (E2B's Filesystem): read/write/list/exists/getInfo/remove/rename/makeDir/watchDir.
const native = require('./native')
const v = require('./validate')
const { FileNotFoundError, InvalidArgumentError } = require('./errors')

const FileType = Object.freeze({ FILE: 'file', DIR: 'dir', SYMLINK: 'symlink' })
const FilesystemEventType = Object.freeze({
  CHMOD: 'chmod',
  CREATE: 'create',
  REMOVE: 'remove',
  RENAME: 'rename',
  WRITE: 'write',
})
const DEFAULT_WATCH_TIMEOUT_MS = 60_000

function entryInfo(e) {
  return { ...e, symlinkTarget: e.symlinkTarget ?? undefined }
}

function writeInfo(e) {
  return { name: e.name, type: e.type, path: e.path }
}

// The bytes of any data E2B's write accepts. Blobs and streams are read into memory first.
async function contentOf(data) {
  if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return v.bytes(data)
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer())
  if (data && typeof data[Symbol.asyncIterator] === 'function') {
    // Web ReadableStream (Node >= 18) and Node Readable are both async iterables.
    const chunks = []
    for await (const chunk of data) chunks.push(v.bytes(chunk, 'stream chunk'))
    return Buffer.concat(chunks)
  }
  throw new TypeError('data must be a string, ArrayBuffer, Uint8Array, Blob or stream')
}

// A web ReadableStream fed by the native read thread, which holds back while the stream's
// queue is full (backpressure), so the whole file is never buffered.
function readStream(sandbox, path, user) {
  let nativeStream
  let cancelled = false // chunks and the end may still arrive after cancel(): drop them
  return new ReadableStream(
    {
      start(controller) {
        nativeStream = native.readStream(sandbox, path, user, (kind, payload) => {
          if (cancelled) return
          if (kind === 'chunk') {
            controller.enqueue(new Uint8Array(payload.buffer, payload.byteOffset, payload.length))
            if (controller.desiredSize <= 0) nativeStream.pause()
          } else if (kind === 'end') {
            controller.close()
          } else {
            controller.error(payload)
          }
        })
      },
      pull() {
        nativeStream.resume()
      },
      cancel() {
        cancelled = true
        nativeStream.cancel()
      },
    },
    { highWaterMark: 4 },
  )
}

/** Stops a directory watch; events stop before stop() resolves. */
class WatchHandle {
  constructor(nativeWatch, timeoutMs, onExit) {
    this._native = nativeWatch
    this._onExit = onExit
    this._stopped = false
    // As E2B, a watch ends after timeoutMs (0 = never): a forgotten watch cannot keep Node
    // alive forever. The timer itself does not keep Node alive.
    if (timeoutMs > 0) {
      this._timer = setTimeout(() => this.stop(), timeoutMs)
      this._timer.unref()
    }
  }

  async stop() {
    if (this._stopped) return
    this._stopped = true
    clearTimeout(this._timer)
    try {
      await this._native.stop()
    } finally {
      if (this._onExit) this._onExit()
    }
  }
}

class Filesystem {
  constructor(sandbox) {
    this._sandbox = sandbox
  }

  /** format: 'text' (default), 'bytes' (Uint8Array), 'blob' or 'stream' (ReadableStream). */
  async read(path, opts) {
    v.text(path, 'path')
    opts = v.checkOptions(opts, 'files.read options', ['user', 'format'])
    const user = v.user(opts.user)
    const format = opts.format ?? 'text'
    if (format === 'stream') return readStream(this._sandbox, path, user)
    if (!['text', 'bytes', 'blob'].includes(format)) throw new TypeError("format must be 'text', 'bytes', 'blob' or 'stream'")
    const buffer = await native.readFile(this._sandbox, path, user)
    if (format === 'text') return buffer.toString('utf8')
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)
    return format === 'bytes' ? bytes : new Blob([bytes])
  }

  /**
   * write(path, data) -> {name, type, path}; write([{path, data}, ...]) -> [{...}].
   * Files are replaced atomically and missing parent directories are created.
   */
  async write(pathOrFiles, dataOrOpts, maybeOpts) {
    if (Array.isArray(pathOrFiles)) {
      const user = v.user(v.checkOptions(dataOrOpts, 'files.write options', ['user']).user)
      const pairs = []
      for (const file of pathOrFiles) {
        if (!file || typeof file !== 'object') throw new TypeError('write([...]) needs {path, data} objects')
        pairs.push([v.text(file.path, 'path'), await contentOf(file.data)])
      }
      if (pairs.length === 0) return []
      return (await native.writeFiles(this._sandbox, pairs, user)).map(writeInfo)
    }
    v.text(pathOrFiles, 'path')
    const user = v.user(v.checkOptions(maybeOpts, 'files.write options', ['user']).user)
    const content = await contentOf(dataOrOpts)
    return writeInfo(await native.writeFile(this._sandbox, pathOrFiles, content, user))
  }

  async writeFiles(files, opts) {
    if (!Array.isArray(files)) throw new TypeError('files must be an array')
    return this.write(files, opts)
  }

  /** Entries below `path`, `depth` levels deep (default 1). */
  async list(path, opts) {
    v.text(path, 'path')
    opts = v.checkOptions(opts, 'files.list options', ['user', 'depth'])
    const depth = opts.depth ?? 1
    if (typeof depth !== 'number') throw new TypeError('depth must be a number')
    if (!Number.isInteger(depth) || depth < 1) throw new InvalidArgumentError('depth should be at least one')
    return (await native.listDir(this._sandbox, path, depth, v.user(opts.user))).map(entryInfo)
  }

  async exists(path, opts) {
    v.text(path, 'path')
    return native.exists(this._sandbox, path, v.user(v.checkOptions(opts, 'files.exists options', ['user']).user))
  }

  /** EntryInfo; does not follow a final symlink. */
  async getInfo(path, opts) {
    v.text(path, 'path')
    return entryInfo(await native.stat(this._sandbox, path, v.user(v.checkOptions(opts, 'files.getInfo options', ['user']).user)))
  }

  async remove(path, opts) {
    v.text(path, 'path')
    const user = v.user(v.checkOptions(opts, 'files.remove options', ['user']).user)
    try {
      await native.remove(this._sandbox, path, user)
    } catch (error) {
      // As E2B: removing a missing path is a no-op.
      if (error instanceof FileNotFoundError) return
      throw error
    }
  }

  async rename(oldPath, newPath, opts) {
    v.text(oldPath, 'oldPath')
    v.text(newPath, 'newPath')
    return entryInfo(await native.rename(this._sandbox, oldPath, newPath, v.user(v.checkOptions(opts, 'files.rename options', ['user']).user)))
  }

  /** true when created, false when it already existed. Parents are created. */
  async makeDir(path, opts) {
    v.text(path, 'path')
    return native.makeDir(this._sandbox, path, v.user(v.checkOptions(opts, 'files.makeDir options', ['user']).user))
  }

  /**
   * Calls onEvent({name, type}) for changes below `path` until stop() or timeoutMs
   * (default 60 s, 0 = until stop()).
   */
  async watchDir(path, onEvent, opts) {
    v.text(path, 'path')
    if (typeof onEvent !== 'function') throw new TypeError('onEvent must be a function')
    opts = v.checkOptions(opts, 'files.watchDir options', ['user', 'recursive', 'timeoutMs', 'onExit', 'includeEntry'])
    const timeoutMs = v.durationMs(opts.timeoutMs, 'timeoutMs', DEFAULT_WATCH_TIMEOUT_MS)
    const onExit = v.callback(opts.onExit, 'onExit')
    const includeEntry = Boolean(opts.includeEntry)
    const base = path.endsWith('/') ? path : `${path}/`
    const deliver = (event) => {
      try {
        const ret = onEvent(event)
        if (ret && typeof ret.catch === 'function') ret.catch(() => {})
      } catch {
        // A throwing onEvent must not tear down the watch (E2B routes it to onExit).
      }
    }
    // includeEntry: the core reports names only, so the entry is read with getInfo after the
    // event (best effort: undefined when the path is already gone, e.g. for 'remove').
    let chain = Promise.resolve()
    const dispatch = (type, name) => {
      if (includeEntry) {
        chain = chain.then(async () => {
          let entry
          try {
            entry = type === 'remove' ? undefined : await this.getInfo(base + name, { user: opts.user })
          } catch {
            entry = undefined
          }
          deliver({ name, type, entry })
        })
        return
      }
      try {
        const ret = onEvent({ name, type })
        if (ret && typeof ret.catch === 'function') ret.catch(() => {})
      } catch {
        // A throwing onEvent must not tear down the watch (E2B routes it to onExit).
      }
    }
    const nativeWatch = await native.watchDir(this._sandbox, path, Boolean(opts.recursive), v.user(opts.user), dispatch)
    return new WatchHandle(nativeWatch, timeoutMs, onExit)
  }
}

module.exports = { Filesystem, FileType, FilesystemEventType, WatchHandle }
