// `buildbtw list`'s human output: one table row per namespace.
import type { NamespaceListBody } from "../client/api-client";
import { estimateText } from "../core/estimates";
import { type Paint, progressOf, table, when } from "./client-style";

export function listLines(list: NamespaceListBody, all: boolean, paint: Paint): string[] {
  if (list.namespaces.length === 0)
    return [all ? "No namespaces yet." : "No active namespaces (`buildbtw list --all` shows cancelled ones too)."];
  const rows = list.namespaces.map((ns) => {
    const p = progressOf(ns.counts);
    const progress = `${p.built}/${p.total} built${p.failed > 0 ? paint("red", `, ${p.failed} failed`) : ""}${
      p.running > 0 ? `, ${p.running} building` : ""
    }`;
    const it = ns.latest_iteration;
    return [
      paint("bold", ns.name),
      ns.status === "active" ? paint("green", ns.status) : paint("dim", ns.status),
      ns.origin_changesets.join(", "),
      `${it ? progress : ns.problem ? "" : paint("dim", "computing…")}${ns.problem ? paint("red", `${it ? ", " : ""}problem (see show)`) : ""}`,
      it ? `${it.id} (${it.reason})` : "-",
      ns.eta ? estimateText(ns.eta.remaining_ms) : "-",
      when(ns.created_at),
    ];
  });
  return table(["NAME", "STATUS", "ORIGINS", "PROGRESS", "ITERATION", "ETA", "CREATED"], rows, paint);
}
