// Package uploads: the request body streams to DATA_DIR/tmp/uploads (same file system as the repositories,
// so accepting a file is a rename), limited by BUILDBTW_MAX_UPLOAD_BYTES as it arrives.
import type { Context } from "hono";
import { pathInside } from "../../lib/paths";
import { receiveToFile } from "../../lib/receive";
import type { ServerDeps } from "../deps";
import type { Receive } from "../usecases/upload-package";

/** Where uploads are received; swept at start (anything there is a crash's leftover). */
export const uploadsDir = (deps: Pick<ServerDeps, "config">) => pathInside(deps.config.dataDir, "tmp", "uploads");

export function receiveBody(deps: ServerDeps, c: Context): Receive {
  return () =>
    receiveToFile(
      c.req.raw.body,
      uploadsDir(deps),
      deps.config.maxUploadBytes,
      c.req.header("content-length"),
      "a package file",
    );
}
