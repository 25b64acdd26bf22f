// One interface for every way of turning a lease into package files (README.md, Architecture: workers and leases):
// fake, makepkg, pkgctl.
import type { Lease } from "../api/schemas";

export interface BuildContext {
  /** An empty directory owned by this build; the worker removes it after upload. */
  workDir: string;
  /** Build output as it happens; the worker batches it to the server's live log. */
  log: (chunk: string) => void;
  /** Aborted when the build must stop (lease stale or cancelled, worker abandoning): stop and throw. */
  signal: AbortSignal;
}

export type BuildOutcome =
  | { status: "built" /** Absolute paths, inside workDir. */; files: string[] }
  | { status: "failed" /** One sentence for the packager, e.g. "makepkg exited with status 4". */; reason: string };

export interface Driver {
  readonly name: string;
  build(job: Lease, ctx: BuildContext): Promise<BuildOutcome>;
}
