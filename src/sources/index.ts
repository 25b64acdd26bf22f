// Package source repositories on disk (src/core/README.md, Words): git reading, .SRCINFO cache keyed by commit.
export {
  CorruptRepository,
  InvalidSrcinfo,
  MissingSrcinfo,
  NotARepository,
  PkgbaseMismatch,
  UnknownPkgbase,
  UnknownRef,
} from "./errors";
export { GitRepository } from "./git-repository";
export { readSourceAt } from "./read-source";
export {
  CACHE_FORMAT,
  openSrcinfoCache,
  SRCINFO_CACHE_FILE,
  type SrcinfoCache,
  type SrcinfoResult,
} from "./srcinfo-cache";
export {
  type LoadOptions,
  type LoadProgress,
  loadUniverse,
  readRefs,
  reloadChanged,
  type SkippedSource,
  type SourceChanges,
  type Universe,
  type UniverseStats,
} from "./universe";
