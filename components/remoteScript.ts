// The host runs the scripts in components/scripts/ over SSH. Each is sent
// inline as `bash -c '<script>' <name> <args>`, so nothing has to be installed
// on the host first and the command text in the Pulumi diff is the script.
import * as fs from "fs";
import * as path from "path";
import { shellQuote } from "./hostPlan";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");

export function scriptText(name: string): string {
    return fs.readFileSync(path.join(SCRIPTS_DIR, `${name}.sh`), "utf8");
}

export function scriptCommand(name: string, args: (string | number)[] = []): string {
    return ["bash", "-c", shellQuote(scriptText(name)), name, ...args.map((a) => shellQuote(String(a)))].join(" ");
}
