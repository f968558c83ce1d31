// Files esbuild embeds as text (scripts/bundle-cli.mjs: loader `.py: 'text'`).
declare module '*.py' {
  const text: string;
  export default text;
}
