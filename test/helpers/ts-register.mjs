// `node --import ./test/helpers/ts-register.mjs src/cli/main.ts …` runs the
// CLI from its TypeScript sources (hooks in ts-loader.mjs), so CLI tests
// never run a dist/ older than src/.
import { register } from "node:module";

register("./ts-loader.mjs", import.meta.url);
