// README.md, Architecture: pacman repositories: the file name must be one the build predicts, its .PKGINFO must agree,
// the file is written atomically, then the repository database is rewritten (coalesced with other uploads).
import { expectedFiles } from "../../core/build-spec";
import { Invalid } from "../../core/errors";
import { formatVersion } from "../../core/package-file";
import type { BuildRecord, WorkerRecord } from "../../core/records";
import { upsertArtifact } from "../../db/artifacts";
import { getNamespaceById } from "../../db/namespaces";
import { inTransaction } from "../../db/tx";
import type { ServerDeps } from "../deps";
import { currentLease } from "./current-lease";

export function uploadPackage(
  deps: ServerDeps,
  worker: WorkerRecord,
  leaseId: string,
  fileName: string,
  bytes: Uint8Array,
): Promise<{ file: string; size: number }> {
  return storeUpload(deps, () => currentLease(deps, leaseId, worker), fileName, bytes);
}

/** An upload for the build `current` names (a worker's lease or a pipeline's token); checked again before it counts. */
export async function storeUpload(
  deps: ServerDeps,
  current: () => BuildRecord,
  fileName: string,
  bytes: Uint8Array,
): Promise<{ file: string; size: number }> {
  const build = current();
  const expected = expectedFiles(build.spec);
  if (!expected.includes(fileName)) {
    throw new Invalid(`${fileName} is not a package this build produces (expected: ${expected.join(", ")})`);
  }
  const entry = deps.packages.check({
    fileName,
    bytes,
    expected: {
      fileNames: expected,
      pkgbase: build.pkgbase,
      version: formatVersion(build.spec.version),
      arch: build.spec.packages.find((p) => p.file === fileName)?.arch ?? build.arch,
    },
  });
  const ns = getNamespaceById(deps.db, build.namespaceId)!;
  await deps.packages.store(deps.publisher.dir(ns.name, build.iterationId, build.arch), fileName, bytes);
  inTransaction(deps.db, () => {
    // Re-check: the lease (or pipeline) may have ended while the file was written.
    current();
    upsertArtifact(deps.db, {
      iterationId: build.iterationId,
      arch: build.arch,
      buildId: build.id,
      fileName,
      size: bytes.byteLength,
      entry,
    });
  });
  deps.metrics.uploads.inc({ arch: build.arch });
  deps.metrics.uploadBytes.inc({ arch: build.arch }, bytes.byteLength);
  await deps.publisher.publish(ns.name, build.iterationId, build.arch, entry);
  deps.log.info("package uploaded", {
    namespace: ns.name,
    iteration: build.iterationId,
    pkgbase: build.pkgbase,
    file: fileName,
  });
  return { file: fileName, size: bytes.byteLength };
}
