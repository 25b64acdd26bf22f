// Child processes of a stage: their output goes to the job log (our stdout, which gitlab-runner forwards) and, for the
// build, to the server's live log too. Children stay in our process group, so the runner's SIGTERM/SIGKILL to the group
// on cancel or timeout (src/gitlab/README.md, Runner: the custom executor) reaches them as well.
import { constants } from "node:os";
import { SystemFailure } from "./failures";

export interface RunOptions {
  /** The child's environment (default ours), always without the runner's token. */
  env?: Record<string, string | undefined>;
  /** Every chunk of stdout and stderr, as it arrives (already written to our stdout). */
  onOutput?: (chunk: string) => void;
  /** Aborting terminates the child: SIGTERM, then SIGKILL after KILL_AFTER_MS. */
  signal?: AbortSignal;
}

const KILL_AFTER_MS = 10_000;

// The runner's token stays with the executor: runner scripts, isolation commands and builds never see it,
// whether it came from the runner's own environment or from config.toml as CUSTOM_ENV_ (config/executor.ts).
const SECRETS = new Set(["BUILDBTW_TOKEN", "CUSTOM_ENV_BUILDBTW_TOKEN"]);

function withoutSecrets(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !SECRETS.has(key)) out[key] = value;
  return out;
}

/** Run `argv` to its end and return its exit status (128 + signal number when a signal ended it). */
export async function runProcess(argv: string[], options: RunOptions = {}): Promise<number> {
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn(argv, {
      env: withoutSecrets(options.env ?? process.env),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (error) {
    const why = (error as { code?: string }).code === "ENOENT" ? "it is not installed or not on PATH" : String(error);
    throw new SystemFailure(`cannot run ${argv[0]}: ${why}`);
  }
  const onAbort = () => {
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS).unref();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort);
  const forward = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      process.stdout.write(value);
      options.onOutput?.(decoder.decode(value, { stream: true }));
    }
  };
  try {
    await Promise.all([
      forward(child.stdout as ReadableStream<Uint8Array>),
      forward(child.stderr as ReadableStream<Uint8Array>),
    ]);
    const code = await child.exited;
    const signal = child.signalCode as keyof typeof constants.signals | null;
    return signal ? 128 + (constants.signals[signal] ?? 0) : code;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}
