// The release check of one iteration (GET /api/v1/namespaces/NAME/release, `buildbtw release-check`, the
// namespace page): per architecture, every pkgbase with its version at main and as built, its package files
// with size and sha256, the origins' soname provisions before and after, the dependencies a release would
// leave unmet, and the verdict.
import type { ReleaseArch, ReleaseCheck, ReleasePkgbase } from "../../api/schemas";
import { kindOf } from "../../core/build-spec";
import { duplicatePkgnames, duplicateSentence } from "../../core/duplicates";
import { NotFound } from "../../core/errors";
import { mergeForArch } from "../../core/merge";
import { formatVersion } from "../../core/package-file";
import type { BuildRecord, IterationRecord, NamespaceRecord } from "../../core/records";
import {
  type CheckedPackage,
  type MainPkgbase,
  type ReleaseNode,
  sonameProvisions,
  unmetDependencies,
  unmetSentence,
} from "../../core/release";
import type { SourceEntry } from "../../core/types";
import { type ArtifactRecord, listArtifacts } from "../../db/artifacts";
import { listIterationBuilds } from "../../db/builds";
import { getIteration, latestIteration } from "../../db/iterations";
import type { RepoEntry } from "../../pacman/repo-db";
import type { ServerDeps } from "../deps";
import { requireNamespace } from "./update-namespace";

export function checkRelease(deps: ServerDeps, name: string, q: { iteration?: number; arch?: string }): ReleaseCheck {
  const ns = requireNamespace(deps, name);
  const latest = latestIteration(deps.db, ns.id);
  const it = q.iteration === undefined ? latest : getIteration(deps.db, ns.id, q.iteration);
  if (!it || !latest)
    throw new NotFound(`namespace ${name} has no iteration${q.iteration ? ` ${q.iteration}` : " yet"}`);
  if (q.arch && !(q.arch in it.graph)) throw new NotFound(`iteration ${it.id} of ${name} has no ${q.arch} graph`);
  const builds = listIterationBuilds(deps.db, it.id);
  const architectures: Record<string, ReleaseArch> = {};
  for (const arch of Object.keys(it.graph)) {
    if (q.arch && arch !== q.arch) continue;
    architectures[arch] = checkArch(
      deps,
      ns,
      it,
      latest.id,
      arch,
      builds.filter((b) => b.arch === arch),
    );
  }
  const verdicts = Object.values(architectures);
  return {
    namespace: ns.name,
    iteration: it.id,
    current: it.id === latest.id,
    releasable: verdicts.length > 0 && verdicts.every((a) => a.releasable),
    architectures,
  };
}

function mainPackages(entry: SourceEntry, arch: string): CheckedPackage[] {
  const version = formatVersion(entry.srcinfo.version);
  return mergeForArch(entry.srcinfo, arch).map((p) => ({
    pkgname: p.pkgname,
    version,
    depends: p.depends,
    provides: p.provides,
  }));
}

function* mainUniverse(deps: ServerDeps, arch: string): Generator<MainPkgbase> {
  for (const entry of deps.catalog.entries()) {
    const packages = mainPackages(entry, arch);
    if (packages.length > 0) yield { pkgbase: entry.pkgbase, version: formatVersion(entry.srcinfo.version), packages };
  }
}

function checkArch(
  deps: ServerDeps,
  ns: NamespaceRecord,
  it: IterationRecord,
  latestId: number,
  arch: string,
  builds: BuildRecord[],
): ReleaseArch {
  const byBuild = new Map<number, ArtifactRecord[]>();
  for (const a of listArtifacts(deps.db, it.id, arch)) byBuild.set(a.buildId, [...(byBuild.get(a.buildId) ?? []), a]);

  const nodes: ReleaseNode[] = [];
  const pkgbases: ReleasePkgbase[] = [];
  for (const b of builds) {
    // Entries were checked when they were stored; read back as they are (the page shows thousands of them).
    const entries = (byBuild.get(b.id) ?? []).map((a) => ({ artifact: a, entry: a.entry as RepoEntry }));
    const built = entries.map(({ entry }) => ({
      pkgname: entry.pkginfo.pkgname,
      version: entry.pkginfo.version,
      depends: entry.pkginfo.depends,
      provides: entry.pkginfo.provides,
    }));
    const kind = kindOf(b.spec);
    nodes.push({
      pkgbase: b.pkgbase,
      kind,
      notBuilt: b.status === "built" ? null : b.status === "failed" ? "build failed" : b.status,
      built,
    });
    const main = deps.catalog.entry(b.pkgbase);
    pkgbases.push({
      pkgbase: b.pkgbase,
      commit: b.commit,
      kind,
      status: b.status,
      failure_reason: b.failureReason,
      main_version: main ? formatVersion(main.srcinfo.version) : null,
      built_version: formatVersion(b.spec.version),
      bump: b.spec.bump ?? null,
      files: entries.map(({ artifact, entry }) => ({
        file: artifact.fileName,
        pkgname: entry.pkginfo.pkgname,
        size: artifact.size,
        sha256: entry.sha256,
      })),
      sonames:
        kind === "origin"
          ? {
              before: main ? mainPackages(main, arch).flatMap((p) => sonameProvisions(p.provides)) : [],
              after: built.flatMap((p) => sonameProvisions(p.provides)),
            }
          : null,
    });
  }

  const unmet = unmetDependencies(mainUniverse(deps, arch), nodes).map((u) => ({ ...u, sentence: unmetSentence(u) }));
  const reasons: string[] = [];
  if (it.id !== latestId)
    reasons.push(`iteration ${it.id} is superseded by iteration ${latestId}: only the latest can be released`);
  if (ns.status !== "active") reasons.push(`namespace ${ns.name} is cancelled`);
  if (ns.bump === "none")
    reasons.push("the namespace builds rebuilds as committed (--bump none): their versions are main's, not releasable");
  const notBuilt = builds.filter((b) => b.status !== "built");
  if (notBuilt.length > 0)
    reasons.push(
      `${notBuilt.length} of ${builds.length} builds are not built: ${notBuilt
        .slice(0, 10)
        .map(
          (b) =>
            `${b.pkgbase} (${b.status === "failed" ? `failed: ${b.failureReason ?? "the build failed"}` : b.status})`,
        )
        .join(", ")}${notBuilt.length > 10 ? ` and ${notBuilt.length - 10} more` : ""}`,
    );
  for (const d of duplicatePkgnames(it.graph[arch]?.nodes ?? [])) reasons.push(duplicateSentence(d));
  for (const u of unmet) reasons.push(u.sentence);
  return { releasable: reasons.length === 0, reasons, pkgbases, unmet, dependencies_checked: true };
}
