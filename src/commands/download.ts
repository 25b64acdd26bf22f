// `buildbtw download NAME`: the built package files of an iteration, checked against the server's sizes and
// sha256 sums, into a directory (--dest) or into packaging checkouts laid out as `pkgctl repo clone` does
// (--into DIR/<pkgbase>), with each rebuild's pkgrel bump applied exactly as the builder applied it, so that
// `pkgctl release` in each checkout signs and uploads what buildbtw built.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { repoPath } from "../api/routes";
import type { ReleaseCheck, ReleasePkgbase } from "../api/schemas";
import { clientFlags } from "../config/client";
import { bumpPkgbuild, bumpSrcinfo, NonStandardPkgrel } from "../core/bump";
import { Invalid } from "../core/errors";
import { archArg, iterationArg, namespaceArg } from "./client-args";
import { connect } from "./client-connect";
import { execute, jsonFlag, printJson, printLines } from "./support";

interface Wanted {
  file: string;
  size: number;
  sha256: string;
  arch: string;
}

type Fetched = { file: string; status: "downloaded" | "present" } | { file: string; status: "failed"; reason: string };

const sha256Of = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");

/** Whether `path` is already the wanted file (size first: cheap). */
const isPresent = (path: string, w: Wanted): boolean =>
  existsSync(path) && statSync(path).size === w.size && sha256Of(path) === w.sha256;

/**
 * Download one file into `dir` atomically: into a hidden temporary name, checked against the server's size
 * and sha256, then renamed. A file that does not match is removed, never left behind.
 */
async function fetchInto(
  serverUrl: string,
  check: ReleaseCheck,
  w: Wanted,
  dir: string,
  target = join(dir, w.file),
): Promise<Fetched> {
  if (isPresent(target, w)) return { file: w.file, status: "present" };
  const temp = join(dir, `.${w.file}.buildbtw-part`);
  try {
    const url = `${serverUrl}${repoPath(check.namespace, check.iteration, w.arch)}${encodeURIComponent(w.file)}`;
    const res = await fetch(url);
    if (!res.ok || !res.body) return { file: w.file, status: "failed", reason: `the server answered ${res.status}` };
    const hash = createHash("sha256");
    const out = Bun.file(temp).writer();
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      hash.update(chunk);
      size += chunk.byteLength;
      out.write(chunk);
    }
    await out.end();
    const sum = hash.digest("hex");
    if (size !== w.size || sum !== w.sha256) {
      rmSync(temp, { force: true });
      return {
        file: w.file,
        status: "failed",
        reason: `it does not match the server's record (got ${size} bytes, sha256 ${sum.slice(0, 12)}…; expected ${w.size} bytes, sha256 ${w.sha256.slice(0, 12)}…)`,
      };
    }
    renameSync(temp, target);
    return { file: w.file, status: "downloaded" };
  } catch (error) {
    rmSync(temp, { force: true });
    return { file: w.file, status: "failed", reason: (error as Error).message };
  }
}

/** Built pkgbases per architecture, each with the files to fetch. */
function builtPkgbases(check: ReleaseCheck): { arch: string; p: ReleasePkgbase; files: Wanted[] }[] {
  const out = [];
  for (const [arch, a] of Object.entries(check.architectures))
    for (const p of a.pkgbases)
      if (p.status === "built") out.push({ arch, p, files: p.files.map((f) => ({ ...f, arch })) });
  return out;
}

function progress(done: number, total: number, r: Fetched): void {
  const what = r.status === "failed" ? `could not get ${r.file}: ${r.reason}` : `${r.status} ${r.file}`;
  process.stderr.write(`[${done}/${total}] ${what}\n`);
}

async function toDest(serverUrl: string, check: ReleaseCheck, dest: string): Promise<Fetched[]> {
  if (!existsSync(dest) || !statSync(dest).isDirectory()) throw new Invalid(`--dest ${dest} is not a directory`);
  const seen = new Set<string>();
  const wanted = builtPkgbases(check)
    .flatMap((b) => b.files)
    // An `any` package is in every architecture's repository: one copy.
    .filter((w) => !seen.has(w.file) && seen.add(w.file));
  const results: Fetched[] = [];
  for (const w of wanted) {
    const r = await fetchInto(serverUrl, check, w, dest);
    results.push(r);
    progress(results.length, wanted.length, r);
  }
  return results;
}

interface CheckoutResult {
  pkgbase: string;
  dir: string;
  status: "prepared" | "skipped";
  reason?: string;
  bumped?: boolean;
  files: Fetched[];
}

const git = (dir: string, ...args: string[]) => {
  const r = Bun.spawnSync(["git", "-C", dir, ...args], { stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: r.stdout.toString(), err: r.stderr.toString().trim() };
};

/**
 * Why a checkout may not be touched, or null when it is clean at the built commit. Changes that are exactly
 * an earlier run's work (the bump in PKGBUILD and .SRCINFO, the package files) do not count: a second run
 * finds the checkout prepared and has nothing to do.
 */
function checkoutProblem(dir: string, p: ReleasePkgbase, ours: Set<string>): string | null {
  if (!existsSync(dir)) return `${dir} does not exist (pkgctl repo clone ${p.pkgbase})`;
  const head = git(dir, "rev-parse", "--verify", "HEAD^{commit}");
  if (!head.ok) return `${dir} is not a git checkout`;
  if (head.out.trim() !== p.commit)
    return `${dir} is at ${head.out.trim().slice(0, 12)}, not at the built commit ${p.commit.slice(0, 12)}`;
  const status = git(dir, "status", "--porcelain", "--untracked-files=all");
  if (!status.ok) return `git status failed in ${dir}: ${status.err}`;
  const changed: string[] = [];
  for (const line of status.out.split("\n").filter(Boolean)) {
    const path = line.slice(3);
    if (line.startsWith("?? ") && (ours.has(path) || /^\.[^/]+\.buildbtw-part$/.test(path))) continue;
    if (line.slice(0, 2) === " M" && (path === "PKGBUILD" || path === ".SRCINFO") && p.bump) {
      const committed = git(dir, "show", `HEAD:${path}`);
      const bumped = path === "PKGBUILD" ? bumpPkgbuild(committed.out, p.bump) : bumpSrcinfo(committed.out, p.bump);
      if (committed.ok && readFileSync(join(dir, path), "utf8") === bumped) continue;
    }
    changed.push(path);
  }
  return changed.length > 0 ? `${dir} has local changes (${changed.slice(0, 5).join(", ")})` : null;
}

/** The bump as the builder applied it, to the checkout's PKGBUILD and .SRCINFO; false when an earlier run did. */
function applyBump(dir: string, bump: { from: string; to: string }): boolean {
  const pkgbuild = join(dir, "PKGBUILD");
  const text = readFileSync(pkgbuild, "utf8");
  // checkoutProblem let the checkout through: its PKGBUILD is either as committed or already bumped.
  if (text !== git(dir, "show", "HEAD:PKGBUILD").out) return false;
  const srcinfo = join(dir, ".SRCINFO");
  const nextSrcinfo = existsSync(srcinfo) ? bumpSrcinfo(readFileSync(srcinfo, "utf8"), bump) : null;
  writeFileSync(pkgbuild, bumpPkgbuild(text, bump));
  if (nextSrcinfo !== null) writeFileSync(srcinfo, nextSrcinfo);
  return true;
}

async function intoCheckouts(serverUrl: string, check: ReleaseCheck, into: string): Promise<CheckoutResult[]> {
  if (!existsSync(into) || !statSync(into).isDirectory()) throw new Invalid(`--into ${into} is not a directory`);
  const results: CheckoutResult[] = [];
  const built = builtPkgbases(check);
  const total = built.reduce((n, b) => n + b.files.length, 0);
  let done = 0;
  for (const { p, files } of built) {
    const dir = join(into, p.pkgbase);
    const ours = new Set(files.map((f) => f.file));
    let problem: string | null;
    try {
      problem = checkoutProblem(dir, p, ours);
    } catch (error) {
      if (!(error instanceof NonStandardPkgrel)) throw error;
      problem = `${dir}: ${error.message}`;
    }
    if (problem) {
      done += files.length;
      results.push({ pkgbase: p.pkgbase, dir, status: "skipped", reason: problem, files: [] });
      process.stderr.write(`skipping ${p.pkgbase}: ${problem}\n`);
      continue;
    }
    const fetched: Fetched[] = [];
    for (const w of files) {
      // Nothing is ever overwritten: a file of that name that is not the built one stays, and is reported.
      const target = join(dir, w.file);
      const r =
        existsSync(target) && !isPresent(target, w)
          ? {
              file: w.file,
              status: "failed" as const,
              reason: `${target} exists and is not the built file; not overwritten`,
            }
          : await fetchInto(serverUrl, check, w, dir);
      fetched.push(r);
      progress(++done, total, r);
    }
    const ok = fetched.every((f) => f.status !== "failed");
    const bumped = ok && p.bump ? applyBump(dir, p.bump) : false;
    results.push({
      pkgbase: p.pkgbase,
      dir,
      status: ok ? "prepared" : "skipped",
      bumped,
      files: fetched,
      ...(ok ? {} : { reason: "some files could not be downloaded" }),
    });
  }
  return results;
}

export default defineCommand({
  meta: {
    name: "download",
    description:
      "Download every built package file of an iteration (latest unless --iteration), checked against the server's " +
      "size and sha256, written atomically, skipping files already there with the right sum. --dest DIR puts them all " +
      "in DIR; --into DIR puts each pkgbase's files into its checkout DIR/<pkgbase> (as pkgctl repo clone lays them " +
      "out) when it is clean and at the built commit, and applies a rebuild's pkgrel bump to its PKGBUILD and .SRCINFO, " +
      "ready for pkgctl release. Checkouts that are missing, dirty or elsewhere are left alone and listed. Exit 1 " +
      "naming every file or checkout it could not do",
  },
  args: {
    name: { type: "positional", description: "Namespace name", required: true },
    iteration: { type: "string", description: "This iteration instead of the latest (its id)" },
    arch: { type: "string", description: "Only this architecture" },
    dest: { type: "string", description: "Put every package file in this directory" },
    into: { type: "string", description: "The directory of your pkgctl repo clone checkouts (DIR/<pkgbase>)" },
    ...clientFlags,
    ...jsonFlag,
  },
  run: ({ args }) =>
    execute(async () => {
      const name = namespaceArg(args.name);
      if ((args.dest === undefined) === (args.into === undefined))
        throw new Invalid("name where the packages go: --dest DIR (one directory) or --into DIR (your checkouts)");
      const client = connect(args);
      const check = await client.namespaces.release(name, {
        iteration: iterationArg(args.iteration),
        arch: archArg(args.arch),
      });
      if (args.dest !== undefined) {
        const results = await toDest(client.serverUrl, check, args.dest);
        const failed = results.filter((r) => r.status === "failed");
        if (args.json) printJson({ namespace: check.namespace, iteration: check.iteration, files: results });
        else
          printLines([
            `${results.filter((r) => r.status === "downloaded").length} downloaded, ${results.filter((r) => r.status === "present").length} already present, ${failed.length} failed, in ${args.dest}`,
            ...failed.map((f) => `could not get ${f.file}: ${"reason" in f ? f.reason : ""}`),
          ]);
        return failed.length > 0 ? 1 : 0;
      }
      const into = args.into as string;
      const results = await intoCheckouts(client.serverUrl, check, into);
      const prepared = results.filter((r) => r.status === "prepared").map((r) => r.pkgbase);
      const skipped = results.filter((r) => r.status === "skipped");
      const failedFiles = results.flatMap((r) => r.files.filter((f) => f.status === "failed"));
      if (args.json) printJson({ namespace: check.namespace, iteration: check.iteration, checkouts: results });
      else {
        const lines = [`${prepared.length} checkout(s) ready in ${into}; ${skipped.length} left alone`];
        for (const s of skipped) lines.push(`  ${s.pkgbase}: ${s.reason}`);
        for (const f of failedFiles) lines.push(`  could not get ${f.file}: ${"reason" in f ? f.reason : ""}`);
        if (!check.releasable)
          lines.push(
            `warning: ${check.namespace} is not releasable now: see buildbtw release-check ${check.namespace}`,
          );
        if (prepared.length > 0)
          lines.push(
            "",
            "Next, release them:",
            `  for pkg in ${prepared.join(" ")}; do (cd ${JSON.stringify(into)}/"$pkg" && pkgctl release --db-update) || break; done`,
          );
        printLines(lines);
      }
      return skipped.length > 0 || failedFiles.length > 0 ? 1 : 0;
    }),
});
