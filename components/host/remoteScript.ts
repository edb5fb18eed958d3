// The host runs the scripts in each concept's scripts/ folder over SSH. Each is
// sent inline as `bash -c '<script>' <name> <args>`, so nothing has to be
// installed on the host first and the command text in the Pulumi diff is the
// script. Every concept binds its own folder with `scriptFolder`.
import * as fs from "fs";
import * as path from "path";
import { shellQuote } from "./hostPlan";

export interface ScriptFolder {
    readonly dir: string;
    /** The text of `<dir>/<name>.sh`. */
    text(name: string): string;
    /** `bash -c '<script>' <name> <args>`, every word shell-quoted. */
    command(name: string, args?: (string | number)[]): string;
}

export function scriptFolder(dir: string): ScriptFolder {
    const text = (name: string) => fs.readFileSync(path.join(dir, `${name}.sh`), "utf8");
    return {
        dir,
        text,
        command: (name, args = []) =>
            ["bash", "-c", shellQuote(text(name)), name, ...args.map((a) => shellQuote(String(a)))].join(" "),
    };
}

/** Host-level scripts other concepts use too: waiting for cloud-init, an /etc/hosts block. */
export const HOST_SCRIPTS = scriptFolder(path.join(__dirname, "scripts"));
