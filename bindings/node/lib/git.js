'use strict'
// E2B-compatible `sandbox.git`: git runs inside the sandbox through commands.run.
// Credentials never reach argv or .git/config: git gets `-c credential.helper=` (clears any
// configured helper) plus a helper printing $SOULBOX_GIT_USERNAME / $SOULBOX_GIT_PASSWORD,
// which are set only in that git process's environment (commands.run `envs`). Trust
// boundary: same-user processes in the sandbox can read /proc/<pid>/environ while git runs;
// dangerouslyAuthenticate / dangerouslyStoreCredentials write ~/.git-credentials on request.
const { CommandExitError, GitAuthError, GitUpstreamError, InvalidArgumentError } = require('./errors')

const HELPER =
  '!f() { test "$1" = get || exit 0; ' +
  'echo username="$SOULBOX_GIT_USERNAME"; echo password="$SOULBOX_GIT_PASSWORD"; }; f'
const AUTH = ['authentication failed', 'could not read username', 'could not read password',
  'terminal prompts disabled', 'invalid username or password', 'http basic: access denied', '403', '401']
const UPSTREAM = ['has no upstream branch', 'no upstream branch', 'no tracking information',
  'no upstream configured', 'set-upstream', 'does not appear to be a git repository']
const CODES = { M: 'modified', A: 'added', D: 'deleted', R: 'renamed', C: 'copied', T: 'typechange',
  U: 'conflict', '?': 'untracked', '!': 'ignored' }

const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`

function fileStatus(x, y) {
  if (x === 'U' || y === 'U' || (x === 'A' && y === 'A') || (x === 'D' && y === 'D')) return 'conflict'
  if (x === '?') return 'untracked'
  return CODES[x !== ' ' ? x : y] ?? 'unknown'
}

function parseStatus(out) {
  const st = { currentBranch: undefined, upstream: undefined, ahead: 0, behind: 0, detached: false, fileStatus: [] }
  for (const line of out.split('\n')) {
    if (line.startsWith('## ')) {
      let head = line.slice(3)
      let track = ''
      const i = head.indexOf(' [')
      if (i >= 0) { track = head.slice(i + 2).replace(/\]$/, ''); head = head.slice(0, i) }
      if (head.startsWith('HEAD (no branch)')) st.detached = true
      else {
        if (head.startsWith('No commits yet on ')) head = head.slice('No commits yet on '.length)
        const j = head.indexOf('...')
        if (j >= 0) { st.upstream = head.slice(j + 3); head = head.slice(0, j) }
        st.currentBranch = head
      }
      for (const part of track.split(', ')) {
        if (part.startsWith('ahead ')) st.ahead = Number(part.slice(6))
        else if (part.startsWith('behind ')) st.behind = Number(part.slice(7))
      }
      continue
    }
    if (line.length < 4) continue
    const x = line[0], y = line[1]
    let name = line.slice(3)
    let renamedFrom
    const k = name.indexOf(' -> ')
    if (k >= 0) { renamedFrom = name.slice(0, k); name = name.slice(k + 4) }
    st.fileStatus.push({ name, status: fileStatus(x, y), indexStatus: x, workingTreeStatus: y,
      staged: ![' ', '?', '!'].includes(x), ...(renamedFrom !== undefined ? { renamedFrom } : {}) })
  }
  const fs = st.fileStatus
  Object.assign(st, {
    isClean: fs.length === 0, hasChanges: fs.length > 0, hasStaged: fs.some((f) => f.staged),
    hasUntracked: fs.some((f) => f.status === 'untracked'), hasConflicts: fs.some((f) => f.status === 'conflict'),
    totalCount: fs.length, stagedCount: fs.filter((f) => f.staged).length,
    unstagedCount: fs.filter((f) => ![' ', '?'].includes(f.workingTreeStatus)).length,
    untrackedCount: fs.filter((f) => f.status === 'untracked').length,
    conflictCount: fs.filter((f) => f.status === 'conflict').length,
  })
  return st
}

function mapError(e) {
  if (!(e instanceof CommandExitError)) return e
  const text = `${e.stderr ?? ''}\n${e.stdout ?? ''}`
  const low = text.toLowerCase()
  if (AUTH.some((m) => low.includes(m))) return new GitAuthError(`git authentication failed: ${text.trim()}`, { cause: e })
  if (UPSTREAM.some((m) => low.includes(m))) return new GitUpstreamError(`git upstream error: ${text.trim()}`, { cause: e })
  return e
}

function runOpts(opts = {}) {
  const o = {}
  for (const k of ['user', 'cwd', 'timeoutMs', 'requestTimeoutMs']) if (opts[k] !== undefined) o[k] = opts[k]
  return o
}

class Git {
  #commands
  constructor(commands) { this.#commands = commands }

  async #git(args, path, opts = {}) {
    const { username, password } = opts
    if (password && !username) throw new InvalidArgumentError('Username is required when using a password or token.')
    const envs = { GIT_TERMINAL_PROMPT: '0', ...(opts.envs ?? {}) }
    const pre = ['git']
    if (path) pre.push('-C', path)
    if (username) {
      pre.push('-c', 'credential.helper=', '-c', 'credential.helper=' + HELPER)
      envs.SOULBOX_GIT_USERNAME = username
      envs.SOULBOX_GIT_PASSWORD = password ?? ''
    }
    try {
      return await this.#commands.run([...pre, ...args].map(quote).join(' '), { ...runOpts(opts), envs })
    } catch (e) {
      throw mapError(e)
    }
  }

  async clone(url, opts = {}) {
    const args = ['clone', url]
    if (opts.branch) args.push('--branch', opts.branch, '--single-branch')
    if (opts.depth) args.push('--depth', String(Math.trunc(opts.depth)))
    if (opts.path) args.push(opts.path)
    const r = await this.#git(args, undefined, opts)
    if (opts.dangerouslyStoreCredentials && opts.username) await this.#store(url, opts.username, opts.password ?? '', opts)
    return r
  }

  init(path, opts = {}) {
    const args = ['init']
    if (opts.bare) args.push('--bare')
    if (opts.initialBranch) args.push('--initial-branch', opts.initialBranch)
    return this.#git([...args, path], undefined, opts)
  }

  async remoteAdd(path, name, url, opts = {}) {
    let r
    if (opts.overwrite && (await this.remoteGet(path, name, opts)) !== undefined) r = await this.#git(['remote', 'set-url', name, url], path, opts)
    else r = await this.#git(['remote', 'add', name, url], path, opts)
    if (opts.fetch) r = await this.#git(['fetch', name], path, opts)
    return r
  }

  async remoteGet(path, name, opts = {}) {
    try {
      const r = await this.#git(['remote', 'get-url', name], path, opts)
      return r.stdout.trim() || undefined
    } catch (e) {
      if (e instanceof CommandExitError || e instanceof GitUpstreamError) return undefined
      throw e
    }
  }

  async status(path, opts = {}) {
    return parseStatus((await this.#git(['status', '--porcelain=1', '-b'], path, opts)).stdout)
  }

  async branches(path, opts = {}) {
    const r = await this.#git(['branch', '--format=%(HEAD)%(refname:short)'], path, opts)
    const branches = []
    let currentBranch
    for (const line of r.stdout.split('\n')) {
      if (!line || line.slice(1).startsWith('(HEAD detached')) continue
      branches.push(line.slice(1))
      if (line[0] === '*') currentBranch = line.slice(1)
    }
    if (currentBranch === undefined) currentBranch = (await this.status(path, opts)).currentBranch
    return { branches, currentBranch }
  }

  createBranch(path, branch, opts = {}) { return this.#git(['checkout', '-b', branch], path, opts) }
  checkoutBranch(path, branch, opts = {}) { return this.#git(['checkout', branch], path, opts) }
  deleteBranch(path, branch, opts = {}) { return this.#git(['branch', opts.force ? '-D' : '-d', branch], path, opts) }

  add(path, opts = {}) {
    const args = ['add']
    if (opts.files?.length) args.push('--', ...opts.files)
    else args.push(opts.all === false ? '.' : '-A')
    return this.#git(args, path, opts)
  }

  commit(path, message, opts = {}) {
    const args = []
    if (opts.authorName) args.push('-c', `user.name=${opts.authorName}`)
    if (opts.authorEmail) args.push('-c', `user.email=${opts.authorEmail}`)
    args.push('commit', '-m', message)
    if (opts.allowEmpty) args.push('--allow-empty')
    return this.#git(args, path, opts)
  }

  reset(path, opts = {}) {
    const args = ['reset']
    if (opts.mode) {
      if (!['soft', 'mixed', 'hard', 'merge', 'keep'].includes(opts.mode)) throw new InvalidArgumentError(`invalid reset mode: ${opts.mode}`)
      args.push('--' + opts.mode)
    }
    if (opts.target) args.push(opts.target)
    if (opts.paths?.length) args.push('--', ...opts.paths)
    return this.#git(args, path, opts)
  }

  restore(path, opts = {}) {
    if (!opts.paths?.length) throw new InvalidArgumentError('At least one path is required.')
    const args = ['restore']
    if (opts.staged) args.push('--staged')
    if (opts.worktree) args.push('--worktree')
    if (opts.source) args.push('--source', opts.source)
    return this.#git([...args, '--', ...opts.paths], path, opts)
  }

  push(path, opts = {}) {
    const args = ['push']
    if (opts.branch && opts.setUpstream !== false) args.push('--set-upstream')
    if (opts.remote || opts.branch) args.push(opts.remote ?? 'origin')
    if (opts.branch) args.push(opts.branch)
    return this.#git(args, path, opts)
  }

  pull(path, opts = {}) {
    const args = ['pull']
    if (opts.remote || opts.branch) args.push(opts.remote ?? 'origin')
    if (opts.branch) args.push(opts.branch)
    return this.#git(args, path, opts)
  }

  #scope(opts) {
    const scope = opts.scope ?? 'global'
    if (!['global', 'local', 'system'].includes(scope)) throw new InvalidArgumentError(`invalid config scope: ${scope}`)
    if (scope === 'local' && !opts.path) throw new InvalidArgumentError('A repository path is required for local scope.')
    return [['--' + scope], scope === 'local' ? opts.path : undefined]
  }

  setConfig(key, value, opts = {}) {
    const [flag, repo] = this.#scope(opts)
    return this.#git(['config', ...flag, key, value], repo, opts)
  }

  async getConfig(key, opts = {}) {
    const [flag, repo] = this.#scope(opts)
    try {
      return (await this.#git(['config', ...flag, '--get', key], repo, opts)).stdout.trim() || undefined
    } catch (e) {
      if (e instanceof CommandExitError) return undefined
      throw e
    }
  }

  async configureUser(name, email, opts = {}) {
    if (!name || !email) throw new InvalidArgumentError('Both name and email are required.')
    await this.setConfig('user.name', name, opts)
    return this.setConfig('user.email', email, opts)
  }

  // Stores credentials in ~/.git-credentials (plain text); the secret goes through env + printf
  // (a shell builtin), never argv.
  #store(url, username, password, opts) {
    const u = new URL(url.includes('://') ? url : 'https://' + url)
    const envs = { ...(opts.envs ?? {}), SOULBOX_GIT_USERNAME: username, SOULBOX_GIT_PASSWORD: password,
      SOULBOX_GIT_PROTO: u.protocol.replace(/:$/, ''), SOULBOX_GIT_HOST: u.host }
    const cmd = "git config --global credential.helper store && printf 'protocol=%s\\nhost=%s\\nusername=%s\\npassword=%s\\n\\n' " +
      '"$SOULBOX_GIT_PROTO" "$SOULBOX_GIT_HOST" "$SOULBOX_GIT_USERNAME" "$SOULBOX_GIT_PASSWORD" | git credential approve'
    return this.#commands.run(cmd, { ...runOpts(opts), envs })
  }

  dangerouslyAuthenticate(opts) {
    if (!opts?.username || !opts?.password) throw new InvalidArgumentError('Both username and password are required.')
    return this.#store(`${opts.protocol ?? 'https'}://${opts.host ?? 'github.com'}`, opts.username, opts.password, opts)
  }
}

module.exports = { Git, parseStatus }
