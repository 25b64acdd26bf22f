// A build node's identity: a hash of everything that decides what its build produces, so an iteration can
// take the packages of an equal node built before instead of building it again. Like a Nix derivation
// hash, it covers the node's own inputs (pkgbase, commit, architecture, pkgrel bump) and, recursively,
// the identities of every node it is built after: a changed dependency of a dependency changes it too.
import type { ArchGraph } from "./graph";

/** A hex digest of a string (sha256 in the server; injected because core has no effects). */
export type Hash = (text: string) => string;

/** The node's own inputs, beside its predecessors' identities. */
export interface IdentityInput {
  pkgbase: string;
  commit: string;
  arch: string;
  /**
   * The pkgrel bump the node is built with (a rebuild's `pkgctl build --rebuild`), or null when none: the
   * one place a bump enters the identity.
   */
  bump: string | null;
}

/** Bumped when the recipe below changes, so identities made by an older recipe never match new ones. */
const RECIPE = "buildbtw-identity-1";

export function identityOf(input: IdentityInput, predecessors: readonly string[], hash: Hash): string {
  return hash(
    JSON.stringify([
      RECIPE,
      input.pkgbase,
      input.commit,
      input.arch,
      input.bump,
      // Order-free: the same predecessors in another graph order are the same inputs.
      [...predecessors].sort(),
    ]),
  );
}

/**
 * Every node's identity in one architecture's graph. `bumpOf` names a node's pkgrel bump (null: none).
 * Edges run from the node built first to the node built after it; cycles were broken when planning.
 */
export function graphIdentities(
  graph: Pick<ArchGraph, "nodes" | "edges">,
  arch: string,
  hash: Hash,
  bumpOf: (pkgbase: string) => string | null = () => null,
): Map<string, string> {
  const predecessors = new Map<string, string[]>();
  for (const [from, to] of graph.edges) {
    const list = predecessors.get(to);
    if (list) list.push(from);
    else predecessors.set(to, [from]);
  }
  const commits = new Map(graph.nodes.map((n) => [n.pkgbase, n.commit]));
  const out = new Map<string, string>();
  const visiting = new Set<string>();
  const visit = (pkgbase: string): string => {
    const known = out.get(pkgbase);
    if (known !== undefined) return known;
    if (visiting.has(pkgbase)) throw new Error(`build graph has a cycle through ${pkgbase}`);
    visiting.add(pkgbase);
    const before = (predecessors.get(pkgbase) ?? []).filter((p) => commits.has(p)).map(visit);
    visiting.delete(pkgbase);
    const commit = commits.get(pkgbase) ?? "";
    const id = identityOf({ pkgbase, commit, arch, bump: bumpOf(pkgbase) }, before, hash);
    out.set(pkgbase, id);
    return id;
  };
  // Nodes come in build order, so the recursion rarely goes deep; it is there for any order.
  for (const node of graph.nodes) visit(node.pkgbase);
  return out;
}
