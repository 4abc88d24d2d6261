// The browser terminal is built into plain files that the dateline binary serves: no CDN, no
// runtime fetches from elsewhere. ES2020 is the floor (public/check.js tells older browsers so).
import { defineConfig } from "vitest/config";

export default defineConfig({
  build: {
    target: "es2020",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
