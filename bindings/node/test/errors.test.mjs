import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import soulbox from './helpers.mjs'

const {
  Sandbox,
  NotRunningError,
  SandboxError,
  InvalidArgumentError,
  NotFoundError,
  FileNotFoundError,
  SandboxNotFoundError,
  ProcessNotFoundError,
} = soulbox
const native = createRequire(import.meta.url)('../lib/native.js')
let sbx
before(async () => {
  sbx = await Sandbox.create({ timeoutMs: 120_000 })
})
after(async () => {
  await sbx?.kill()
})

test('bad arguments are TypeError / RangeError before any C call', async () => {
  await assert.rejects(Sandbox.create({ timeoutMs: -1 }), RangeError)
  await assert.rejects(Sandbox.create({ timeoutMs: 'soon' }), TypeError)
  await assert.rejects(Sandbox.create({ envs: { A: 1 } }), TypeError)
  await assert.rejects(Sandbox.create({ memoryMB: -5 }), RangeError)
  await assert.rejects(Sandbox.create(42), TypeError)
  await assert.rejects(Sandbox.connect(undefined), TypeError)
  assert.throws(() => new Sandbox(), TypeError)

  await assert.rejects(sbx.commands.run(123), TypeError)
  await assert.rejects(sbx.commands.run('echo a\0b'), /NUL/)
  await assert.rejects(sbx.commands.run('true', { timeoutMs: -5 }), RangeError)
  await assert.rejects(sbx.commands.run('true', { timeoutMs: NaN }), TypeError)
  await assert.rejects(sbx.commands.run('true', { cwd: 'a\0' }), TypeError)
  await assert.rejects(sbx.commands.run('true', { envs: { 'A\0': 'x' } }), TypeError)
  await assert.rejects(sbx.commands.run('true', { onStdout: 'no' }), TypeError)
  await assert.rejects(sbx.commands.kill(-1), RangeError)
  await assert.rejects(sbx.commands.sendStdin(1, 42), TypeError)

  await assert.rejects(sbx.files.read('a\0b'), TypeError)
  await assert.rejects(sbx.files.read('a', { format: 'xml' }), TypeError)
  await assert.rejects(sbx.files.write('a', 42), TypeError)
  await assert.rejects(sbx.files.write([{ path: 1, data: 'x' }]), TypeError)
  await assert.rejects(sbx.files.list('.', { depth: 'deep' }), TypeError)
  await assert.rejects(sbx.files.watchDir('.', 'notfn'), TypeError)

  await assert.rejects(sbx.pty.create({ cols: -1, rows: 10 }), RangeError)
  await assert.rejects(sbx.pty.create(), TypeError)
  await assert.rejects(sbx.pty.resize(1, { cols: 70000, rows: 1 }), RangeError)
  await assert.rejects(sbx.setTimeout(-1), RangeError)
})

test('the native layer rejects garbage without crashing', () => {
  assert.throws(() => native.startCommand({}, 'true', {}, () => {}), TypeError)
  assert.throws(() => native.readFile(null, 'x'), TypeError)
  assert.throws(() => native.writeFile(sbx._native, 'x', 'not bytes'), TypeError)
  assert.throws(() => native.writeFiles(sbx._native, [['x']]), TypeError)
  assert.throws(() => native.killCommand(sbx._native, 1.5), RangeError)
  assert.throws(() => native.readStream(sbx._native, 'x', undefined, null), TypeError)
  assert.throws(() => new native.NativeSandbox(), TypeError)
  assert.throws(() => native.configure({}), TypeError)
})

test('library errors map to the error classes with code and message', async () => {
  await assert.rejects(sbx.commands.run('pwd', { cwd: '/does/not/exist' }), (e) => {
    // A missing working directory is about a path, not about the process.
    assert.ok(e instanceof FileNotFoundError)
    assert.equal(e.code, 'NOT_FOUND')
    assert.equal(e.subject, 'path')
    assert.match(e.message, /\/does\/not\/exist/, 'the message is the library\'s, with context')
    return true
  })
  await assert.rejects(sbx.commands.connect(999_999), (e) => e instanceof ProcessNotFoundError && e.subject === 'process')
  await assert.rejects(sbx.files.write('/proc/nope/x', 'x'), SandboxError)
  await assert.rejects(sbx.files.list('/home/user/.profile'), NotFoundError)
  await assert.rejects(Sandbox.create({ template: 'no-such-template' }), (e) => {
    // The class the Python binding raises too (NotFoundException): one table for both.
    assert.equal(e.constructor, NotFoundError)
    assert.ok(!(e instanceof SandboxNotFoundError))
    assert.equal(e.subject, 'template')
    return true
  })
})

test('makeError picks the class from code and subject, and is not exported', () => {
  const { makeError } = createRequire(import.meta.url)('../lib/errors.js')
  assert.equal(makeError(2, 'm', 0, 3).constructor, FileNotFoundError)
  assert.equal(makeError(2, 'm', 0, 1).constructor, SandboxNotFoundError)
  assert.equal(makeError(2, 'm', 0, 4).constructor, NotFoundError)
  assert.equal(makeError(1, 'm', 0, 3).constructor, InvalidArgumentError)
  const unknown = makeError(99, 'm', 5, 99)
  assert.equal(unknown.constructor, SandboxError)
  assert.equal(unknown.code, 'UNKNOWN')
  assert.equal(unknown.subject, 'none')
  assert.equal(unknown.errno, 5)
  assert.equal(soulbox.makeError, undefined)
})

test('calls on a killed sandbox fail with NotRunningError', async () => {
  const dead = await Sandbox.create({ timeoutMs: 30_000 })
  await dead.kill()
  await assert.rejects(dead.commands.run('true'), (e) => e instanceof NotRunningError && /ended/.test(e.message))
  await assert.rejects(dead.files.read('x'), NotRunningError)
  await assert.rejects(dead.setTimeout(1000), NotRunningError)
  assert.equal(await dead.isRunning(), false)
  assert.equal((await dead.getInfo()).state, 'stopped')
})

test('InvalidArgumentError comes from the library too', async () => {
  await assert.rejects(sbx.files.list('.', { depth: 0 }), InvalidArgumentError)
  // What values mean is the library's check: the binding checks types only.
  await assert.rejects(sbx.commands.run('true', { user: 'bob' }), (e) => e instanceof InvalidArgumentError && /bob/.test(e.message))
  await assert.rejects(sbx.files.read('x', { user: 'bob' }), InvalidArgumentError)
  await assert.rejects(sbx.pty.create({ cols: 0, rows: 10 }), (e) => e instanceof InvalidArgumentError && /1-10000/.test(e.message))
  await assert.rejects(sbx.pty.create({ cols: 80, rows: 10001 }), InvalidArgumentError)
  await assert.rejects(sbx.commands.run(''), (e) => e instanceof InvalidArgumentError && /empty command/.test(e.message))
})
