// Two pages: the app (index.html) and GraphiQL (graphiql.html), built into the server package's static folder.
// Every script and style is an external, content-hashed file so the pages run under a CSP without 'unsafe-inline'.
import { resolve } from "node:path";
import { defineConfig } from "vite";

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: "/",
  build: {
    outDir: resolve(root, "../server/runbase_server/web/static"),
    emptyOutDir: true,
    assetsDir: "assets",
    // Inlined assets would become data: URLs in scripts or styles; keep every asset a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      // GraphiQL's React dependencies mark their modules "use client" (a server-components hint); a plain
      // browser bundle ignores it, as it should: drop that one warning, keep every other.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
      input: {
        index: resolve(root, "index.html"),
        graphiql: resolve(root, "graphiql.html"),
      },
    },
  },
});
