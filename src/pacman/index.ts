// The pacman adapter: package files in, repository databases out (design.md §8).
export { TEMP_PREFIX, writeFileAtomic } from "./atomic";
export { DEFAULT_MAX_UNPACKED_BYTES } from "./compression";
export { NotAPackage, PackageMismatch, PackageRejected, UnexpectedPackageFile } from "./errors";
export { buildPackage, type PackageFiles, payloadPath, type SyntheticPackage } from "./fake-package";
export { type InspectOptions, inspectPackage, type PackageInfo } from "./package";
export { formatPkgInfo, InvalidPkgInfo, type PkgInfo, parsePkgInfo } from "./pkginfo";
export {
  databaseFileNames,
  parseRepoEntry,
  type RepoEntry,
  RepoEntrySchema,
  RepoIndex,
  renderDesc,
  renderFiles,
  repoEntry,
  writeRepoDatabase,
} from "./repo-db";
export { checkUpload, type ExpectedUpload, storePackage, type Upload } from "./upload";
