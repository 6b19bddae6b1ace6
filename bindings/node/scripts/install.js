'use strict'
// `npm install` hook. The npm tarball ships a prebuilt, self-contained build/Release/soulbox.node
// (libsoulbox linked in statically): then there is nothing to do. Without it (a checkout of the
// SoulBox repository) the addon is built from source with CMake: Node's headers come from the
// local Node installation and node-addon-api from node_modules, nothing is downloaded.
// `npm run build` (--force) rebuilds even when a binary is present.
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const packageDir = path.resolve(__dirname, '..')
const addon = path.join(packageDir, 'build', 'Release', 'soulbox.node')
const force = process.argv.includes('--force')

if (!force && fs.existsSync(addon)) {
  console.log(`soulbox: using the prebuilt ${path.relative(packageDir, addon)}`)
  process.exit(0)
}

const repoRoot = path.resolve(packageDir, '..', '..')
if (!fs.existsSync(path.join(repoRoot, 'include', 'soulbox', 'soulbox.h'))) {
  console.error('soulbox: no prebuilt build/Release/soulbox.node and no SoulBox source tree at ' + repoRoot)
  process.exit(1)
}

function run(cmd, args) {
  console.log(`soulbox: ${cmd} ${args.join(' ')}`)
  execFileSync(cmd, args, { stdio: 'inherit', cwd: packageDir })
}

const buildDir = path.join(packageDir, 'build', 'cmake')
const ninja = spawnSync('ninja', ['--version'], { stdio: 'ignore' }).status === 0
run('cmake', [
  '-S', packageDir,
  '-B', buildDir,
  ...(ninja ? ['-G', 'Ninja'] : []),
  '-DCMAKE_BUILD_TYPE=Release',
  `-DNODE_EXECUTABLE=${process.execPath}`,
  `-DNODE_INCLUDE_DIR=${path.resolve(process.execPath, '..', '..', 'include', 'node')}`,
])
run('cmake', ['--build', buildDir, '--target', 'soulbox_node', '--parallel'])
