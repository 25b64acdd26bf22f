// The double's GraphQL: the one query shape buildbtw sends (src/gitlab/README.md, GraphQL), read with a few patterns
// rather than a GraphQL parser — `group(fullPath:)` → `projects(sort:, first:, after:, includeSubgroups:)`
// → `nodes { … }` and `pageInfo { … }`. Query errors are 200 with `errors`, as GitLab answers them.

interface ProjectLike {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  lastActivityAt: string;
  updatedAt: string;
}

const NODE_FIELDS: Record<string, (p: ProjectLike) => unknown> = {
  id: (p) => `gid://gitlab/Project/${p.id}`,
  name: (p) => p.name,
  path: (p) => p.path,
  fullPath: (p) => p.fullPath,
  // GraphQL Time is second precision (src/gitlab/README.md, GraphQL).
  lastActivityAt: (p) => p.lastActivityAt.replace(/\.\d{3}Z$/, "Z"),
  updatedAt: (p) => p.updatedAt.replace(/\.\d{3}Z$/, "Z"),
};
const SORTS = new Set(["SIMILARITY", "ACTIVITY_DESC", "STORAGE_SIZE_ASC", "STORAGE_SIZE_DESC"]);

const error = (message: string) => ({ errors: [{ message, locations: [{ line: 1, column: 1 }] }] });

function argValue(raw: string, variables: Record<string, unknown>): unknown {
  const v = raw.trim();
  if (v.startsWith("$")) return variables[v.slice(1)];
  if (v === "true" || v === "false") return v === "true";
  if (/^\d+$/.test(v)) return Number(v);
  if (/^".*"$/.test(v)) return v.slice(1, -1);
  return v; // an enum value
}

const encodeCursor = (p: ProjectLike) =>
  Buffer.from(JSON.stringify({ last_activity_at: p.lastActivityAt, id: String(p.id) })).toString("base64");

export function answerGraphql(
  body: { query?: string; variables?: Record<string, unknown> },
  groupProjects: (fullPath: string) => ProjectLike[] | null,
): unknown {
  const query = body.query ?? "";
  const variables = body.variables ?? {};
  if (query.length > 10_000) return error("Query too large");
  const group = /group\s*\(\s*fullPath\s*:\s*([^)]+)\)/.exec(query);
  const projects = /projects\s*\(([^)]*)\)\s*\{/.exec(query);
  if (!group || !projects) return error("This double answers only group(fullPath:) { projects(…) { … } } queries");
  const fullPath = argValue(group[1]!, variables);
  if (typeof fullPath !== "string") return error("Variable $fullPath of type ID! was provided invalid value");

  const args: Record<string, unknown> = {};
  for (const part of projects[1]!.split(",")) {
    const m = /^\s*(\w+)\s*:\s*(.+?)\s*$/.exec(part);
    if (m) args[m[1]!] = argValue(m[2]!, variables);
  }
  for (const name of Object.keys(args)) {
    if (!["sort", "first", "after", "includeSubgroups", "search", "includeArchived"].includes(name)) {
      return error(`Field 'projects' doesn't accept argument '${name}'`);
    }
  }
  const sort = args.sort ?? null;
  if (sort !== null && (typeof sort !== "string" || !SORTS.has(sort))) {
    return error(`Argument 'sort' on Field 'projects' has an invalid value (${String(sort)}).`);
  }
  const first = args.first === undefined ? 100 : Number(args.first);
  if (!Number.isInteger(first) || first < 1) return error("first must be a positive integer");

  const nodesBlock = /nodes\s*\{([^}]*)\}/.exec(query);
  const fields = (nodesBlock?.[1] ?? "").split(/[\s,]+/).filter(Boolean);
  for (const f of fields) {
    if (!NODE_FIELDS[f]) return error(`Field '${f}' doesn't exist on type 'Project'`);
  }
  const pageInfoBlock = /pageInfo\s*\{([^}]*)\}/.exec(query);
  const pageFields = (pageInfoBlock?.[1] ?? "").split(/[\s,]+/).filter(Boolean);

  const all = groupProjects(fullPath);
  if (all === null) return { data: { group: null } };
  const ordered = [...all].sort((a, b) =>
    sort === "ACTIVITY_DESC" ? b.lastActivityAt.localeCompare(a.lastActivityAt) || b.id - a.id : b.id - a.id,
  );
  let start = 0;
  if (typeof args.after === "string" && args.after) {
    const i = ordered.findIndex((p) => encodeCursor(p) === args.after);
    if (i < 0) return error("Invalid cursor provided");
    start = i + 1;
  }
  // At most 100 per page, whatever `first` asks (src/gitlab/README.md, GraphQL).
  const page = ordered.slice(start, start + Math.min(first, 100));
  const pageInfo: Record<string, unknown> = {
    endCursor: page.length ? encodeCursor(page[page.length - 1]!) : null,
    hasNextPage: start + page.length < ordered.length,
    startCursor: page.length ? encodeCursor(page[0]!) : null,
    hasPreviousPage: start > 0,
  };
  return {
    data: {
      group: {
        projects: {
          ...(nodesBlock
            ? { nodes: page.map((p) => Object.fromEntries(fields.map((f) => [f, NODE_FIELDS[f]!(p)]))) }
            : {}),
          ...(pageInfoBlock ? { pageInfo: Object.fromEntries(pageFields.map((f) => [f, pageInfo[f] ?? null])) } : {}),
        },
      },
    },
  };
}
