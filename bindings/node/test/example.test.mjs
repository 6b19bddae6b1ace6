// examples/node/quickstart.mjs runs unchanged against this package, imported as 'soulbox'.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, mkdir, symlink, copyFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const here = path.dirname(fileURLToPath(import.meta.url))
const packageDir = path.resolve(here, '..')
const example = path.resolve(here, '../../../examples/node/quickstart.mjs')

test('examples/node/quickstart.mjs', async () => {
  const project = await mkdtemp(path.join(tmpdir(), 'soulbox-quickstart-'))
  try {
    await mkdir(path.join(project, 'node_modules'))
    await symlink(packageDir, path.join(project, 'node_modules', 'soulbox'))
    await copyFile(example, path.join(project, 'quickstart.mjs'))
    const { stdout } = await promisify(execFile)(process.execPath, ['quickstart.mjs'], { cwd: project, timeout: 60_000 })
    assert.match(stdout, /\[sandbox\] \[0, 1, 4, 9, 16, 25\]/)
    assert.match(stdout, /exit code: 0/)
    assert.match(stdout, /wrote \/home\/user\/notes\/hello\.txt/)
    assert.match(stdout, /read back: Hello from SoulBox/)
  } finally {
    await rm(project, { recursive: true, force: true })
  }
})
