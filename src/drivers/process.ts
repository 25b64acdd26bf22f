// Build processes: spawned in their own session and process group, output streamed into the build log,
// and on abort killed with everything they started. "Everything" is more than the process group: makepkg's
// fakeroot starts `faked`, which calls setsid and would outlive the build, and sudo may put its command in a
// new session. So a kill covers the group, every descendant, and every process carrying the build's mark
// (an environment variable each build gets, inherited by whatever it starts unless it clears its environment).

import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";

/** The environment variable that marks every process of one build (its value is unique per run). */
export const MARK_VARIABLE = "BUILDBTW_BUILD_MARK";

export interface RunOptions {
  cwd: string;
  /** The whole environment of the process (nothing is inherited); the mark is added. */
  env: Record<string, string>;
  /** Output (stdout and stderr merged, in order) as it arrives. */
  log: (chunk: string) => void;
  /** Aborting kills the process and everything it started; run() then rejects with the signal's reason. */
  signal: AbortSignal;
  /** How long SIGTERM may take before SIGKILL (default 5 s): sudo relays TERM, not KILL, to its command. */
  graceMs?: number;
}

export interface RunResult {
  /** The exit status, or null when a signal ended the process. */
  code: number | null;
  signal: string | null;
  /** Processes still alive after the main one exited (daemons a build left behind), killed. */
  leftovers: number;
}

/** "exited with status 4" / "was killed by SIGKILL": the end of a sentence about a command. */
export function describeExit(result: Pick<RunResult, "code" | "signal">): string {
  return result.signal ? `was killed by ${result.signal}` : `exited with status ${result.code}`;
}

/**
 * Run `cmd` in a new session (so its process group is its own), streaming its output to `log`. Resolves
 * when it exits, after killing whatever it left running; rejects with `signal.reason` when aborted, after
 * everything it started is gone.
 */
export async function run(cmd: string[], options: RunOptions): Promise<RunResult> {
  options.signal.throwIfAborted();
  const mark = randomUUID();
  // `2>&1` at the file-descriptor level keeps stdout and stderr in the order the build wrote them.
  const proc = Bun.spawn(["/bin/sh", "-c", 'exec "$@" 2>&1', "sh", ...cmd], {
    cwd: options.cwd,
    env: { ...options.env, [MARK_VARIABLE]: mark },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "ignore",
    detached: true,
  });
  const group = proc.pid;
  let killing: Promise<void> | undefined;
  const onAbort = () => {
    killing ??= terminate(group, mark, proc.exited, options.graceMs ?? 5000);
  };
  options.signal.addEventListener("abort", onAbort, { once: true });
  const reading = (async () => {
    const decoder = new TextDecoder();
    const reader = proc.stdout.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text !== "") options.log(text);
    }
    const rest = decoder.decode();
    if (rest !== "") options.log(rest);
  })();
  let leftovers = 0;
  try {
    await proc.exited;
    // A background process the build left behind would hold the output pipe open forever: kill it first.
    if (!killing) leftovers = await killAll(group, mark);
    await reading;
  } finally {
    options.signal.removeEventListener("abort", onAbort);
  }
  if (killing) {
    await killing;
    throw options.signal.reason;
  }
  const ended = proc.signalCode;
  return { code: ended ? null : proc.exitCode, signal: ended ? String(ended) : null, leftovers };
}

/** SIGTERM to the group, then (after `graceMs` or once the main process exited) SIGKILL to everything. */
async function terminate(group: number, mark: string, exited: Promise<number>, graceMs: number): Promise<void> {
  for (const pid of await members(group, mark)) signal(pid, "SIGTERM");
  signal(-group, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  await killAll(group, mark);
}

/**
 * SIGKILL the group, its descendants and every marked process until none is left (a process may fork
 * while we kill). Returns how many processes were killed.
 */
export async function killAll(group: number, mark: string): Promise<number> {
  const killed = new Set<number>();
  for (let pass = 0; pass < 50; pass++) {
    const alive = await members(group, mark);
    if (alive.length === 0) break;
    signal(-group, "SIGKILL");
    for (const pid of alive) {
      signal(pid, "SIGKILL");
      killed.add(pid);
    }
    await Bun.sleep(10);
  }
  return killed.size;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already (ESRCH), or never ours to signal (EPERM): nothing to do either way.
  }
}

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
}

/** Living (not zombie) processes that belong to the build: in its group, below its leader, or marked. */
async function members(group: number, mark: string): Promise<number[]> {
  const table = await processTable();
  const children = new Map<number, number[]>();
  for (const p of table.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found = new Set<number>();
  const below = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      if (found.has(child)) continue;
      found.add(child);
      below(child);
    }
  };
  // Descendants are found through the leader only while it lives (orphans are re-parented anyway), so a
  // pid reused after it exited never leads us to someone else's processes.
  const leader = table.get(group);
  if (leader !== undefined && leader.pgrp === group) {
    found.add(group);
    below(group);
  }
  for (const p of table.values()) if (p.pgrp === group) found.add(p.pid);
  const needle = `${MARK_VARIABLE}=${mark}\0`;
  await Promise.all(
    [...table.values()].map(async (p) => {
      if (found.has(p.pid) || p.pid === process.pid) return;
      const environ = await readFile(`/proc/${p.pid}/environ`, "latin1").catch(() => "");
      if (environ.includes(needle)) found.add(p.pid);
    }),
  );
  return [...found].filter((pid) => {
    const p = table.get(pid);
    return p !== undefined && p.state !== "Z" && p.state !== "X" && pid !== process.pid;
  });
}

async function processTable(): Promise<Map<number, ProcessEntry>> {
  const table = new Map<number, ProcessEntry>();
  const names = await readdir("/proc").catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      if (!/^\d+$/.test(name)) return;
      const stat = await readFile(`/proc/${name}/stat`, "latin1").catch(() => "");
      const entry = parseStat(stat);
      if (entry) table.set(entry.pid, entry);
    }),
  );
  return table;
}

/** `/proc/PID/stat`: "pid (comm) state ppid pgrp …"; comm may itself contain spaces and parentheses. */
export function parseStat(stat: string): ProcessEntry | null {
  const close = stat.lastIndexOf(")");
  if (close === -1) return null;
  const pid = Number.parseInt(stat, 10);
  const [state, ppid, pgrp] = stat
    .slice(close + 2)
    .split(" ")
    .slice(0, 3);
  if (!Number.isInteger(pid) || state === undefined || ppid === undefined || pgrp === undefined) return null;
  return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp) };
}

/** `text` as one shell word: safe inside a generated makepkg.conf or script. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
