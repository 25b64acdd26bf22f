// Run the buildbtw CLI as a real process (from source, or the compiled binary when BUILDBTW_BIN is set).
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
export const MAIN = join(root, "src", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliCommand(): string[] {
  return process.env.BUILDBTW_BIN ? [process.env.BUILDBTW_BIN] : [process.execPath, MAIN];
}

/** Run a process to its end and collect what it printed; the environment is exactly `env`. */
export async function runProcess(
  command: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const proc = Bun.spawn(command, { cwd: opts.cwd, env: opts.env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return runProcess([...cliCommand(), ...args], {
    cwd: opts.cwd ?? root,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
  });
}

export async function runCliJson<T = unknown>(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<T> {
  const r = await runCli([...args, "--json"], opts);
  if (r.code !== 0) throw new Error(`buildbtw ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
