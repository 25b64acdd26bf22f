// The pacman adapter: package files in, repository databases out (README.md, Architecture: pacman repositories).
export { NotAPackage, PackageMismatch, PackageRejected, UnexpectedPackageFile } from "./errors";
export { buildPackage, type SyntheticPackage } from "./fake-package";
export { inspectPackage, inspectPackageFile, type PackageFile } from "./package";
export {
  type RepoEntry,
  RepoIndex,
  type RepoListing,
  readRepoListing,
  repoDatabaseFiles,
  repoEntry,
  writeRepoDatabase,
} from "./repo-db";
export {
  checkUpload,
  checkUploadFile,
  type ExpectedUpload,
  linkPackage,
  storePackage,
  storePackageFile,
} from "./upload";
