// Reading a git repository in-process: refs (loose, packed, symbolic), and objects (loose and packed,
// deltas resolved). Loading thousands of repositories must not spawn a git process for each of them.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { InvalidName, parseCommitId, parseRef } from "../core/names";
import type { CommitId } from "../core/types";
import { pathInside } from "../lib/paths";
import { CorruptRepository, NotARepository, UnknownRef } from "./errors";
import { type GitObject, inflate, type ObjectType, Pack } from "./git-pack";

const HEX40 = /^[0-9a-f]{40}$/;
const ABBREVIATED = /^[0-9a-f]{4,40}$/;
// Symbolic refs nest rarely (origin/HEAD → origin/main); a longer chain is a loop.
const MAX_SYMREF_DEPTH = 5;
const MAX_TAG_DEPTH = 10;

/** Reads a file, or undefined when it does not exist or is a directory (refs/heads/a when a/b exists). */
function readIfFile(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
    throw error;
  }
}

export const isDirectory = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** One object directory (the repository's own or an alternate): loose objects plus its packs, listed lazily. */
class ObjectStore {
  private packs: Pack[] | null = null;

  constructor(
    readonly dir: string,
    private readonly repository: string,
  ) {}

  /** The object from this directory's packs, else its loose file; undefined when it holds neither. */
  read(id: string, external: (base: string) => GitObject): GitObject | undefined {
    const packs = this.allPacks();
    if (packs.length > 0) {
      const binary = Buffer.from(id, "hex");
      for (const pack of packs) {
        const offset = pack.find(binary);
        if (offset !== undefined) return pack.read(offset, external);
      }
    }
    return this.readLoose(id);
  }

  private readLoose(id: string): GitObject | undefined {
    const raw = readIfFile(join(this.dir, id.slice(0, 2), id.slice(2)));
    if (raw === undefined) return undefined;
    let data: Uint8Array;
    try {
      data = inflate(raw);
    } catch (error) {
      throw new CorruptRepository(this.repository, `loose object ${id} does not inflate: ${(error as Error).message}`);
    }
    // "<type> <size>\0<content>"
    const header = Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, 32));
    const space = header.indexOf(0x20);
    const nul = header.indexOf(0);
    const type = header.toString("latin1", 0, Math.max(space, 0));
    if (
      space < 0 ||
      nul < space ||
      !isObjectType(type) ||
      Number(header.toString("latin1", space + 1, nul)) !== data.length - nul - 1
    ) {
      throw new CorruptRepository(this.repository, `loose object ${id} has a bad header`);
    }
    return { type, data: data.subarray(nul + 1) };
  }

  allPacks(): Pack[] {
    if (this.packs !== null) return this.packs;
    let names: string[];
    try {
      names = readdirSync(join(this.dir, "pack"));
    } catch {
      names = [];
    }
    const present = new Set(names);
    this.packs = names
      .filter((n) => n.endsWith(".idx") && present.has(`${n.slice(0, -4)}.pack`))
      .sort()
      .map((n) => Pack.open(join(this.dir, "pack", n), this.repository));
    return this.packs;
  }

  /** Hex ids of loose objects starting with `prefix` (at least two hex digits). */
  loosePrefix(prefix: string): string[] {
    let names: string[];
    try {
      names = readdirSync(join(this.dir, prefix.slice(0, 2)));
    } catch {
      return [];
    }
    const rest = prefix.slice(2);
    return names.filter((n) => n.length === 38 && n.startsWith(rest)).map((n) => prefix.slice(0, 2) + n);
  }

  close(): void {
    for (const p of this.packs ?? []) p.close();
  }
}

const isObjectType = (t: string): t is ObjectType => t === "commit" || t === "tree" || t === "blob" || t === "tag";

/**
 * A repository opened for reading. Holds no file descriptors until a packed object is read;
 * call close() when done with it (pack files stay open between reads for speed).
 */
export class GitRepository {
  private packedRefs: Map<string, string> | null = null;
  private stores: ObjectStore[];
  private alternatesLoaded = false;
  /** The object read last: peeling a ref and then reading the commit's tree need the commit twice. */
  private last: { id: string; object: GitObject } | null = null;

  private constructor(
    /** The directory the caller named (work tree or bare repository). */
    readonly path: string,
    /** Where HEAD lives. */
    readonly gitDir: string,
    /** Where refs, packed-refs and objects live (differs from gitDir only for linked work trees). */
    readonly commonDir: string,
  ) {
    this.stores = [new ObjectStore(join(commonDir, "objects"), path)];
  }

  /** Opens a work tree (`.git` directory or `.git` file) or a bare repository; throws NotARepository otherwise. */
  static open(path: string): GitRepository {
    const dotGit = join(path, ".git");
    const stat = statSync(dotGit, { throwIfNoEntry: false });
    if (stat?.isDirectory()) return new GitRepository(path, dotGit, dotGit);
    if (stat?.isFile()) {
      // A linked work tree or submodule: "gitdir: <path>", and a commondir file for linked work trees.
      const line = readFileSync(dotGit, "utf8").trim();
      if (!line.startsWith("gitdir: ")) throw new NotARepository(path);
      const gitDir = resolve(path, line.slice(8));
      const common = readIfFile(join(gitDir, "commondir"))?.toString("utf8").trim();
      const commonDir = common === undefined ? gitDir : resolve(gitDir, common);
      if (!isDirectory(join(commonDir, "objects"))) throw new NotARepository(path);
      return new GitRepository(path, gitDir, commonDir);
    }
    if (isDirectory(join(path, "objects")) && isDirectory(join(path, "refs"))) {
      return new GitRepository(path, path, path);
    }
    throw new NotARepository(path);
  }

  /**
   * Finds what `ref` names, in this order: `refs/remotes/origin/<ref>`, `refs/heads/<ref>`,
   * `refs/tags/<ref>` (each loose, then packed), then a full or abbreviated commit id.
   * A ref that starts with `refs/` is taken as a full name only. Returns the object the ref names, not
   * peeled (an annotated tag stays a tag); see peelToCommit.
   */
  resolveRef(ref: string): string {
    if (!isValidRef(ref)) throw new UnknownRef(this.path, ref, [], "is not a valid ref name");
    const tried = ref.startsWith("refs/")
      ? [ref]
      : [`refs/remotes/origin/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`, ...(ref === "HEAD" ? ["HEAD"] : [])];
    for (const candidate of tried) {
      const id = this.readRefName(candidate, 0);
      if (id !== undefined) return id;
    }
    if (ABBREVIATED.test(ref)) {
      tried.push("commit id");
      const ids = this.commitsWithPrefix(ref);
      if (ids.length === 1) return ids[0]!;
      if (ids.length > 1)
        throw new UnknownRef(this.path, ref, tried, `is ambiguous (${ids.length} commits start with it)`);
    }
    throw new UnknownRef(this.path, ref, tried);
  }

  /** resolveRef, then peelToCommit. */
  resolveCommit(ref: string): CommitId {
    return this.peelToCommit(this.resolveRef(ref), ref);
  }

  /** Follows annotated tags from `id` to the commit they name; throws UnknownRef when that is not a commit. */
  peelToCommit(id: string, ref = id): CommitId {
    let current = id;
    for (let depth = 0; depth <= MAX_TAG_DEPTH; depth++) {
      const object = this.readObject(current);
      if (object.type === "commit") return parseCommitId(current);
      if (object.type !== "tag") throw new UnknownRef(this.path, ref, [id], `names a ${object.type}, not a commit`);
      const target = headerField(object.data, "object");
      if (target === undefined || !HEX40.test(target)) throw this.corrupt(`tag ${current} names no object`);
      current = target;
    }
    throw this.corrupt(`tag ${id} is nested too deeply`);
  }

  /** Reads an object by its full hex id from packs, loose objects, then alternates. */
  private readObject(id: string): GitObject {
    const found = this.tryReadObject(id);
    if (found === undefined) throw this.corrupt(`object ${id} is missing`);
    return found;
  }

  /** The bytes of the regular file `name` at the root of the commit's tree, or undefined when there is none. */
  readRootFile(commit: CommitId, name: string): Uint8Array | undefined {
    const object = this.readObject(commit);
    if (object.type !== "commit") throw this.corrupt(`${commit} is a ${object.type}, not a commit`);
    const tree = headerField(object.data, "tree");
    if (tree === undefined || !HEX40.test(tree)) throw this.corrupt(`commit ${commit} names no tree`);
    const treeObject = this.readObject(tree);
    if (treeObject.type !== "tree") throw this.corrupt(`commit ${commit} names a ${treeObject.type} as its tree`);
    const entry = findTreeEntry(treeObject.data, name, () => this.corrupt(`tree ${tree} is malformed`));
    // Regular files only (100644, 100755): a symlink's blob is its target path, not the file's content.
    if (entry === undefined || !entry.mode.startsWith("100")) return undefined;
    const blob = this.readObject(entry.id);
    if (blob.type !== "blob") throw this.corrupt(`${name} at ${commit} is a ${blob.type}`);
    return blob.data;
  }

  close(): void {
    for (const s of this.stores) s.close();
  }

  private tryReadObject(id: string): GitObject | undefined {
    if (this.last?.id === id) return this.last.object;
    for (let i = 0; ; i++) {
      // Alternates are rare: look for them only once an object is missing from the stores known so far.
      if (i === this.stores.length && !this.alternatesLoaded) this.loadAlternates();
      const store = this.stores[i];
      if (store === undefined) return undefined;
      const object = store.read(id, (base) => this.readObject(base));
      if (object !== undefined) {
        this.last = { id, object };
        return object;
      }
    }
  }

  /** objects/info/alternates: further object directories, one a line, relative to the objects directory. */
  private loadAlternates(): void {
    this.alternatesLoaded = true;
    const seen = new Set(this.stores.map((s) => s.dir));
    for (let i = 0; i < this.stores.length; i++) {
      const dir = this.stores[i]!.dir;
      const text = readIfFile(join(dir, "info", "alternates"))?.toString("utf8") ?? "";
      for (const line of text.split("\n")) {
        const entry = line.trim();
        if (entry === "" || entry.startsWith("#")) continue;
        const alternate = isAbsolute(entry) ? entry : resolve(dir, entry);
        if (seen.has(alternate)) continue;
        seen.add(alternate);
        this.stores.push(new ObjectStore(alternate, this.path));
      }
    }
  }

  private commitsWithPrefix(prefix: string): string[] {
    if (prefix.length === 40) return this.keepCommitish([prefix]);
    if (!this.alternatesLoaded) this.loadAlternates();
    const ids = new Set<string>();
    for (const store of this.stores) {
      for (const id of store.loosePrefix(prefix)) ids.add(id);
      for (const pack of store.allPacks()) for (const id of pack.findPrefix(prefix)) ids.add(id);
    }
    return this.keepCommitish([...ids].sort());
  }

  /** Of several objects an abbreviated id matches, the commits and tags win, as in `git rev-parse <id>^{commit}`. */
  private keepCommitish(ids: string[]): string[] {
    return ids.filter((id) => {
      const type = this.tryReadObject(id)?.type;
      return type === "commit" || type === "tag";
    });
  }

  /** The object id a full ref name points to, following symbolic refs; loose files win over packed-refs. */
  private readRefName(name: string, depth: number): string | undefined {
    // HEAD (and other per-work-tree names) live in gitDir, everything under refs/ in the common dir.
    const root = name.startsWith("refs/") ? this.commonDir : this.gitDir;
    const loose = readIfFile(pathInside(root, ...name.split("/")))
      ?.toString("utf8")
      .trim();
    if (loose !== undefined) {
      if (HEX40.test(loose)) return loose;
      if (loose.startsWith("ref: ")) {
        const target = loose.slice(5).trim();
        if (depth >= MAX_SYMREF_DEPTH) throw this.corrupt(`symbolic ref ${name} loops`);
        if (!target.startsWith("refs/") || !isValidRef(target)) throw this.corrupt(`${name} points to ${target}`);
        return this.readRefName(target, depth + 1);
      }
      throw this.corrupt(`ref ${name} holds neither an object id nor a symbolic ref`);
    }
    return this.readPackedRefs().get(name);
  }

  private readPackedRefs(): Map<string, string> {
    if (this.packedRefs !== null) return this.packedRefs;
    const refs = new Map<string, string>();
    const text = readIfFile(join(this.commonDir, "packed-refs"))?.toString("utf8") ?? "";
    for (const line of text.split("\n")) {
      // "<id> <name>", with "^<peeled id>" lines after annotated tags and a "# pack-refs with:" header.
      if (line.length < 42 || line[40] !== " ") continue;
      const id = line.slice(0, 40);
      if (HEX40.test(id)) refs.set(line.slice(41).trim(), id);
    }
    this.packedRefs = refs;
    return refs;
  }

  private corrupt(detail: string): CorruptRepository {
    return new CorruptRepository(this.path, detail);
  }
}

function isValidRef(name: string): boolean {
  try {
    parseRef(name);
    return true;
  } catch (error) {
    if (error instanceof InvalidName) return false;
    throw error;
  }
}

/** The value of header line `key` of a commit or tag (the lines before the first blank line). */
function headerField(data: Uint8Array, key: string): string | undefined {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf(0x0a, at);
    if (end < 0) end = text.length;
    if (end === at) return undefined;
    const line = text.toString("utf8", at, end);
    if (line.startsWith(`${key} `)) return line.slice(key.length + 1);
    at = end + 1;
  }
  return undefined;
}

/** Tree entries are "<octal mode> <name>\0<20-byte id>", sorted; a linear scan is enough for package repositories. */
function findTreeEntry(
  tree: Uint8Array,
  name: string,
  malformed: () => Error,
): { mode: string; id: string } | undefined {
  const buf = Buffer.from(tree.buffer, tree.byteOffset, tree.byteLength);
  const wanted = Buffer.from(name, "utf8");
  let at = 0;
  while (at < buf.length) {
    const space = buf.indexOf(0x20, at);
    const nul = buf.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > buf.length) throw malformed();
    if (nul - space - 1 === wanted.length && buf.compare(wanted, 0, wanted.length, space + 1, nul) === 0) {
      return { mode: buf.toString("latin1", at, space), id: buf.toString("hex", nul + 1, nul + 21) };
    }
    at = nul + 21;
  }
  return undefined;
}
