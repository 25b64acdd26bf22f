// README.md, Architecture: pacman repositories: the file name must be one the build predicts, its .PKGINFO must agree,
// and the file is moved atomically into the build's staging directory. It reaches the repository only when the
// build reports built (report-result.ts); a file another build of the iteration uploaded is never replaced.
// The body is streamed to a temporary file (hashed on the way) only after the cheap checks passed, and
// checked from disk: no upload is held in memory.
import { rm } from "node:fs/promises";
import { expectedFiles, optionalFiles } from "../../core/build-spec";
import { Invalid } from "../../core/errors";
import { formatVersion } from "../../core/package-file";
import type { BuildRecord, WorkerRecord } from "../../core/records";
import { findArtifact, upsertArtifact } from "../../db/artifacts";
import { getBuild } from "../../db/builds";
import { getNamespaceById } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ReceivedFile } from "../../lib/receive";
import type { ServerDeps } from "../deps";
import { isoNow } from "./build-lifecycle";
import { currentLease } from "./current-lease";

/** Streams the request body to a temporary file; called once the upload is known to be wanted. */
export type Receive = () => Promise<ReceivedFile>;

export function uploadPackage(
  deps: ServerDeps,
  worker: WorkerRecord,
  leaseId: string,
  fileName: string,
  receive: Receive,
): Promise<{ file: string; size: number }> {
  return storeUpload(deps, () => currentLease(deps, leaseId, worker), fileName, receive);
}

/** An upload for the build `current` names (a worker's lease or a pipeline's token); checked again before it counts. */
export async function storeUpload(
  deps: ServerDeps,
  current: () => BuildRecord,
  fileName: string,
  receive: Receive,
): Promise<{ file: string; size: number }> {
  const build = current();
  const expected = [...expectedFiles(build.spec), ...optionalFiles(build.spec)];
  if (!expected.includes(fileName)) {
    throw new Invalid(`${fileName} is not a package this build produces (expected: ${expected.join(", ")})`);
  }
  notAnothers(deps, build, fileName);
  const file = await receive();
  try {
    const entry = await deps.packages.check({
      fileName,
      file,
      expected: {
        fileNames: expected,
        pkgbase: build.pkgbase,
        version: formatVersion(build.spec.version),
        arch: build.spec.packages.find((p) => p.file === fileName)?.arch ?? build.arch,
      },
    });
    // The lease (or pipeline) may have ended while the body streamed in.
    current();
    const ns = getNamespaceById(deps.db, build.namespaceId)!;
    await deps.packages.store(deps.publisher.stagingDir(build.id), fileName, file);
    inTransaction(deps.db, () => {
      // Re-check: the lease (or pipeline) may have ended, or another build taken the name, while the file was moved.
      current();
      notAnothers(deps, build, fileName);
      upsertArtifact(
        deps.db,
        {
          iterationId: build.iterationId,
          arch: build.arch,
          buildId: build.id,
          fileName,
          size: file.size,
          entry,
          staged: true,
        },
        isoNow(deps),
      );
    });
    deps.metrics.uploads.inc({ arch: build.arch });
    deps.metrics.uploadBytes.inc({ arch: build.arch }, file.size);
    deps.log.info("package staged", {
      namespace: ns.name,
      iteration: build.iterationId,
      pkgbase: build.pkgbase,
      file: fileName,
      size: file.size,
    });
    return { file: fileName, size: file.size };
  } finally {
    // Gone already when it was moved into place.
    await rm(file.path, { force: true });
  }
}

/** Two pkgbases of a namespace building one pkgname: the first upload keeps the name, the second is refused. */
function notAnothers(deps: ServerDeps, build: BuildRecord, fileName: string): void {
  const other = findArtifact(deps.db, build.iterationId, build.arch, fileName);
  if (other === null || other.buildId === build.id) return;
  const owner = getBuild(deps.db, other.buildId);
  // Invalid, not Conflict: a 409 tells a worker its lease is gone; this build must fail with the reason.
  throw new Invalid(
    `${fileName} was already uploaded by ${owner?.pkgbase ?? `build ${other.buildId}`}; two pkgbases of this namespace build the same pkgname and neither replaces the other's file`,
  );
}
