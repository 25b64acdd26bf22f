// The namespace's pacman repository in a build's pacman configuration (README.md, Architecture: workers and leases:
// members of the namespace come from the namespace's own repository). Pure text in, text out.

export interface NamespaceRepository {
  /** The section name, `buildbtw-<namespace>`. */
  name: string;
  /** The `Server =` URL, ending in `/os/<arch>/` (pacman appends `/<name>.db`). */
  url: string;
}

/**
 * `conf` with a `[<repo.name>]` section placed before its first repository section. pacman takes a package
 * from the first repository that has it, so the namespace's builds must come before core and extra or
 * they would never be used while the official version exists. The repository is unsigned.
 */
export function withRepository(conf: string, repo: NamespaceRepository): string {
  const section = repositorySection(repo);
  const lines = conf.split("\n");
  const first = lines.findIndex((line) => {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    return header !== null && header[1] !== "options";
  });
  if (first === -1) return `${conf.replace(/\n*$/, "\n")}\n${section}`;
  return [...lines.slice(0, first), ...section.split("\n").slice(0, -1), "", ...lines.slice(first)].join("\n");
}

/** The section text, ending in a newline. */
export function repositorySection(repo: NamespaceRepository): string {
  // Names and URLs come from the server: refuse anything that could add lines to the configuration.
  if (!/^[A-Za-z0-9@._+-]+$/.test(repo.name)) throw new Error(`refusing repository name ${JSON.stringify(repo.name)}`);
  if (!/^https?:\/\/[^\s]+$/.test(repo.url)) throw new Error(`refusing repository URL ${JSON.stringify(repo.url)}`);
  return [
    "# The buildbtw namespace's own builds, preferred over every other repository.",
    `[${repo.name}]`,
    "SigLevel = Optional TrustAll",
    `Server = ${repo.url.replace(/\/+$/, "")}`,
    "",
  ].join("\n");
}
