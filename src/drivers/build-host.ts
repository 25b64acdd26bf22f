// What the makepkg and pkgctl drivers share on the build host: the build user, fetching the lease's exact
// commit, upstream PGP keys, and picking the predicted package files out of PKGDEST.
import { existsSync } from "node:fs";
import { chown, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import type { Lease } from "../api/schemas";
import { bumpPkgbuild, bumpSrcinfo, NonStandardPkgrel } from "../core/bump";
import { InvalidName, parseCommitId } from "../core/names";
import { pathInside } from "../lib/paths";
import type { BuildContext, BuildOutcome } from "./driver";
import { describeExit, run } from "./process";

/** A driver step that could not go on: the build fails with this sentence. */
export class StepFailed extends Error {
  override name = "StepFailed";
}

export const failed = (reason: string): BuildOutcome => ({ status: "failed", reason });

/** Run a driver's steps; a StepFailed becomes the failed outcome, anything else propagates. */
export async function steps(body: () => Promise<BuildOutcome>): Promise<BuildOutcome> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof StepFailed) return failed(error.message);
    throw error;
  }
}

/** Who runs the build. */
export interface BuildUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** Whether the worker must switch to this user (it runs as root); otherwise the build runs as the worker. */
  switches: boolean;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** One passwd entry by name, or null (read with getent, so NSS users count too). */
export function lookupUser(name: string): Omit<BuildUser, "switches"> | null {
  if (!/^[a-z_][a-z0-9_-]*\$?$/i.test(name)) return null;
  const result = Bun.spawnSync(["getent", "passwd", name], { stdout: "pipe", stderr: "ignore" });
  const fields = result.stdout.toString().trim().split(":");
  if (result.exitCode !== 0 || fields.length < 7) return null;
  return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] as string };
}

/**
 * The user builds run as: `buildUser` when the worker runs as root (makepkg refuses root), the worker's own
 * user otherwise. A missing build user fails the build with the command that creates it.
 */
export function buildUser(name: string): BuildUser {
  if (!isRoot()) {
    const uid = process.getuid?.() ?? -1;
    const gid = process.getgid?.() ?? -1;
    return { name: process.env.USER ?? String(uid), uid, gid, home: process.env.HOME ?? "/", switches: false };
  }
  const entry = lookupUser(name);
  if (entry === null)
    throw new StepFailed(
      `the build user ${name} does not exist: create it with \`useradd --system --create-home --home-dir /var/lib/${name} --shell /usr/sbin/nologin ${name}\` (scripts/setup.sh does), or name another one with --build-user`,
    );
  if (entry.uid === 0) throw new StepFailed(`the build user ${name} is root; makepkg refuses to build as root`);
  return { ...entry, switches: true };
}

/** The command prefix that runs a command as `user` (nothing when the worker is that user already). */
export const asUser = (user: BuildUser): string[] =>
  user.switches ? ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--"] : [];

/** Hand `dir` (recursively) to the build user. */
export async function giveTo(user: BuildUser, dir: string): Promise<void> {
  if (!user.switches) return;
  const result = Bun.spawnSync(["chown", "-R", `${user.uid}:${user.gid}`, "--", dir], { stderr: "pipe" });
  if (result.exitCode !== 0) throw new StepFailed(`could not hand ${dir} to ${user.name}: ${result.stderr}`.trim());
  await chown(dir, user.uid, user.gid);
}

/** Fail unless the build user can write `dir`: every parent directory must be searchable by it. */
export async function checkReachable(user: BuildUser, dir: string, ctx: BuildContext): Promise<void> {
  if (!user.switches) return;
  const probe = await run([...asUser(user), "test", "-w", dir], {
    cwd: "/",
    env: { PATH: hostPath() },
    log: ctx.log,
    signal: ctx.signal,
  });
  if (probe.code !== 0)
    throw new StepFailed(
      `the build user ${user.name} cannot write ${dir}: make every parent directory searchable by it (chmod o+x) or choose a --work-dir it can reach`,
    );
}

/** The builds' PACKAGER: a known identity instead of "Unknown Packager", which other tooling often rejects. */
export const workerPackager = (): string => `buildbtw worker on ${hostname()} <buildbtw@${hostname()}>`;

export const hostPath = (): string =>
  process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The environment git runs with as the worker: its own HOME (credentials, proxies), never a prompt. */
function gitEnv(globalConfig?: string): Record<string, string> {
  const env: Record<string, string> = { PATH: hostPath(), LANG: "C.UTF-8", GIT_TERMINAL_PROMPT: "0" };
  if (globalConfig) env.GIT_CONFIG_GLOBAL = globalConfig;
  for (const key of [
    "HOME",
    "SSH_AUTH_SOCK",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
  ]) {
    const value = process.env[key];
    if (value) env[key] = value;
  }
  return env;
}

/**
 * Clone the lease's source into `dir` and check out exactly its commit (never the branch tip: the server
 * planned this build from that commit). A commit the clone lacks is fetched by id once, then fails the build.
 */
export async function fetchSource(job: Lease, dir: string, ctx: BuildContext): Promise<void> {
  let commit: string;
  try {
    commit = parseCommitId(job.commit);
  } catch (error) {
    if (error instanceof InvalidName) throw new StepFailed(`refusing the lease's commit: ${error.message}`);
    throw error;
  }
  const globalConfig = await localSourceConfig(job.source_url, dirname(dir));
  const git = async (cwd: string, ...args: string[]) =>
    run(["git", "-c", "advice.detachedHead=false", ...args], {
      cwd,
      env: gitEnv(globalConfig),
      log: ctx.log,
      signal: ctx.signal,
    });

  ctx.log(`==> buildbtw: cloning ${job.source_url}\n`);
  const cloned = await git("/", "clone", "--quiet", "--no-checkout", "--", job.source_url, dir);
  if (cloned.code !== 0) throw new StepFailed(`could not clone ${job.source_url}: git ${describeExit(cloned)}`);
  const has = async () => (await git(dir, "cat-file", "-e", `${commit}^{commit}`)).code === 0;
  if (!(await has())) {
    ctx.log(`==> buildbtw: ${commit} is on no branch of the clone; fetching it by id\n`);
    await git(dir, "fetch", "--quiet", "origin", commit);
    if (!(await has())) throw new StepFailed(`commit ${commit} is not in ${job.source_url}`);
  }
  const checkout = await git(dir, "checkout", "--quiet", "--detach", commit);
  if (checkout.code !== 0) throw new StepFailed(`could not check out ${commit}: git ${describeExit(checkout)}`);
  ctx.log(`==> buildbtw: checked out ${commit}\n`);
}

/**
 * For a source on this host (the server's REPOS_DIR, often another user's): a global git configuration
 * that trusts that one repository — git refuses to read a repository someone else owns ("dubious
 * ownership"), and only global or system configuration may say otherwise — and includes the worker's own.
 */
async function localSourceConfig(sourceUrl: string, inDir: string): Promise<string | undefined> {
  const path = sourceUrl.startsWith("file://") ? decodeURIComponent(sourceUrl.slice("file://".length)) : sourceUrl;
  if (!isAbsolute(path)) return undefined;
  if (/[\n\r\0]/.test(path)) throw new StepFailed(`refusing source path ${JSON.stringify(path)}`);
  const home = process.env.HOME;
  const own = [
    ...(home ? [join(home, ".gitconfig")] : []),
    join(process.env.XDG_CONFIG_HOME || (home ? join(home, ".config") : "/nonexistent"), "git", "config"),
  ].filter((file) => existsSync(file));
  const quote = (value: string) => `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  const lines = [
    "# Written by buildbtw for one clone: the worker's git configuration, and trust in the local source.",
    ...(own.length > 0 ? ["[include]", ...own.map((file) => `\tpath = ${quote(file)}`)] : []),
    "[safe]",
    `\tdirectory = ${quote(path.replace(/\/+$/, ""))}`,
    `\tdirectory = ${quote(join(path, ".git"))}`,
    "",
  ];
  const file = join(inDir, "gitconfig");
  await writeFile(file, lines.join("\n"));
  return file;
}

/**
 * A rebuild's pkgrel bump, applied to the checked-out PKGBUILD and .SRCINFO exactly as the server decided it.
 * A PKGBUILD without a plain `pkgrel=VALUE` line fails the build (devtools refuses it too).
 */
export async function applyBump(job: Lease, sourceDir: string, ctx: BuildContext): Promise<void> {
  const bump = job.bump;
  if (!bump) return;
  await bumpCheckout(sourceDir, bump);
  ctx.log(`==> buildbtw: rebuild: pkgrel ${bump.from} → ${bump.to} in PKGBUILD and .SRCINFO\n`);
}

/** Rewrite `dir`'s PKGBUILD and .SRCINFO (when there is one) for `bump`; StepFailed when it cannot. */
export async function bumpCheckout(dir: string, bump: { from: string; to: string }): Promise<void> {
  try {
    const pkgbuild = join(dir, "PKGBUILD");
    const bumped = bumpPkgbuild(await readFile(pkgbuild, "utf8"), bump);
    const srcinfo = join(dir, ".SRCINFO");
    const srcinfoText = existsSync(srcinfo) ? bumpSrcinfo(await readFile(srcinfo, "utf8"), bump) : null;
    await writeFile(pkgbuild, bumped);
    if (srcinfoText !== null) await writeFile(srcinfo, srcinfoText);
  } catch (error) {
    if (error instanceof NonStandardPkgrel) throw new StepFailed(error.message);
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new StepFailed("the source has no PKGBUILD");
    throw error;
  }
}

/** The package's upstream PGP keys, `keys/pgp/*.asc` in its source (Arch's packaging layout). */
export async function upstreamKeys(sourceDir: string): Promise<string[]> {
  const dir = join(sourceDir, "keys", "pgp");
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => n.endsWith(".asc")).sort();
  return names.map((n) => join(dir, n));
}

/** `gpg --import` the keys as the build user, into the keyring under `home`. */
export async function importKeys(user: BuildUser, home: string, keys: string[], ctx: BuildContext): Promise<void> {
  if (keys.length === 0) return;
  ctx.log(`==> buildbtw: importing ${keys.length} upstream PGP key(s) into ${user.name}'s keyring in ${home}\n`);
  const result = await run([...asUser(user), "gpg", "--batch", "--no-tty", "--import", "--", ...keys], {
    cwd: "/",
    env: { PATH: hostPath(), HOME: home, LANG: "C.UTF-8" },
    log: ctx.log,
    signal: ctx.signal,
  });
  if (result.code !== 0) throw new StepFailed(`importing the upstream PGP keys failed: gpg ${describeExit(result)}`);
}

/**
 * The predicted files out of `pkgdest`, in the lease's order. A missing one fails the build (`tool` did not
 * produce it); files nobody predicted are listed in the log and left out of the upload.
 */
export async function collectPackages(
  job: Lease,
  pkgdest: string,
  tool: string,
  ctx: BuildContext,
): Promise<BuildOutcome> {
  const present = new Set(existsSync(pkgdest) ? await readdir(pkgdest) : []);
  for (const name of job.expected_files) {
    if (basename(name) !== name) return failed(`refusing package file name ${JSON.stringify(name)}`);
  }
  const missing = job.expected_files.filter((name) => !present.has(name));
  // The -debug package is made only when makepkg finds debug symbols: uploaded when it is there.
  const optional = job.optional_files.filter((name) => basename(name) === name && present.has(name));
  const wanted = [...job.expected_files, ...optional];
  const extra = [...present].filter((name) => !wanted.includes(name)).sort();
  for (const name of extra)
    ctx.log(`==> buildbtw: not uploading ${name}: it is not one of the predicted package files\n`);
  if (missing.length > 0) return failed(`${tool} did not produce ${missing.join(", ")}`);
  const files: string[] = [];
  for (const name of wanted) {
    const path = pathInside(pkgdest, name);
    if (!(await stat(path)).isFile()) return failed(`${name} in PKGDEST is not a file`);
    files.push(path);
  }
  ctx.log(`==> buildbtw: ${files.length} package file(s) ready: ${wanted.join(", ")}\n`);
  return { status: "built", files };
}
