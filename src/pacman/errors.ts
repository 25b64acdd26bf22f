// The pacman adapter's refusals. All are core `Invalid`s, so every edge already maps them (HTTP 4xx with
// the message, commands exit 1 with one line); the subclasses let callers and tests tell them apart.
import { Invalid } from "../core/errors";

/** A package file was refused; the message is one sentence naming the file and the reason. */
export class PackageRejected extends Invalid {
  override name = "PackageRejected";
}

/** The bytes are not a readable package: not a known compression, not a tar archive, no valid .PKGINFO. */
export class NotAPackage extends PackageRejected {
  override name = "NotAPackage";
  /** `reason` completes "… is not a valid package file: "; `subject` names the file when known. */
  constructor(
    readonly reason: string,
    subject = "This file",
  ) {
    super(`${subject} is not a valid package file: ${reason}.`);
  }
}

/** The file name is not a package file name, or not one of the files the build node is expected to produce. */
export class UnexpectedPackageFile extends PackageRejected {
  override name = "UnexpectedPackageFile";
}

/** The package's own .PKGINFO disagrees with its file name or with the build node it was uploaded for. */
export class PackageMismatch extends PackageRejected {
  override name = "PackageMismatch";
}
