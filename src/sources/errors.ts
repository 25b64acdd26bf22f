// The ways reading a source repository fails, each a DomainError whose message is one sentence for the user.
import { DomainError, Invalid, NotFound } from "../core/errors";
import { formatSrcinfoError, SrcinfoError } from "../core/srcinfo";

/** The directory exists but is neither a git work tree (`.git`) nor a bare repository. */
export class NotARepository extends NotFound {
  override name = "NotARepository";
  constructor(readonly path: string) {
    super(`${path} is not a git repository`);
  }
}

/** No pkgbase of that name under the repositories directory. */
export class UnknownPkgbase extends NotFound {
  override name = "UnknownPkgbase";
  constructor(
    readonly pkgbase: string,
    readonly reposDir: string,
  ) {
    super(`there is no source repository for pkgbase ${pkgbase} in ${reposDir}`);
  }
}

/** A ref that names no commit; `tried` lists every place looked at, in order. */
export class UnknownRef extends NotFound {
  override name = "UnknownRef";
  constructor(
    readonly repository: string,
    readonly ref: string,
    readonly tried: string[],
    why = "not found",
  ) {
    super(
      `ref ${JSON.stringify(ref)} ${why} in ${repository}${tried.length > 0 ? ` (tried ${tried.join(", ")})` : ""}`,
    );
  }
}

/** The commit's tree has no regular file `.SRCINFO` at its root. */
export class MissingSrcinfo extends NotFound {
  override name = "MissingSrcinfo";
  constructor(
    readonly repository: string,
    readonly commit: string,
  ) {
    super(`${repository} has no .SRCINFO at commit ${commit}`);
  }
}

/** The .SRCINFO at a commit does not parse; `line` and `column` are 1-based, as the parser reports them. */
export class InvalidSrcinfo extends Invalid {
  override name = "InvalidSrcinfo";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
    readonly commit: string,
  ) {
    super(`${formatSrcinfoError(file, new SrcinfoError(reason, line, column))} (at commit ${commit.slice(0, 12)})`);
  }
}

/** The .SRCINFO describes another pkgbase than the one its repository is named after. */
export class PkgbaseMismatch extends Invalid {
  override name = "PkgbaseMismatch";
  constructor(
    readonly pkgbase: string,
    readonly declared: string,
    readonly commit: string,
  ) {
    super(
      `the .SRCINFO of repository ${pkgbase} declares pkgbase ${declared} (at commit ${commit.slice(0, 12)}); ` +
        "a source repository must be named after its pkgbase",
    );
  }
}

/** An object or ref file that git itself would reject: truncated, wrongly typed, or failing its checks. */
export class CorruptRepository extends DomainError {
  override name = "CorruptRepository";
  constructor(
    readonly repository: string,
    detail: string,
  ) {
    super(`${repository} is damaged: ${detail}`);
  }
}
