// ui.js is served as text (a Bun text import): this tells TypeScript what the import gives.
declare const text: string;
export default text;
