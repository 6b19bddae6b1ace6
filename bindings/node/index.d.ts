// Type declarations of the soulbox package (E2B's JS SDK names; durations in milliseconds).

export type Username = 'user' | 'root'

export interface SandboxOpts {
  /** Template name; default 'host' (the host's /usr, read-only). */
  template?: string
  /** Lifetime in ms (rounded up to whole seconds); default 300000; 0 = no timeout. */
  timeoutMs?: number
  envs?: Record<string, string>
  metadata?: Record<string, string>
  hostname?: string
  /** Resource limits; undefined = library default, 0 = unlimited. */
  memoryMB?: number
  cpus?: number
  pids?: number
  diskMB?: number
}

export interface SandboxLimits {
  memoryMB: number
  cpus: number
  pids: number
  diskMB: number
}

export interface SandboxInfo {
  sandboxId: string
  templateId: string
  metadata: Record<string, string>
  startedAt: Date
  /** null when the sandbox has no timeout. */
  endAt: Date | null
  /** foreign: a sandbox this library must not act on (left by a newer SoulBox, or unreadable);
   * only its id is known and foreignReason says why. */
  state: 'running' | 'stopped' | 'foreign'
  name?: string
  cpuCount: number
  memoryMB: number
  envdVersion: string
  /** SoulBox extras: limits as applied (0 = unlimited), cgroup version, rootless mode. */
  limits: SandboxLimits
  cgroup: 'v1' | 'v2' | 'none'
  rootless: boolean
  limitsNote: string
  /** Why the state is 'foreign'; '' otherwise. */
  foreignReason: string
  /** The control protocol of the sandbox's agent (0: too old to connect to, or foreign). */
  agentProtocolVersion: number
}

export declare class Sandbox {
  private constructor()
  readonly sandboxId: string
  readonly commands: Commands
  readonly files: Filesystem
  readonly pty: Pty

  static create(opts?: SandboxOpts): Promise<Sandbox>
  static create(template: string, opts?: SandboxOpts): Promise<Sandbox>
  static connect(sandboxId: string, opts?: { timeoutMs?: number; [ignored: string]: unknown }): Promise<Sandbox>
  /** A paginator, returned synchronously (E2B v2). */
  static list(opts?: {
    query?: { metadata?: Record<string, string>; state?: Array<'running' | 'paused'> }
    limit?: number
    nextToken?: string
  }): SandboxPaginator
  connect(opts?: { timeoutMs?: number }): Promise<this>
  /** false when the sandbox was not running or not found. */
  static kill(sandboxId: string): Promise<boolean>
  static setTimeout(sandboxId: string, timeoutMs: number): Promise<void>
  static getInfo(sandboxId: string): Promise<SandboxInfo>

  /** false when the sandbox had already ended. */
  kill(): Promise<boolean>
  setTimeout(timeoutMs: number): Promise<void>
  isRunning(): Promise<boolean>
  getInfo(): Promise<SandboxInfo>
}
export default Sandbox

// ---- commands ----

export interface CommandResult {
  signal: number
  oomKilled: boolean
  timedOut: boolean
  stdoutTruncated: boolean
  stderrTruncated: boolean
  exitCode: number
  error?: string
  stdout: string
  stderr: string
}

export interface CommandStartOpts {
  background?: boolean
  cwd?: string
  user?: Username
  envs?: Record<string, string>
  onStdout?: (data: string) => void | Promise<void>
  onStderr?: (data: string) => void | Promise<void>
  /** Keep stdin open for sendStdin(); default false (/dev/null). */
  stdin?: boolean
  /** Kills the command after this many ms; default 60000; 0 = no timeout. */
  timeoutMs?: number
  /** SoulBox extra: shown by commands.list(). */
  tag?: string
}

export interface CommandConnectOpts {
  onStdout?: (data: string) => void | Promise<void>
  onStderr?: (data: string) => void | Promise<void>
}

export interface ProcessInfo {
  pid: number
  tag?: string
  cmd: string
  args: string[]
  envs: Record<string, string>
  cwd?: string
}

export declare class CommandHandle {
  private constructor()
  readonly pid: number
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | undefined
  readonly error: string | undefined
  /** Throws CommandExitError on a non-zero exit, TimeoutError when timeoutMs killed it. */
  wait(): Promise<CommandResult>
  /** SIGKILL; false when the process was already gone. */
  kill(): Promise<boolean>
  sendStdin(data: string | Uint8Array): Promise<void>
  closeStdin(): Promise<void>
  /** Stops callbacks and wait(); the process keeps running. */
  disconnect(): Promise<void>
}

export declare class Commands {
  private constructor()
  run(cmd: string, opts?: CommandStartOpts & { background?: false }): Promise<CommandResult>
  run(cmd: string, opts: CommandStartOpts & { background: true }): Promise<CommandHandle>
  run(cmd: string, opts?: CommandStartOpts & { background?: boolean }): Promise<CommandHandle | CommandResult>
  connect(pid: number, opts?: CommandConnectOpts): Promise<CommandHandle>
  list(): Promise<ProcessInfo[]>
  kill(pid: number): Promise<boolean>
  sendStdin(pid: number, data: string | Uint8Array): Promise<void>
}

// ---- terminals ----

export interface PtySize {
  cols: number
  rows: number
}

export interface PtyCreateOpts extends PtySize {
  onData: (data: Uint8Array) => void | Promise<void>
  /** 0 (default) = lives until killed or the sandbox ends. */
  timeoutMs?: number
  user?: Username
  envs?: Record<string, string>
  cwd?: string
}

export declare class Pty {
  private constructor()
  create(opts: PtyCreateOpts): Promise<CommandHandle>
  connect(pid: number, opts?: { onData?: (data: Uint8Array) => void | Promise<void> }): Promise<CommandHandle>
  sendInput(pid: number, data: Uint8Array | string): Promise<void>
  resize(pid: number, size: PtySize): Promise<void>
  kill(pid: number): Promise<boolean>
}

// ---- files ----

export declare enum FileType {
  FILE = 'file',
  DIR = 'dir',
  SYMLINK = 'symlink',
}

export interface WriteInfo {
  name: string
  type?: FileType | 'other'
  path: string
}

export interface EntryInfo extends WriteInfo {
  size: number
  mode: number
  permissions: string
  owner: string
  group: string
  modifiedTime?: Date
  symlinkTarget?: string
}

export type WriteData = string | ArrayBuffer | ArrayBufferView | Blob | ReadableStream | AsyncIterable<Uint8Array | string>

export interface WriteEntry {
  path: string
  data: WriteData
}

export interface FilesystemRequestOpts {
  user?: Username
}

export declare enum FilesystemEventType {
  CHMOD = 'chmod',
  CREATE = 'create',
  REMOVE = 'remove',
  RENAME = 'rename',
  WRITE = 'write',
}

export interface FilesystemEvent {
  name: string
  type: FilesystemEventType
}

export interface WatchOpts extends FilesystemRequestOpts {
  recursive?: boolean
  /** The watch stops after this many ms; default 60000; 0 = until stop(). */
  timeoutMs?: number
  onExit?: (err?: Error) => void | Promise<void>
}

export declare class WatchHandle {
  private constructor()
  stop(): Promise<void>
}

export declare class Filesystem {
  private constructor()
  read(path: string, opts?: FilesystemRequestOpts & { format?: 'text' }): Promise<string>
  read(path: string, opts: FilesystemRequestOpts & { format: 'bytes' }): Promise<Uint8Array>
  read(path: string, opts: FilesystemRequestOpts & { format: 'blob' }): Promise<Blob>
  read(path: string, opts: FilesystemRequestOpts & { format: 'stream' }): Promise<ReadableStream<Uint8Array>>
  write(path: string, data: WriteData, opts?: FilesystemRequestOpts): Promise<WriteInfo>
  write(files: WriteEntry[], opts?: FilesystemRequestOpts): Promise<WriteInfo[]>
  writeFiles(files: WriteEntry[], opts?: FilesystemRequestOpts): Promise<WriteInfo[]>
  list(path: string, opts?: FilesystemRequestOpts & { depth?: number }): Promise<EntryInfo[]>
  exists(path: string, opts?: FilesystemRequestOpts): Promise<boolean>
  getInfo(path: string, opts?: FilesystemRequestOpts): Promise<EntryInfo>
  remove(path: string, opts?: FilesystemRequestOpts): Promise<void>
  rename(oldPath: string, newPath: string, opts?: FilesystemRequestOpts): Promise<EntryInfo>
  makeDir(path: string, opts?: FilesystemRequestOpts): Promise<boolean>
  watchDir(path: string, onEvent: (event: FilesystemEvent) => void | Promise<void>, opts?: WatchOpts): Promise<WatchHandle>
}

// ---- errors ----

export type ErrorCode =
  | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'PERMISSION_DENIED' | 'UNSUPPORTED'
  | 'LIMIT_UNENFORCEABLE' | 'TIMEOUT' | 'NOT_RUNNING' | 'IO' | 'PROTOCOL' | 'NOT_ENOUGH_SPACE'
  | 'INTERNAL' | 'NOT_A_DIRECTORY' | 'IS_A_DIRECTORY' | 'UNKNOWN'

export declare class SandboxError extends Error {
  /** The C error's name; undefined for errors raised by the JS layer. */
  code?: ErrorCode
  /** What the error refers to; undefined for errors raised by the JS layer. */
  subject?: 'none' | 'sandbox' | 'process' | 'path' | 'template'
  /** errno of the failed system call, 0 if none. */
  errno?: number
}
export declare class InvalidArgumentError extends SandboxError {}
export declare class NotFoundError extends SandboxError {}
export declare class FileNotFoundError extends NotFoundError {}
export declare class SandboxNotFoundError extends NotFoundError {}
export declare class ProcessNotFoundError extends NotFoundError {}
export declare class AlreadyExistsError extends SandboxError {}
export declare class PermissionDeniedError extends SandboxError {}
export declare class UnsupportedError extends SandboxError {}
export declare class LimitUnenforceableError extends SandboxError {}
export declare class TimeoutError extends SandboxError {
  /** Set when a command's timeoutMs killed it. */
  exitCode?: number
  stdout?: string
  stderr?: string
  error?: string
}
export declare class NotRunningError extends SandboxError {}
export declare class IOError extends SandboxError {}
export declare class ProtocolError extends SandboxError {}
export declare class NotEnoughSpaceError extends SandboxError {}
export declare class InternalError extends SandboxError {}
export declare class NotADirectoryError extends SandboxError {}
export declare class IsADirectoryError extends SandboxError {}
export declare class CommandExitError extends SandboxError implements CommandResult {
  constructor(result: CommandResult)
  exitCode: number
  error?: string
  stdout: string
  stderr: string
}

/** Version of the loaded libsoulbox. */
export declare const version: string

export class SandboxPaginator {
  hasNext: boolean
  nextToken: string | undefined
  nextItems(): Promise<SandboxInfo[]>
}
export const ALL_TRAFFIC: '0.0.0.0/0'
export class AuthenticationError extends Error {}
export class GitAuthError extends AuthenticationError {}
export class GitUpstreamError extends SandboxError {}
export class TemplateError extends SandboxError {}
export class RateLimitError extends SandboxError {}
export class BuildError extends Error {}
export class FileUploadError extends BuildError {}
export class VolumeError extends Error {}
export class VolumeNotFoundError extends VolumeError {}
export class VolumePathNotFoundError extends VolumeError {}
export class SecretError extends Error {}
export class SecretNotFoundError extends SecretError {}


// ---- sandbox.git (lib/git.js): git run inside the sandbox through commands.run ----

export interface GitRequestOpts {
  envs?: Record<string, string>
  user?: string
  cwd?: string
  timeoutMs?: number
  requestTimeoutMs?: number
}
/** Credentials reach git only through its environment (a credential helper), never argv or config. */
export interface GitAuthOpts extends GitRequestOpts {
  username?: string
  password?: string
}
export interface GitFileStatus {
  name: string
  status: string
  indexStatus: string
  workingTreeStatus: string
  staged: boolean
  renamedFrom?: string
}
export interface GitStatus {
  currentBranch?: string
  upstream?: string
  ahead: number
  behind: number
  detached: boolean
  fileStatus: GitFileStatus[]
  isClean: boolean
  hasChanges: boolean
  hasStaged: boolean
  hasUntracked: boolean
  hasConflicts: boolean
  totalCount: number
  stagedCount: number
  unstagedCount: number
  untrackedCount: number
  conflictCount: number
}
export interface GitBranches {
  branches: string[]
  currentBranch?: string
}
export type GitResetMode = 'soft' | 'mixed' | 'hard' | 'merge' | 'keep'
export interface GitConfigOpts extends GitRequestOpts {
  scope?: 'global' | 'local' | 'system'
  path?: string
}
export declare class Git {
  clone(url: string, opts?: GitAuthOpts & { path?: string; branch?: string; depth?: number; dangerouslyStoreCredentials?: boolean }): Promise<CommandResult>
  init(path: string, opts?: GitRequestOpts & { bare?: boolean; initialBranch?: string }): Promise<CommandResult>
  remoteAdd(path: string, name: string, url: string, opts?: GitRequestOpts & { fetch?: boolean; overwrite?: boolean }): Promise<CommandResult>
  remoteGet(path: string, name: string, opts?: GitRequestOpts): Promise<string | undefined>
  status(path: string, opts?: GitRequestOpts): Promise<GitStatus>
  branches(path: string, opts?: GitRequestOpts): Promise<GitBranches>
  createBranch(path: string, branch: string, opts?: GitRequestOpts): Promise<CommandResult>
  checkoutBranch(path: string, branch: string, opts?: GitRequestOpts): Promise<CommandResult>
  deleteBranch(path: string, branch: string, opts?: GitRequestOpts & { force?: boolean }): Promise<CommandResult>
  add(path: string, opts?: GitRequestOpts & { files?: string[]; all?: boolean }): Promise<CommandResult>
  commit(path: string, message: string, opts?: GitRequestOpts & { authorName?: string; authorEmail?: string; allowEmpty?: boolean }): Promise<CommandResult>
  reset(path: string, opts?: GitRequestOpts & { mode?: GitResetMode; target?: string; paths?: string[] }): Promise<CommandResult>
  restore(path: string, opts: GitRequestOpts & { paths: string[]; staged?: boolean; worktree?: boolean; source?: string }): Promise<CommandResult>
  push(path: string, opts?: GitAuthOpts & { remote?: string; branch?: string; setUpstream?: boolean }): Promise<CommandResult>
  pull(path: string, opts?: GitAuthOpts & { remote?: string; branch?: string }): Promise<CommandResult>
  setConfig(key: string, value: string, opts?: GitConfigOpts): Promise<CommandResult>
  getConfig(key: string, opts?: GitConfigOpts): Promise<string | undefined>
  configureUser(name: string, email: string, opts?: GitConfigOpts): Promise<CommandResult>
  /** Stores the credentials in plain text in ~/.git-credentials inside the sandbox. */
  dangerouslyAuthenticate(opts: GitRequestOpts & { username: string; password: string; host?: string; protocol?: string }): Promise<CommandResult>
}
/** Merged into the Sandbox class above. */
export interface Sandbox {
  readonly git: Git
}
