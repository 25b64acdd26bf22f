/** Render a view (a Hono JSX node) to its HTML. */
export const html = async (node: unknown): Promise<string> =>
  String(await (node as { toString(): string | Promise<string> }).toString());
