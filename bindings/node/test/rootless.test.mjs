// The package as an unprivileged user: the rootless path of the library, through Node.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const addon = process.env.SOULBOX_NODE_ADDON || path.join(packageDir, 'build', 'Release', 'soulbox.node')

const script = `
const { Sandbox } = require('./soulbox')
;(async () => {
  const sbx = await Sandbox.create({ timeoutMs: 60_000 })
  try {
    const info = await sbx.getInfo()
    console.log('rootless', info.rootless)
    console.log('uid', (await sbx.commands.run('id -u')).stdout.trim())
    await sbx.files.write('/home/user/note.txt', 'from nobody')
    console.log('read', await sbx.files.read('/home/user/note.txt'))
  } finally {
    await sbx.kill()
  }
})().catch((e) => { console.error(e); process.exit(1) })
`

async function chmodTree(dir) {
  await chmod(dir, 0o755)
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) await chmodTree(full)
    else await chmod(full, 0o755)
  }
}

const isRoot = process.getuid() === 0
const haveSetpriv = await stat('/usr/bin/setpriv').then(() => true, () => false)

// With SOULBOX_TEST_MUST_WORK=1 (CI) the test runs whatever the host, and fails where it cannot.
const mustWork = process.env.SOULBOX_TEST_MUST_WORK === '1'
const skip = !mustWork && (!isRoot || !haveSetpriv) ? 'needs root and setpriv' : false

test('an unprivileged user gets a rootless sandbox', { skip }, async () => {
  // The build tree may sit where nobody cannot read it (CI clones under /root): run a
  // world-readable copy of the package and the addon.
  const dir = await mkdtemp(path.join(tmpdir(), 'soulbox-node-nobody-'))
  try {
    const copy = path.join(dir, 'soulbox')
    await cp(path.join(packageDir, 'index.js'), path.join(copy, 'index.js'))
    await cp(path.join(packageDir, 'lib'), path.join(copy, 'lib'), { recursive: true })
    await cp(addon, path.join(copy, 'build', 'Release', 'soulbox.node')) // where index.js looks
    await chmodTree(dir)
    const { stdout } = await promisify(execFile)(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', '--reset-env', process.execPath, '-e', script],
      { cwd: dir, timeout: 120_000 }, // setpriv --reset-env: no SOULBOX_NODE_ADDON inside
    )
    const lines = stdout.split('\n')
    assert.ok(lines.includes('rootless true'), stdout)
    assert.ok(lines.includes('uid 1000'), stdout) // the caller's uid becomes the sandbox user
    assert.ok(lines.includes('read from nobody'), stdout)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
