// Paths in the stack config are written as in a shell: "~/src/chart" means the
// developer's home directory.
import * as os from "os";
import * as path from "path";

export function expandHome(p: string): string {
    return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}
