// htmx's dist file is embedded as text (a Bun text import) and served from the binary.
declare module "htmx.org/dist/htmx.min.js" {
  const text: string;
  export default text;
}
