import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import soulbox, { until } from './helpers.mjs'

const { Sandbox, FileType, FilesystemEventType, FileNotFoundError, NotFoundError, InvalidArgumentError, SandboxError } = soulbox
let sbx
before(async () => {
  sbx = await Sandbox.create({ timeoutMs: 120_000 })
})
after(async () => {
  await sbx?.kill()
})

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

test('write string / bytes / ArrayBuffer / Blob / stream; read text, bytes, blob', async () => {
  const info = await sbx.files.write('/home/user/t/a.txt', 'héllo')
  assert.deepEqual(info, { name: 'a.txt', type: FileType.FILE, path: '/home/user/t/a.txt' })
  assert.equal(await sbx.files.read('t/a.txt'), 'héllo')
  const bytes = await sbx.files.read('t/a.txt', { format: 'bytes' })
  assert.ok(bytes instanceof Uint8Array)
  assert.deepEqual(Buffer.from(bytes), Buffer.from('héllo'))
  const blob = await sbx.files.read('t/a.txt', { format: 'blob' })
  assert.equal(await blob.text(), 'héllo')

  await sbx.files.write('t/b.bin', new Uint8Array([0, 1, 2, 255]))
  assert.deepEqual([...(await sbx.files.read('t/b.bin', { format: 'bytes' }))], [0, 1, 2, 255])
  await sbx.files.write('t/c.bin', new Uint8Array([9, 8]).buffer)
  assert.deepEqual([...(await sbx.files.read('t/c.bin', { format: 'bytes' }))], [9, 8])
  await sbx.files.write('t/d.txt', new Blob(['bl', 'ob']))
  assert.equal(await sbx.files.read('t/d.txt'), 'blob')
  await sbx.files.write('t/e.txt', Readable.from([Buffer.from('str'), Buffer.from('eam')]))
  assert.equal(await sbx.files.read('t/e.txt'), 'stream')
  await sbx.files.write('t/empty', '')
  assert.equal(await sbx.files.read('t/empty'), '')
  assert.equal((await sbx.files.read('t/empty', { format: 'bytes' })).length, 0)
})

test('20 MiB write and read back, hash-verified (whole and streamed)', async () => {
  const data = randomBytes(20 * 1024 * 1024)
  const info = await sbx.files.write('big.bin', data)
  assert.equal(info.path, '/home/user/big.bin')
  assert.equal((await sbx.files.getInfo('big.bin')).size, data.length)
  const back = await sbx.files.read('big.bin', { format: 'bytes' })
  assert.equal(sha256(back), sha256(data))
  assert.equal((await sbx.commands.run('sha256sum big.bin')).stdout.split(' ')[0], sha256(data))

  const stream = await sbx.files.read('big.bin', { format: 'stream' })
  assert.ok(stream instanceof ReadableStream)
  const hash = createHash('sha256')
  let chunks = 0
  for await (const chunk of stream) {
    assert.ok(chunk instanceof Uint8Array)
    hash.update(chunk)
    chunks++
  }
  assert.equal(hash.digest('hex'), sha256(data))
  assert.ok(chunks > 1, `streamed in ${chunks} chunks`)
})

test('a cancelled stream stops early; a missing file errors the stream', async () => {
  const stream = await sbx.files.read('big.bin', { format: 'stream' })
  const reader = stream.getReader()
  const first = await reader.read()
  assert.ok(first.value.length > 0)
  await reader.cancel()
  const missing = await sbx.files.read('nope.bin', { format: 'stream' })
  await assert.rejects(missing.getReader().read(), FileNotFoundError)
})

test('write([{path, data}]) array form and writeFiles', async () => {
  const infos = await sbx.files.write([
    { path: 'multi/one.txt', data: '1' },
    { path: 'multi/two.txt', data: new Uint8Array([50]) },
  ])
  assert.deepEqual(
    infos.map((i) => i.path),
    ['/home/user/multi/one.txt', '/home/user/multi/two.txt'],
  )
  assert.equal(await sbx.files.read('multi/two.txt'), '2')
  assert.deepEqual(await sbx.files.writeFiles([]), [])
})

test('list with depth, getInfo fields, exists, makeDir, rename, remove', async () => {
  assert.equal(await sbx.files.makeDir('tree/sub/deeper'), true)
  assert.equal(await sbx.files.makeDir('tree/sub'), false)
  await sbx.files.write('tree/top.txt', 'top')
  await sbx.files.write('tree/sub/inner.txt', 'inner')
  const one = await sbx.files.list('tree')
  assert.deepEqual(one.map((e) => e.name).sort(), ['sub', 'top.txt'])
  const two = await sbx.files.list('tree', { depth: 2 })
  assert.deepEqual(two.map((e) => e.path).sort(), [
    '/home/user/tree/sub',
    '/home/user/tree/sub/deeper',
    '/home/user/tree/sub/inner.txt',
    '/home/user/tree/top.txt',
  ])
  await assert.rejects(sbx.files.list('tree', { depth: 0 }), InvalidArgumentError)

  const info = await sbx.files.getInfo('tree/top.txt')
  assert.equal(info.name, 'top.txt')
  assert.equal(info.type, FileType.FILE)
  assert.equal(info.path, '/home/user/tree/top.txt')
  assert.equal(info.size, 3)
  assert.equal(info.mode, 0o644)
  assert.equal(info.permissions, '-rw-r--r--')
  assert.equal(info.owner, 'user')
  assert.equal(info.group, 'user')
  assert.ok(info.modifiedTime instanceof Date)
  assert.ok(Math.abs(info.modifiedTime - Date.now()) < 60_000)
  assert.equal(info.symlinkTarget, undefined)
  assert.equal((await sbx.files.getInfo('tree/sub')).type, FileType.DIR)

  await sbx.commands.run('ln -s top.txt tree/link')
  const link = await sbx.files.getInfo('tree/link')
  assert.equal(link.type, FileType.SYMLINK)
  assert.equal(link.symlinkTarget, 'top.txt')

  assert.equal(await sbx.files.exists('tree/top.txt'), true)
  assert.equal(await sbx.files.exists('tree/none'), false)
  const moved = await sbx.files.rename('tree/top.txt', 'tree/moved.txt')
  assert.equal(moved.path, '/home/user/tree/moved.txt')
  assert.equal(await sbx.files.exists('tree/top.txt'), false)
  await sbx.files.remove('tree')
  assert.equal(await sbx.files.exists('tree'), false)
})

test('missing files are FileNotFoundError; permission is enforced per user', async () => {
  await assert.rejects(sbx.files.read('/home/user/missing.txt'), (e) => {
    assert.ok(e instanceof FileNotFoundError)
    assert.ok(e instanceof NotFoundError)
    assert.equal(e.code, 'NOT_FOUND')
    assert.match(e.message, /missing\.txt/)
    assert.equal(typeof e.errno, 'number')
    return true
  })
  await assert.rejects(sbx.files.getInfo('missing'), FileNotFoundError)
  await sbx.files.write('/root/secret', 'x', { user: 'root' })
  await assert.rejects(sbx.files.read('/root/secret'), (e) => e.code === 'PERMISSION_DENIED')
  assert.equal(await sbx.files.read('/root/secret', { user: 'root' }), 'x')
})

test('path escapes stay inside the sandbox', async () => {
  // The host's /etc/shadow must never be reachable; inside, /etc has no shadow file.
  for (const path of ['../../etc/shadow', '/etc/shadow', '../../../../../../etc/shadow']) {
    await assert.rejects(sbx.files.read(path, { user: 'root' }), SandboxError, path)
  }
  await sbx.commands.run('ln -sfn /etc/shadow /home/user/escape; ln -sfn ../../../../../etc /home/user/up')
  await assert.rejects(sbx.files.read('escape', { user: 'root' }), SandboxError)
  await assert.rejects(sbx.files.read('up/shadow', { user: 'root' }), SandboxError)
  // Writing through ../ lands inside the sandbox, not on the host.
  const info = await sbx.files.write('../../tmp/escaped-node-test', 'inside', { user: 'root' })
  assert.equal(info.path, '/tmp/escaped-node-test')
  assert.equal((await sbx.commands.run('cat /tmp/escaped-node-test')).stdout, 'inside')
})

test('watchDir reports create, write, rename, remove and chmod events', async () => {
  await sbx.files.makeDir('watched/sub')
  const events = []
  const handle = await sbx.files.watchDir('watched', (e) => events.push(e), { recursive: true })
  await sbx.files.write('watched/new.txt', 'a')
  await sbx.commands.run('echo more >> watched/new.txt && chmod 600 watched/new.txt && mv watched/new.txt watched/renamed.txt && echo deep > watched/sub/deep.txt && rm watched/renamed.txt')
  const has = (type, name) => events.some((e) => e.type === type && e.name === name)
  await until(
    () => has(FilesystemEventType.CREATE, 'new.txt') && has(FilesystemEventType.WRITE, 'new.txt') && has(FilesystemEventType.CHMOD, 'new.txt') && has(FilesystemEventType.RENAME, 'new.txt') && has(FilesystemEventType.REMOVE, 'renamed.txt') && has(FilesystemEventType.CREATE, 'sub/deep.txt'),
    `all events (got ${JSON.stringify(events)})`,
  )
  await handle.stop()
  const count = events.length
  await sbx.files.write('watched/after.txt', 'x')
  await sbx.commands.run('sleep 0.2')
  assert.equal(events.length, count, 'no events after stop()')
  await handle.stop() // idempotent
})
