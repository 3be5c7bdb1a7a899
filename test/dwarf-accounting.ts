// What test/dwarf-accounting.test.ts and test/dwarf-dwz.test.ts count: the
// subprograms with code llvm-dwarfdump-19 prints, and the sites the stats
// name as left out.
import { execFileSync } from "node:child_process";
import type { FuncInfoResult } from "../src/app/funcinfo.ts";

/**
 * Concrete DW_TAG_subprogram DIEs with code (DW_AT_low_pc or DW_AT_ranges,
 * no DW_AT_declaration), counted in llvm-dwarfdump's text.
 */
export function subprogramsWithCode(obj: string): number {
  const text = execFileSync("llvm-dwarfdump-19", ["--debug-info", obj], { encoding: "utf8", maxBuffer: 256 << 20, stdio: ["ignore", "pipe", "pipe"] });
  let n = 0;
  let inSub = false;
  let code = false;
  let decl = false;
  const close = () => {
    if (inSub && code && !decl) n++;
  };
  for (const line of text.split("\n")) {
    const tag = /^0x[0-9a-f]+:\s+(DW_TAG_\w+|NULL)/.exec(line);
    if (tag) {
      close();
      inSub = tag[1] === "DW_TAG_subprogram";
      code = decl = false;
    } else if (inSub) {
      if (/^\s+DW_AT_(low_pc|ranges)\b/.test(line)) code = true;
      else if (/^\s+DW_AT_declaration\b/.test(line)) decl = true;
    }
  }
  close();
  return n;
}

/** Sites the lowering counted as left out, by named cause, plus those without a prototype. */
export function countedLeftOut(r: FuncInfoResult): number {
  const l = r.lower;
  return l.noAddress + l.noSection + l.noName + l.noOrigin + r.noProto;
}
