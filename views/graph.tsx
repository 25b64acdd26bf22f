// The build graph: small graphs drawn as an inline SVG (laid out on the server), large ones as depth groups
// in build order with per-group status counts, opened on demand.
import type { BuildNode } from "../src/api/schemas";
import type { Layout } from "../src/core/graph-layout";
import type { DepthGroup } from "../src/server/usecases/show-namespace-page";
import { CountList, Progress } from "./components";
import { urls } from "./urls";

/** A cubic curve through the routed points: horizontal tangents, straight runs through columns. */
function edgePath(points: [number, number][]): string {
  const [first, ...rest] = points;
  if (!first) return "";
  let d = `M${first[0]},${first[1]}`;
  let prev = first;
  rest.forEach((pt, i) => {
    // Points come in pairs inside a column (enter, leave): between them the edge runs straight.
    if (i % 2 === 1) d += `L${pt[0]},${pt[1]}`;
    else {
      const mid = (prev[0] + pt[0]) / 2;
      d += `C${mid},${prev[1]} ${mid},${pt[1]} ${pt[0]},${pt[1]}`;
    }
    prev = pt;
  });
  return d;
}

export function DrawnGraph(p: { layout: Layout; nodes: Map<string, Pick<BuildNode, "id" | "status">>; arch: string }) {
  return (
    <div class="graph-wrap">
      <svg
        class="dag"
        xmlns="http://www.w3.org/2000/svg"
        width={p.layout.width}
        height={p.layout.height}
        viewBox={`0 0 ${p.layout.width} ${p.layout.height}`}
        role="img"
        aria-label={`Build graph for ${p.arch}: ${p.layout.nodes.length} packages, built left to right`}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L8,4 L0,8 z" />
          </marker>
        </defs>
        <g>
          {p.layout.edges.map((e) => (
            <path class="edge" d={edgePath(e.points)} marker-end="url(#arrow)">
              <title>
                {e.from} before {e.to}
              </title>
            </path>
          ))}
        </g>
        <g>
          {p.layout.nodes.map((n) => {
            const b = p.nodes.get(n.id);
            return (
              <a
                class="node"
                href={b ? urls.build(b.id) : undefined}
                data-build={b?.id}
                data-status={b?.status ?? "blocked"}
                data-label={n.id}
                aria-label={`${n.id}: ${b?.status ?? "unknown"}`}
              >
                <title>{n.id}</title>
                <rect x={n.x} y={n.y} width={n.width} height={n.height} rx="4" />
                <text x={n.x + 9} y={n.y + n.height / 2 + 4}>
                  {n.id}
                </text>
              </a>
            );
          })}
        </g>
      </svg>
    </div>
  );
}

export function GroupStats(p: { group: DepthGroup }) {
  return (
    <span id={`grp-${p.group.depth}-stats`} class="small group-stats">
      <span>
        {p.group.size} package{p.group.size === 1 ? "" : "s"}
      </span>
      <Progress counts={p.group.counts} total={p.group.size} />
      <CountList counts={p.group.counts} />
    </span>
  );
}

/** What a group's member list shows of each node. */
export type MemberNode = Pick<BuildNode, "id" | "pkgbase" | "status">;

export function GroupMembers(p: { name: string; iteration: number; arch: string; members: MemberNode[] }) {
  return (
    <ul class="members">
      {p.members.map((b) => (
        <li>
          <span class="status" data-build={b.id} data-status={b.status}>
            <a href={urls.build(b.id)}>{b.pkgbase}</a>
            <span class="visually-hidden">
              {" "}
              (<span class="st-word">{b.status}</span>)
            </span>
          </span>{" "}
          <a
            class="small"
            href={`${urls.namespace(p.name, { iteration: p.iteration, arch: p.arch, node: b.pkgbase })}#focus`}
            title={`What blocks ${b.pkgbase}, what it unblocks`}
          >
            deps
          </a>
        </li>
      ))}
    </ul>
  );
}

export function DepthGroups(p: {
  name: string;
  iteration: number;
  arch: string;
  groups: DepthGroup[];
  open: { depth: number; members: MemberNode[] } | null;
}) {
  return (
    <div class="groups">
      <p class="muted small">
        {p.groups.reduce((n, g) => n + g.size, 0)} packages in {p.groups.length} depths: depth 0 has no dependencies in
        this graph, each package at depth N waits for at least one at depth N−1. Open a depth to list its packages.
      </p>
      {p.groups.map((g) => {
        const isOpen = p.open?.depth === g.depth;
        return (
          <details
            id={`grp-${g.depth}`}
            open={isOpen}
            hx-get={isOpen ? undefined : urls.depthGroup(p.name, p.iteration, p.arch, g.depth)}
            hx-trigger={isOpen ? undefined : "toggle once"}
            hx-target={isOpen ? undefined : "find .members"}
            hx-swap={isOpen ? undefined : "outerHTML"}
          >
            <summary>
              <strong>Depth {g.depth}</strong>
              <GroupStats group={g} />
            </summary>
            {isOpen && p.open ? (
              <GroupMembers name={p.name} iteration={p.iteration} arch={p.arch} members={p.open.members} />
            ) : (
              <ul class="members">
                <li>
                  <a
                    href={`${urls.namespace(p.name, { iteration: p.iteration, arch: p.arch, depth: g.depth })}#grp-${g.depth}`}
                  >
                    List the {g.size} packages
                  </a>
                </li>
              </ul>
            )}
          </details>
        );
      })}
    </div>
  );
}
