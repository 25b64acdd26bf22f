// What the web UI makes of its settings (config/server.ts, UiConfig): where a commit links to on its forge.
import type { UiConfig } from "../../config/server";
import { projectPathOf } from "../../gitlab";

export interface UiSettings {
  commitUrl: (pkgbase: string, commit: string) => string | null;
}

export function uiSettings(config: UiConfig): UiSettings {
  const template = config.commitUrlTemplate;
  return {
    commitUrl: (pkgbase, commit) =>
      template
        ? template
            .replaceAll("{pkgbase}", encodeURIComponent(pkgbase))
            .replaceAll("{project}", encodeURIComponent(projectPathOf(pkgbase)))
            .replaceAll("{commit}", encodeURIComponent(commit))
        : null,
  };
}
